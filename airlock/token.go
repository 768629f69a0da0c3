package airlock

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// APIToken is a personal token for the JSON API. It acts as its user with
// the user's current roles (D6), narrowed by its scopes, until it expires
// or is revoked. Only the SHA-256 of its secret is stored, so nothing in
// the database can be replayed as a token; the secret is shown once.
type APIToken struct {
	// ID is the token's public id, shown in lists and used to revoke it.
	ID string
	// Hash is the SHA-256 (hex) of the secret the client sends.
	Hash      string
	Username  string
	Name      string
	Scopes    []TokenScope
	CreatedAt time.Time
	ExpiresAt time.Time
	// CreatedBy is who made it: the user on the settings page, or the
	// operator's command line ("command line").
	CreatedBy  string
	LastUsedAt *time.Time
	RevokedAt  *time.Time
	// RevokeReason says why it was revoked (TokenRevoked…).
	RevokeReason string
}

// TokenScope is what a token may be used for, on top of the user's roles.
type TokenScope string

// The scopes. Author and review include read: nobody can write a request
// or review one without reading it.
const (
	ScopeRead   TokenScope = "read"   // every GET of the API
	ScopeAuthor TokenScope = "author" // a researcher's steps: add, update, withdraw and move files, edit groups, submit, withdraw, comment
	ScopeReview TokenScope = "review" // an output checker's steps: vote, comment, submit review, return, reject, release
)

// TokenScopes lists the scopes in the order they are shown.
func TokenScopes() []TokenScope { return []TokenScope{ScopeRead, ScopeAuthor, ScopeReview} }

// Description says what a scope allows, for the settings page and help.
func (s TokenScope) Description() string {
	switch s {
	case ScopeRead:
		return "list and read workspaces, requests and their activity"
	case ScopeAuthor:
		return "build and submit your release requests (includes read)"
	case ScopeReview:
		return "vote, comment and decide as an output checker (includes read)"
	}
	return string(s)
}

// Why the token ended, recorded with it and in the audit event.
const (
	TokenRevokedByUser     = "revoked"        // its user or an operator revoked it
	TokenRevokedAccessLost = "access_revoked" // the jobs site says its user is gone or has no access (D6)
)

// TokenByCommandLine is the maker or revoker recorded for a token made or
// revoked by an operator with `airlock token`, not by its user.
const TokenByCommandLine = "command line"

// Token lifetimes: a token always expires, at most a year after it was
// made, so a forgotten one does not stay valid for ever.
const (
	DefaultTokenLifetime = 90 * 24 * time.Hour
	MaxTokenLifetime     = 366 * 24 * time.Hour
)

// TokenPrefix starts every token secret, so secret scanners and people
// recognise one that was pasted where it should not be.
const TokenPrefix = "airlock_"

// NewTokenSecret returns a new secret: the prefix and 256 random bits.
func NewTokenSecret() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return TokenPrefix + base64.RawURLEncoding.EncodeToString(b)
}

// TokenHash is the stored hash of a token's secret.
func TokenHash(secret string) string { return SessionID(secret) }

// NewAPIToken checks a new token's name, scopes and lifetime and returns it
// with its secret, which the caller shows once and never stores.
func NewAPIToken(username, name string, scopes []TokenScope, lifetime time.Duration, createdBy string, now time.Time) (*APIToken, string, error) {
	name = strings.TrimSpace(name)
	if err := CheckName("token name", name); err != nil {
		return nil, "", err
	}
	switch {
	case name == "":
		return nil, "", Errorf(EINVALID, "Please name the token, for example after the script or machine that will use it.")
	case utf8.RuneCountInString(name) > 100:
		return nil, "", Errorf(EINVALID, "Token names can be at most 100 characters.")
	case strings.ContainsFunc(name, func(r rune) bool { return r < ' ' || r == 0x7f }):
		return nil, "", Errorf(EINVALID, "Token names cannot contain control characters.")
	}
	scopes, err := checkScopes(scopes)
	if err != nil {
		return nil, "", err
	}
	switch {
	case lifetime <= 0:
		return nil, "", Errorf(EINVALID, "A token must expire: give it a lifetime of at least a day.")
	case lifetime > MaxTokenLifetime:
		return nil, "", Errorf(EINVALID, "A token can last at most %d days.", int(MaxTokenLifetime/(24*time.Hour)))
	}
	secret := NewTokenSecret()
	now = now.UTC().Truncate(time.Second)
	return &APIToken{ID: NewULID(now), Hash: TokenHash(secret), Username: username, Name: name, Scopes: scopes,
		CreatedAt: now, ExpiresAt: now.Add(lifetime), CreatedBy: createdBy}, secret, nil
}

// ParseScopes reads scopes as typed ("read,author" or separate words).
func ParseScopes(words ...string) ([]TokenScope, error) {
	var out []TokenScope
	for _, w := range words {
		for part := range strings.FieldsFuncSeq(w, func(r rune) bool { return r == ',' || r == ' ' }) {
			out = append(out, TokenScope(strings.ToLower(part)))
		}
	}
	return checkScopes(out)
}

