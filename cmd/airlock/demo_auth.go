package main

import (
	"context"

	"github.com/airlock-project/airlock/airlock"
	"github.com/airlock-project/airlock/ui"
)

// demoSignIn is the demo's authenticator: a printed dev token or a
// single-use token made on the demo's jobs site both sign in, so the story
// the README tells (a token from the jobs site, then airlock) works in the
// demo as in production. Roles are refreshed from the jobs site, so a
// project a member postpones there is inactive in airlock too; the dev
// users answer for people the jobs site does not know. It is also the DEMO
// MODE switcher's, which signs in the dev users file's people by username.
type demoSignIn struct {
	dev     *devUsers
	jobsite ui.Authenticator
}

var _ ui.DemoSwitcher = demoSignIn{}

// Authenticate implements ui.Authenticator: the dev token first, then the
// jobs site's.
func (d demoSignIn) Authenticate(ctx context.Context, user, token string) (*airlock.User, error) {
	if u, err := d.dev.Authenticate(ctx, user, token); err == nil {
		return u, nil
	}
	return d.jobsite.Authenticate(ctx, user, token)
}

// Authorise implements ui.Authenticator.
func (d demoSignIn) Authorise(ctx context.Context, username string) (*airlock.User, error) {
	u, err := d.jobsite.Authorise(ctx, username)
	if code := airlock.ErrorCode(err); code == airlock.ENOTFOUND || code == airlock.EUNAVAILABLE {
		if du, derr := d.dev.Authorise(ctx, username); derr == nil {
			return du, nil
		}
	}
	return u, err
}

// DemoUsers implements ui.DemoSwitcher: the people of the dev users file.
func (d demoSignIn) DemoUsers(ctx context.Context) ([]*airlock.User, error) {
	return d.dev.DemoUsers(ctx)
}

// DemoSignIn implements ui.DemoSwitcher: a person of the dev users file,
// as the file describes them now.
func (d demoSignIn) DemoSignIn(ctx context.Context, username string) (*airlock.User, error) {
	return d.dev.DemoSignIn(ctx, username)
}

// Path is the dev users file, shown in the switcher.
func (d demoSignIn) Path() string { return d.dev.path }
