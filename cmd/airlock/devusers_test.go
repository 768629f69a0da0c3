package main

import (
	"strings"
	"testing"
)

// FuzzParseDevUsers checks the dev users parser never panics, never
// accepts a user without a token, and keys every user by their username.
func FuzzParseDevUsers(f *testing.F) {
	f.Add([]byte(`{"alice": {"token": "a b c", "details": {"username": "alice", "output_checker": true}}}`))
	f.Add([]byte(`{"bob": {"token": "", "details": {}}}`))
	f.Add([]byte(`{"carol": {"token": "x", "details": {"username": "dave"}}}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := parseDevUsers(b)
		if err != nil {
			return
		}
		for name, u := range m {
			if strings.TrimSpace(u.Token) == "" {
				t.Fatalf("user %q accepted without a token", name)
			}
			if u.Details.User().Username != name {
				t.Fatalf("user %q accepted with username %q", name, u.Details.Username)
			}
		}
	})
}