// checkScopes refuses unknown scopes and none at all, and returns the
// scopes in their usual order without repeats.
func checkScopes(scopes []TokenScope) ([]TokenScope, error) {
	if len(scopes) == 0 {
		return nil, Errorf(EINVALID, "Please choose at least one scope: read, author or review.")
	}
	var out []TokenScope
	for _, s := range TokenScopes() {
		if slices.Contains(scopes, s) {
			out = append(out, s)
		}
	}
	for _, s := range scopes {
		if !slices.Contains(out, s) {
			return nil, Errorf(EINVALID, "%q is not a token scope; the scopes are read, author and review.", string(s))
		}
	}
	return out, nil
}

// Allows reports whether the token's scopes cover s. Author and review
// include read.
func (t *APIToken) Allows(s TokenScope) bool {
	if slices.Contains(t.Scopes, s) {
		return true
	}
	return s == ScopeRead && (slices.Contains(t.Scopes, ScopeAuthor) || slices.Contains(t.Scopes, ScopeReview))
}

// CheckScope is nil if the token may be used for any of scopes, else the
// refusal (403: the token, not the person, lacks the permission).
func (t *APIToken) CheckScope(scopes ...TokenScope) error {
	for _, s := range scopes {
		if t.Allows(s) {
			return nil
		}
	}
	names := make([]string, len(scopes))
	for i, s := range scopes {
		names[i] = string(s)
	}
	return Errorf(EFORBIDDEN, "This token's scopes (%s) do not allow this; it needs the %s scope. Make a token with that scope.",
		t.ScopeList(), strings.Join(names, " or "))
}

// ScopeList is the scopes as one comma-separated word.
func (t *APIToken) ScopeList() string {
	names := make([]string, len(t.Scopes))
	for i, s := range t.Scopes {
		names[i] = string(s)
	}
	return strings.Join(names, ",")
}

// Check is nil if the token may be used at now, else an EUNAUTHORIZED
// error saying why not.
func (t *APIToken) Check(now time.Time) error {
	switch {
	case t.RevokedAt != nil && t.RevokeReason == TokenRevokedAccessLost:
		return Errorf(EUNAUTHORIZED, "This token was revoked because its user's access to airlock ended.")
	case t.RevokedAt != nil:
		return Errorf(EUNAUTHORIZED, "This token was revoked.")
	case !now.Before(t.ExpiresAt):
		return Errorf(EUNAUTHORIZED, "This token expired on %s. Make a new one on your account page.", t.ExpiresAt.UTC().Format("2 January 2006"))
	}
	return nil
}

// Live reports whether the token can still be used at now.
func (t *APIToken) Live(now time.Time) bool { return t.Check(now) == nil }

// NeedsTouch reports whether a use at now should record it again.
func (t *APIToken) NeedsTouch(now time.Time) bool {
	return t.LastUsedAt == nil || now.Sub(*t.LastUsedAt) >= SessionTouchInterval
}

// APITokenExtra is the audit detail naming the API token an event was
// caused with, so each event of a call says which token made it.
const APITokenExtra = "api_token"

type apiTokenKey struct{}

// WithAPIToken returns a context for a call made with the named token:
// the store adds its name to every audit event appended under it.
func WithAPIToken(ctx context.Context, name string) context.Context {
	return context.WithValue(ctx, apiTokenKey{}, name)
}

// APITokenOf is the name of the token a context's call was made with, or "".
func APITokenOf(ctx context.Context) string {
	name, _ := ctx.Value(apiTokenKey{}).(string)
	return name
}

// TokenUse is one request made with a token, for the audit log.
type TokenUse struct {
	Method  string
	Route   string // the route's pattern, e.g. /api/v1/requests/:id
	Path    string // the path requested
	Status  int
	Address string
}

// TokenStore keeps API tokens. Every method is one transaction; those
// that create, revoke or use tokens write their audit event in it (D12).
type TokenStore interface {
	// CreateToken stores a new token and audits it; ECONFLICT when the
	// user already has a live token of that name.
	CreateToken(ctx context.Context, t *APIToken) error
	// FindToken returns the token whose secret has the hash, live or
	// not; ENOTFOUND if there is none.
	FindToken(ctx context.Context, hash string) (*APIToken, error)
	// UserTokens returns a person's tokens that are not revoked, newest
	// first, expired ones included (so people see what expired).
	UserTokens(ctx context.Context, username string) ([]*APIToken, error)
	// AllTokens returns every token that is not revoked, newest first.
	AllTokens(ctx context.Context) ([]*APIToken, error)
	// RevokeToken revokes a token by its public id, audited as done by
	// `by` ("" for an operator's command line). With username set, only
	// that user's token is found, so nobody can revoke anyone else's;
	// ENOTFOUND otherwise.
	RevokeToken(ctx context.Context, username, id, by string) (*APIToken, error)
	// RevokeUserTokens revokes every live token of a person for reason
	// and returns how many there were.
	RevokeUserTokens(ctx context.Context, username, reason string) (int, error)
	// RecordTokenUse audits one request made with the token and records
	// its last use (at most once per SessionTouchInterval).
	RecordTokenUse(ctx context.Context, t *APIToken, use TokenUse, now time.Time) error
}
