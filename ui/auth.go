package ui

import (
	"context"

	"github.com/airlock-project/airlock/airlock"
)

// Authenticator checks sign-ins and refreshes roles. The jobs-site client
// (jobsite.Client) implements it, and in demo mode only, the demo's dev
// users (cmd/airlock).
type Authenticator interface {
	// Authenticate checks a username or email and a single-use token and
	// returns the user with their roles. A wrong user or token is
	// EFORBIDDEN or EUNAUTHORIZED; an unreachable jobs site EUNAVAILABLE.
	Authenticate(ctx context.Context, user, token string) (*airlock.User, error)
	// Authorise fetches a user's current roles. A user who is gone or has
	// no access is ENOTFOUND or EFORBIDDEN, which ends their session (D6).
	Authorise(ctx context.Context, username string) (*airlock.User, error)
}

// DemoSwitcher is implemented by the demo's authenticator, and wired only
// in demo mode (D14): then every page, the sign-in page included, shows a
// clearly marked DEMO MODE switcher, and POST /demo/sign-in signs in as
// any of its users by username alone, so no page ever carries a sign-in
// token. With any other authenticator neither exists.
type DemoSwitcher interface {
	Authenticator
	// DemoUsers lists the demo users as they are now, sorted by username.
	DemoUsers(ctx context.Context) ([]*airlock.User, error)
	// DemoSignIn returns a demo user with their roles; EFORBIDDEN if
	// there is no such demo user.
	DemoSignIn(ctx context.Context, username string) (*airlock.User, error)
}
