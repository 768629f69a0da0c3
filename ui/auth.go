package ui

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/airlock-project/airlock/airlock"
	"github.com/airlock-project/airlock/airlock/jobsite"
)

// Authenticator checks sign-ins and refreshes roles. The jobs-site client
// (jobsite.Client) and DevUsers implement it.
type Authenticator interface {
	// Authenticate checks a username or email and a single-use token and
	// returns the user with their roles. A wrong user or token is
	// EFORBIDDEN or EUNAUTHORIZED; an unreachable jobs site EUNAVAILABLE.
	Authenticate(ctx context.Context, user, token string) (*airlock.User, error)
	// Authorise fetches a user's current roles. A user who is gone or has
	// no access is ENOTFOUND or EFORBIDDEN, which ends their session (D6).
	Authorise(ctx context.Context, username string) (*airlock.User, error)
}

// DemoUser is one sign-in offered by the demo-mode user switcher.
type DemoUser struct {
	Username    string
	DisplayName string
	Token       string
	Roles       string // a short description such as "output checker"
}

// DemoSwitcher is implemented by authenticators that offer demo sign-ins;
// the header then shows a clearly marked DEMO MODE user switcher.
type DemoSwitcher interface {
	DemoUsers() []DemoUser
}

// DevUsers authenticates against a dev users file (reference-behaviour
// §1.1): {username: {"token": "...", "details": <user object>}}. It is for
// demonstrations and development only.
type DevUsers struct {
	path  string
	users map[string]devUser
}

type devUser struct {
	Token   string             `json:"token"`
	Details jobsite.UserRecord `json:"details"`
	user    *airlock.User
}

// LoadDevUsers reads and validates a dev users file.
func LoadDevUsers(path string) (*DevUsers, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read dev users file: %w", err)
	}
	d, err := ParseDevUsers(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	d.path = path
	return d, nil
}

// ParseDevUsers decodes a dev users file. Every user needs a token, and the
// details' username must match the key.
func ParseDevUsers(b []byte) (*DevUsers, error) {
	var m map[string]devUser
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("decode dev users: %w", err)
	}
	for name, u := range m {
		if strings.TrimSpace(u.Token) == "" {
			return nil, fmt.Errorf("dev user %q has no token", name)
		}
		if u.Details.Username == "" {
			u.Details.Username = name
		}
		if u.Details.Username != name {
			return nil, fmt.Errorf("dev user %q has username %q in its details", name, u.Details.Username)
		}
		u.user = u.Details.User()
		m[name] = u
	}
	return &DevUsers{users: m}, nil
}

// Path is the file the users were read from ("" when parsed from bytes).
func (d *DevUsers) Path() string { return d.path }

// normaliseToken removes all spaces, as the jobs site does, so "a b c" and
// "abc" are the same token.
func normaliseToken(t string) string { return strings.Join(strings.Fields(t), "") }

// Authenticate implements Authenticator.
func (d *DevUsers) Authenticate(_ context.Context, user, token string) (*airlock.User, error) {
	u, ok := d.users[strings.TrimSpace(user)]
	if !ok || subtle.ConstantTimeCompare([]byte(normaliseToken(u.Token)), []byte(normaliseToken(token))) != 1 {
		return nil, airlock.Errorf(airlock.EFORBIDDEN, "Invalid user or token.")
	}
	return u.user.Clone(), nil
}

// Authorise implements Authenticator: it returns the file's details.
func (d *DevUsers) Authorise(_ context.Context, username string) (*airlock.User, error) {
	u, ok := d.users[username]
	if !ok {
		return nil, airlock.Errorf(airlock.ENOTFOUND, "Unknown user %q.", username)
	}
	return u.user.Clone(), nil
}

// DemoUsers implements DemoSwitcher, sorted by username.
func (d *DevUsers) DemoUsers() []DemoUser {
	out := make([]DemoUser, 0, len(d.users))
	for name, u := range d.users {
		out = append(out, DemoUser{Username: name, DisplayName: u.user.DisplayName(), Token: u.Token, Roles: describeRoles(u.user)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Username < out[j].Username })
	return out
}

// describeRoles summarises a user's roles in a few words.
func describeRoles(u *airlock.User) string {
	var parts []string
	if len(u.Workspaces) > 0 {
		parts = append(parts, "researcher")
	}
	if u.OutputChecker {
		parts = append(parts, "output checker")
	}
	if len(u.CopilotedWorkspaces) > 0 {
		parts = append(parts, "copilot")
	}
	if u.ReadonlyAccess {
		parts = append(parts, "read-only")
	}
	if len(parts) == 0 {
		return "no access"
	}
	return strings.Join(parts, ", ")
}
