package main

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"

	"github.com/airlock-project/airlock/airlock"
	"github.com/airlock-project/airlock/airlock/jobsite"
)

// devUsers signs people in from a dev users file (reference-behaviour
// §1.1): {username: {"token": "...", "details": <user object>}}. It exists
// only in demo mode (D14). The file is read again at every sign-in and role
// refresh, so an edit takes effect without a restart: a changed role at
// the next refresh, a removed user's session ends (D6).
type devUsers struct {
	path string
}

// devUserEntry is one entry of a dev users file: the details are the jobs
// site's own description of the person.
type devUserEntry struct {
	Token   string             `json:"token"`
	Details jobsite.UserRecord `json:"details"`
}

// openDevUsers checks the file once, so a broken one stops the program at
// start with its reason rather than at the first sign-in.
func openDevUsers(path string) (*devUsers, error) {
	d := &devUsers{path: path}
	if _, err := d.load(); err != nil {
		return nil, err
	}
	return d, nil
}

// load reads and checks the file.
func (d *devUsers) load() (map[string]devUserEntry, error) {
	b, err := os.ReadFile(d.path)
	if err != nil {
		return nil, fmt.Errorf("read dev users file: %w", err)
	}
	m, err := parseDevUsers(b)
	if err != nil {
		return nil, fmt.Errorf("dev users file %s: %w", d.path, err)
	}
	return m, nil
}

// loadCoded is load for the authenticator's callers: a file that cannot be
// read is unavailable, like a jobs site that does not answer, so a role
// refresh keeps the cached roles for the grace period while it is edited.
func (d *devUsers) loadCoded() (map[string]devUserEntry, error) {
	m, err := d.load()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", airlock.Errorf(airlock.EUNAVAILABLE, "The demo users file cannot be read; see the server log."), err)
	}
	return m, nil
}

// parseDevUsers decodes a dev users file. Every user needs a token, and the
// details' username must match the key.
func parseDevUsers(b []byte) (map[string]devUserEntry, error) {
	var m map[string]devUserEntry
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("decode dev users: %w", err)
	}
	for name, u := range m {
		if strings.TrimSpace(u.Token) == "" {
			return nil, fmt.Errorf("dev user %q has no token", name)
		}
		if u.Details.Username == "" {
			u.Details.Username = name
			m[name] = u
		}
		if u.Details.Username != name {
			return nil, fmt.Errorf("dev user %q has username %q in its details", name, u.Details.Username)
		}
	}
	return m, nil
}

// normaliseToken removes all spaces, as the jobs site does, so "a b c" and
// "abc" are the same token.
func normaliseToken(t string) string { return strings.Join(strings.Fields(t), "") }

// Authenticate implements ui.Authenticator.
func (d *devUsers) Authenticate(_ context.Context, user, token string) (*airlock.User, error) {
	m, err := d.loadCoded()
	if err != nil {
		return nil, err
	}
	u, ok := m[strings.TrimSpace(user)]
	if !ok || subtle.ConstantTimeCompare([]byte(normaliseToken(u.Token)), []byte(normaliseToken(token))) != 1 {
		return nil, airlock.Errorf(airlock.EFORBIDDEN, "Invalid user or token.")
	}
	return u.Details.User(), nil
}

// Authorise implements ui.Authenticator: it returns the file's details.
func (d *devUsers) Authorise(_ context.Context, username string) (*airlock.User, error) {
	m, err := d.loadCoded()
	if err != nil {
		return nil, err
	}
	u, ok := m[username]
	if !ok {
		return nil, airlock.Errorf(airlock.ENOTFOUND, "Unknown user %q.", username)
	}
	return u.Details.User(), nil
}

// DemoUsers lists the file's people for the DEMO MODE switcher, sorted by
// username. The switcher signs in by username, so no token leaves the file.
func (d *devUsers) DemoUsers(context.Context) ([]*airlock.User, error) {
	m, err := d.loadCoded()
	if err != nil {
		return nil, err
	}
	out := make([]*airlock.User, 0, len(m))
	for _, name := range slices.Sorted(maps.Keys(m)) {
		out = append(out, m[name].Details.User())
	}
	return out, nil
}

// DemoSignIn returns a person of the file for the switcher's one-click
// sign-in.
func (d *devUsers) DemoSignIn(ctx context.Context, username string) (*airlock.User, error) {
	u, err := d.Authorise(ctx, username)
	if airlock.ErrorCode(err) == airlock.ENOTFOUND {
		return nil, airlock.Errorf(airlock.EFORBIDDEN, "There is no demo user %q; the demo users file may have changed. Please pick a user again.", username)
	}
	return u, err
}
