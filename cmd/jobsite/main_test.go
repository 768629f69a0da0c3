package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/airlock-project/airlock/airlock/jobsite"
	"github.com/airlock-project/airlock/cmd/jobsite/receiver"
)

func noEnv(string) string { return "" }

func TestServeAndToken(t *testing.T) {
	dir := t.TempDir()
	common := []string{"-db", filepath.Join(dir, "j.db"), "-storage", filepath.Join(dir, "rel")}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, append([]string{"jobsite", "serve", "-addr", "127.0.0.1:0"}, common...), noEnv, pw, io.Discard)
		pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatalf("no listening line: %v", err)
	}
	go io.Copy(io.Discard, pr)
	m := regexp.MustCompile(`API (http://\S+/api/v2)`).FindStringSubmatch(line)
	if m == nil {
		t.Fatalf("line=%q", line)
	}

	var out bytes.Buffer
	if err := run(ctx, append(append([]string{"jobsite", "token"}, common...), receiver.DemoResearcher), noEnv, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	tok := regexp.MustCompile(`(?m)^\s+([a-z]+ [a-z]+ [a-z]+)$`).FindStringSubmatch(out.String())
	if tok == nil {
		t.Fatalf("token output %q", out.String())
	}
	c := &jobsite.Client{BaseURL: m[1], Token: receiver.DemoBackendToken}
	u, err := c.Authenticate(ctx, receiver.DemoResearcher, tok[1])
	if err != nil || u.Username != receiver.DemoResearcher {
		t.Fatalf("authenticate: %+v %v", u, err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("serve returned %v", err)
	}
}

func TestCommandErrors(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	common := []string{"-db", filepath.Join(dir, "j.db"), "-storage", filepath.Join(dir, "rel")}
	for name, args := range map[string][]string{
		"UnknownCommand": {"jobsite", "explode"},
		"BadSizeLimit":   {"jobsite", "serve", "-size-limit", "-3"},
		"UnknownFlag":    {"jobsite", "serve", "-nope"},
		"TokenNoUser":    append([]string{"jobsite", "token"}, common...),
		"TokenUnknown":   append(append([]string{"jobsite", "token"}, common...), "ghost"),
		"MissingConfig":  append([]string{"jobsite", "token", "-config", filepath.Join(dir, "none.json")}, append(common, "x")...),
		"HashNoPassword": {"jobsite", "hash-password"},
	} {
		t.Run(name, func(t *testing.T) {
			if err := run(ctx, args, noEnv, io.Discard, io.Discard); err == nil {
				t.Fatal("no error")
			}
		})
	}
	var out bytes.Buffer
	env := func(k string) string {
		if k == "JOBSITE_PASSWORD" {
			return "s3cret"
		}
		return ""
	}
	if err := run(ctx, []string{"jobsite", "hash-password"}, env, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !receiver.VerifySecret("s3cret", strings.TrimSpace(out.String())) {
		t.Fatalf("hash %q does not verify", out.String())
	}
}
