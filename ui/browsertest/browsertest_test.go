package browsertest

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
)

// recorder is a testing.TB that records Skip and Fatal and stops the
// goroutine as the real ones do.
type recorder struct {
	testing.TB
	skipped, failed bool
	msg             string
}

func (r *recorder) Helper() {}
func (r *recorder) Skip(args ...any) {
	r.skipped, r.msg = true, fmt.Sprint(args...)
	runtime.Goexit()
}
func (r *recorder) Fatal(args ...any) {
	r.failed, r.msg = true, fmt.Sprint(args...)
	runtime.Goexit()
}

// startWithout runs Start where no Chromium can be found.
func startWithout(t *testing.T, ci string) *recorder {
	t.Setenv("AIRLOCK_CHROMIUM", t.TempDir()+"/no-such-chromium")
	t.Setenv("CI", ci)
	r := &recorder{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		Start(r)
	}()
	<-done
	return r
}

func TestStartWithoutChromium(t *testing.T) {
	t.Run("Skips", func(t *testing.T) {
		r := startWithout(t, "")
		if !r.skipped || r.failed || !strings.Contains(r.msg, "apt-get install chromium") {
			t.Fatalf("skipped=%v failed=%v msg=%q", r.skipped, r.failed, r.msg)
		}
	})
	t.Run("FailsInCI", func(t *testing.T) {
		r := startWithout(t, "true")
		if !r.failed || r.skipped || !strings.Contains(r.msg, "CI is set") {
			t.Fatalf("skipped=%v failed=%v msg=%q", r.skipped, r.failed, r.msg)
		}
	})
}

func TestSafeName(t *testing.T) {
	for in, want := range map[string]string{
		"researcher-tree opened":           "researcher-tree_opened",
		"TestBrowser/Journey":              "TestBrowser_Journey",
		"../../etc/passwd":                 ".._.._etc_passwd",
		`click [data-testid="x"]`:          "click_data-testid_x",
		"checker1-FAILED-wait for a.b > c": "checker1-FAILED-wait_for_a.b_c",
	} {
		if got := safeName(in); got != want {
			t.Errorf("safeName(%q) = %q, want %q", in, got, want)
		}
	}
}
