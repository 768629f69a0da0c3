package checkfile_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"sync/atomic"
	"testing"

	"github.com/airlock-project/airlock/airlock"
	"github.com/airlock-project/airlock/workspaces/checkfile"
	"github.com/airlock-project/airlock/workspaces/checks"
)

type nopCloser struct{ *bytes.Reader }

func (nopCloser) Close() error { return nil }

// input is a file to check whose opens are counted.
func input(name, hash, body string, opens *atomic.Int32) airlock.CheckInput {
	return airlock.CheckInput{Name: name, Hash: hash, Size: int64(len(body)), Open: func() (io.ReadSeekCloser, error) {
		opens.Add(1)
		return nopCloser{bytes.NewReader([]byte(body))}, nil
	}}
}

func TestCacheComputesOncePerHashAndRoles(t *testing.T) {
	ctx := context.Background()
	c := checkfile.NewCache(checks.DefaultSettings(), 0)
	var opens atomic.Int32
	in := input("t.csv", "h1", "region,n\nNorth,5\nSouth,20\n", &opens)

	cached := in
	cached.CachedOnly = true
	if fc, err := c.CheckFile(ctx, cached); fc != nil || err != nil || opens.Load() != 0 {
		t.Fatalf("a cached-only ask before any pass = %v, %v after %d opens", fc, err, opens.Load())
	}
	fc, err := c.CheckFile(ctx, in)
	if err != nil || len(fc.Tables) != 1 || fc.Tables[0].Fails != 1 || fc.Tables[0].Header == "" {
		t.Fatalf("CheckFile = %+v, %v", fc, err)
	}
	again, _ := c.CheckFile(ctx, in)
	if fc2, _ := c.CheckFile(ctx, cached); again != fc || fc2 != fc || opens.Load() != 1 {
		t.Fatalf("the second ask read the file again (%d opens)", opens.Load())
	}
	in.Roles = map[string]map[string]string{"": {"n": string(checks.RoleDimension)}}
	declared, err := c.CheckFile(ctx, in)
	if err != nil || declared.Tables[0].Fails != 0 || opens.Load() != 2 {
		t.Fatalf("with n declared not a count: %+v, %v, %d opens", declared, err, opens.Load())
	}
}

func TestCacheKeepsNoFailure(t *testing.T) {
	ctx := context.Background()
	c := checkfile.NewCache(checks.DefaultSettings(), 0)
	fail := true
	in := airlock.CheckInput{Name: "t.csv", Hash: "h", Open: func() (io.ReadSeekCloser, error) {
		if fail {
			return nil, errors.New("disk unplugged")
		}
		return nopCloser{bytes.NewReader([]byte("a,b\n1,2\n"))}, nil
	}, Size: 8}
	if _, err := c.CheckFile(ctx, in); err == nil {
		t.Fatal("no error from a file that cannot be opened")
	}
	fail = false
	if _, err := c.CheckFile(ctx, in); err != nil {
		t.Fatalf("the failure was cached: %v", err)
	}
}

func TestCheckKinds(t *testing.T) {
	ctx := context.Background()
	c := checkfile.NewCache(checks.DefaultSettings(), 0)
	var opens atomic.Int32
	html := "<table><tr><th>region</th><th>n</th></tr><tr><td>North</td><td>5</td></tr></table>" +
		"<table><tr><th>x</th></tr><tr><td>a</td></tr></table>"
	fc, err := c.CheckFile(ctx, input("page.html", "h2", html, &opens))
	if err != nil || len(fc.Tables) != 2 || fc.Tables[0].Sheet != "table 1" || fc.Tables[0].Fails != 1 {
		t.Fatalf("HTML tables: %+v, %v", fc, err)
	}
	png := "\x89PNG\r\n\x1a\n" + string(make([]byte, 32))
	if fc, err := c.CheckFile(ctx, input("fig.png", "h3", png, &opens)); err != nil || !fc.Figure {
		t.Fatalf("a PNG is not a figure: %+v, %v", fc, err)
	}
	fc, err = c.CheckFile(ctx, input("run.log", "h4", "patients with the event: 3\n", &opens))
	if err != nil || len(fc.Tables) != 1 || fc.Tables[0].Fails != 0 {
		t.Fatalf("a log gets review hints only: %+v, %v", fc, err)
	}
	if _, err := c.CheckFile(ctx, input("data.csv", "h5", "\x00\x01\x02binary", &opens)); airlock.ErrorCode(err) != airlock.EINVALID {
		t.Fatalf("binary bytes named .csv: %v, want EINVALID", err)
	}
}
