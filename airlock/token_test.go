package airlock

import (
	"strings"
	"testing"
	"time"
)

func TestNewAPIToken(t *testing.T) {
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	tests := []struct {
		name     string
		scopes   []TokenScope
		lifetime time.Duration
		wantErr  string // "" for success
	}{
		{"ci", []TokenScope{ScopeRead}, 30 * day, ""},
		{"  nightly export ", []TokenScope{ScopeReview, ScopeRead, ScopeReview}, MaxTokenLifetime, ""},
		{"", []TokenScope{ScopeRead}, day, "Please name the token"},
		{"   ", []TokenScope{ScopeRead}, day, "Please name the token"},
		{strings.Repeat("x", 101), []TokenScope{ScopeRead}, day, "at most 100 characters"},
		{"tab\there", []TokenScope{ScopeRead}, day, "control characters"},
		{"caf\xe9", []TokenScope{ScopeRead}, day, "not valid UTF-8"},
		{"ci", nil, day, "at least one scope"},
		{"ci", []TokenScope{"admin"}, day, `"admin" is not a token scope`},
		{"ci", []TokenScope{ScopeRead}, 0, "must expire"},
		{"ci", []TokenScope{ScopeRead}, MaxTokenLifetime + time.Second, "at most 366 days"},
	}
	for _, tt := range tests {
		k, secret, err := NewAPIToken("alice", tt.name, tt.scopes, tt.lifetime, "alice", now)
		if tt.wantErr != "" {
			if err == nil || ErrorCode(err) != EINVALID || !strings.Contains(ErrorMessage(err), tt.wantErr) {
				t.Errorf("%q %v %v: got %v, want EINVALID with %q", tt.name, tt.scopes, tt.lifetime, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", tt.name, err)
			continue
		}
		if !strings.HasPrefix(secret, TokenPrefix) || len(secret) != len(TokenPrefix)+43 {
			t.Errorf("secret %q: want the prefix and 43 base64url characters", secret)
		}
		if k.Hash != TokenHash(secret) || strings.Contains(k.Hash, secret) {
			t.Errorf("hash %q is not the secret's SHA-256", k.Hash)
		}
		if k.Name != strings.TrimSpace(tt.name) || k.Username != "alice" || !k.ExpiresAt.Equal(now.Add(tt.lifetime)) {
			t.Errorf("token %+v", k)
		}
		if len(k.Scopes) == 0 || k.Scopes[0] != ScopeRead && len(tt.scopes) == 1 {
			t.Errorf("scopes %v", k.Scopes)
		}
	}
	_, s1, _ := NewAPIToken("alice", "a", []TokenScope{ScopeRead}, day, "alice", now)
	_, s2, _ := NewAPIToken("alice", "a", []TokenScope{ScopeRead}, day, "alice", now)
	if s1 == s2 {
		t.Error("two tokens share a secret")
	}
}

func TestParseScopes(t *testing.T) {
	tests := []struct {
		in   []string
		want string
		err  bool
	}{
		{[]string{"read"}, "read", false},
		{[]string{"review,READ"}, "read,review", false},
		{[]string{"author", "review"}, "author,review", false},
		{[]string{"read, author"}, "read,author", false},
		{[]string{""}, "", true},
		{[]string{"read,write"}, "", true},
	}
	for _, tt := range tests {
		got, err := ParseScopes(tt.in...)
		if (err != nil) != tt.err {
			t.Errorf("%q: err %v", tt.in, err)
			continue
		}
		if k := (&APIToken{Scopes: got}); !tt.err && k.ScopeList() != tt.want {
			t.Errorf("%q: got %q, want %q", tt.in, k.ScopeList(), tt.want)
		}
	}
}

func TestTokenScopeAllows(t *testing.T) {
	tests := []struct {
		scopes               []TokenScope
		read, author, review bool
	}{
		{[]TokenScope{ScopeRead}, true, false, false},
		{[]TokenScope{ScopeAuthor}, true, true, false},
		{[]TokenScope{ScopeReview}, true, false, true},
		{[]TokenScope{ScopeRead, ScopeAuthor, ScopeReview}, true, true, true},
	}
	for _, tt := range tests {
		k := &APIToken{Scopes: tt.scopes}
		if k.Allows(ScopeRead) != tt.read || k.Allows(ScopeAuthor) != tt.author || k.Allows(ScopeReview) != tt.review {
			t.Errorf("%v: allows read %v author %v review %v", tt.scopes, k.Allows(ScopeRead), k.Allows(ScopeAuthor), k.Allows(ScopeReview))
		}
		err := k.CheckScope(ScopeAuthor, ScopeReview)
		if (err == nil) != (tt.author || tt.review) {
			t.Errorf("%v: CheckScope(author, review) = %v", tt.scopes, err)
		}
		if err != nil && (ErrorCode(err) != EFORBIDDEN || !strings.Contains(ErrorMessage(err), "author or review")) {
			t.Errorf("%v: refusal %v", tt.scopes, err)
		}
	}
}

func TestTokenCheck(t *testing.T) {
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	revoked := now.Add(-time.Hour)
	tests := []struct {
		name string
		k    APIToken
		want string // "" when usable
	}{
		{"live", APIToken{ExpiresAt: now.Add(time.Second)}, ""},
		{"expired", APIToken{ExpiresAt: now}, "expired on 1 March 2026"},
		{"revoked", APIToken{ExpiresAt: now.Add(time.Hour), RevokedAt: &revoked, RevokeReason: TokenRevokedByUser}, "was revoked."},
		{"access lost", APIToken{ExpiresAt: now.Add(time.Hour), RevokedAt: &revoked, RevokeReason: TokenRevokedAccessLost}, "access to airlock ended"},
	}
	for _, tt := range tests {
		err := tt.k.Check(now)
		if tt.want == "" {
			if err != nil || !tt.k.Live(now) {
				t.Errorf("%s: %v", tt.name, err)
			}
			continue
		}
		if ErrorCode(err) != EUNAUTHORIZED || !strings.Contains(ErrorMessage(err), tt.want) || tt.k.Live(now) {
			t.Errorf("%s: got %v, want EUNAUTHORIZED with %q", tt.name, err, tt.want)
		}
	}
}
