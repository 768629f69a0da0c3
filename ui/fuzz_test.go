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
