package ui

import (
	"strings"
	"testing"
)

// FuzzSafeNext checks that no input to ?next= can leave the site.
func FuzzSafeNext(f *testing.F) {
	for _, s := range []string{"/workspaces/", "//evil", "/\\evil", "https://evil", "/%2F%2Fevil", "/a/../b", "\t/x", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, next string) {
		got := safeNext(next, "/fallback")
		if got == "/fallback" {
			return
		}
		if !strings.HasPrefix(got, "/") || strings.HasPrefix(got, "//") || strings.Contains(got, "\\") {
			t.Fatalf("safeNext(%q) = %q escapes the site", next, got)
		}
		for _, r := range got {
			if r < 0x20 || r == 0x7f {
				t.Fatalf("safeNext(%q) = %q has a control character", next, got)
			}
		}
	})
}

// FuzzParseDevUsers checks the dev users parser never panics and never
// accepts a user without a token.
func FuzzParseDevUsers(f *testing.F) {
	f.Add([]byte(`{"alice": {"token": "a b c", "details": {"username": "alice", "output_checker": true}}}`))
	f.Add([]byte(`{"bob": {"token": "", "details": {}}}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := ParseDevUsers(b)
		if err != nil {
			return
		}
		for _, u := range d.DemoUsers() {
			if strings.TrimSpace(u.Token) == "" {
				t.Fatalf("user %q accepted without a token", u.Username)
			}
		}
	})
}
