package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/airlock-project/airlock/airlock"
)

// tokenCommands are the verbs of `airlock token`.
var tokenCommands = []command{
	{"create", "make an API token for a user, such as an automation account", runTokenCreate},
	{"list", "list the API tokens that are not revoked, of one user or everyone", runTokenList},
	{"revoke", "revoke an API token by its id, at once", runTokenRevoke},
}

// runToken is `airlock token create|list|revoke`: the JSON API's tokens,
// for accounts that never open the account page.
func runToken(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	return dispatch(ctx, "airlock token", tokenCommands, args, getenv, stdout, stderr)
}

// tokenJSON is a token as the commands print it with --json.
type tokenJSON struct {
	ID         string     `json:"id"`
	User       string     `json:"user"`
	Name       string     `json:"name"`
	Scopes     []string   `json:"scopes"`
	CreatedAt  time.Time  `json:"created_at"`
	ExpiresAt  time.Time  `json:"expires_at"`
	CreatedBy  string     `json:"created_by"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
	Expired    bool       `json:"expired"`
	Revoked    bool       `json:"revoked"`
	// Token is the secret, only in the answer of create.
	Token string `json:"token,omitempty"`
}

func newTokenJSON(k *airlock.APIToken, now time.Time) tokenJSON {
	out := tokenJSON{ID: k.ID, User: k.Username, Name: k.Name, Scopes: []string{}, CreatedAt: k.CreatedAt, ExpiresAt: k.ExpiresAt,
		CreatedBy: k.CreatedBy, LastUsedAt: k.LastUsedAt, Expired: !now.Before(k.ExpiresAt), Revoked: k.RevokedAt != nil}
	for _, s := range k.Scopes {
		out.Scopes = append(out.Scopes, string(s))
	}
	return out
}

// runTokenCreate is `airlock token create USER --name NAME [--scopes S] [--days N]`.
// The user must be known: cached by a sign-in, or known to the jobs site
// (or, in the demo, its users file) now. The secret is printed once.
func runTokenCreate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlagSet("airlock token create USER --name NAME [--scopes read,author,review] [--days N] [flags]", stderr)
	name := fs.String("name", "", "what the token is for, shown in lists and recorded in the audit log with every use (required)")
	scopes := fs.String("scopes", string(airlock.ScopeRead), "comma-separated scopes: read (every GET), author (a researcher's steps), review (an output checker's steps); author and review include read")
	days := fs.Int("days", int(airlock.DefaultTokenLifetime/(24*time.Hour)), fmt.Sprintf("days until the token expires (at most %d)", int(airlock.MaxTokenLifetime/(24*time.Hour))))
	asJSON := fs.Bool("json", false, "print the token as one JSON object")
	settings := backendFlags(fs, getenv)
	positional, err := parseFlags(fs, args[1:])
	if err != nil {
		return err
	}
	if err := wantArgs(fs, positional, 1); err != nil {
		return err
	}
	if *name == "" {
		fs.Usage()
		return usagef("token create: name the token with --name")
	}
	sc, err := airlock.ParseScopes(*scopes)
	if err != nil {
		return usagef("token create: %s", airlock.ErrorMessage(err))
	}
	b, err := settings.open(ctx, commandLogger(stderr))
	if err != nil {
		return err
	}
	defer b.Close()
	u, err := currentUser(ctx, b.svc, b.roles, positional[0])
	if err != nil {
		return plainError(err)
	}
	now := time.Now()
	k, secret, err := airlock.NewAPIToken(u.Username, *name, sc, time.Duration(*days)*24*time.Hour, airlock.TokenByCommandLine, now)
	if err != nil {
		return plainError(err)
	}
	if err := b.tokens.CreateToken(ctx, k); err != nil {
		return plainError(err)
	}
	if *asJSON {
		out := newTokenJSON(k, now)
		out.Token = secret
		return json.NewEncoder(stdout).Encode(out)
	}
	fmt.Fprintf(stdout, "Made token %q for %s (%s), id %s, expiring %s.\n", k.Name, u.Username, k.ScopeList(), k.ID, k.ExpiresAt.Format("2 January 2006"))
	fmt.Fprintf(stdout, "It is shown only this once; keep it where the automation can read it and nobody else can:\n\n%s\n", secret)
	return nil
}

// runTokenList is `airlock token list [USER]`.
func runTokenList(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlagSet("airlock token list [USER] [flags]", stderr)
	asJSON := fs.Bool("json", false, "print the tokens as one JSON object")
	dbPath := databaseFlag(fs, getenv)
	positional, err := parseFlags(fs, args[1:])
	if err != nil {
		return err
	}
	if len(positional) > 1 {
		return wantArgs(fs, positional, 1)
	}
	db, err := openExistingDB(ctx, dbPath())
	if err != nil {
		return err
	}
	defer db.Close()
	var list []*airlock.APIToken
	if len(positional) == 1 {
		list, err = db.UserTokens(ctx, positional[0])
	} else {
		list, err = db.AllTokens(ctx)
	}
	if err != nil {
		return err
	}
	now := time.Now()
	if *asJSON {
		out := []tokenJSON{}
		for _, k := range list {
			out = append(out, newTokenJSON(k, now))
		}
		return json.NewEncoder(stdout).Encode(map[string]any{"tokens": out})
	}
	if len(list) == 0 {
		fmt.Fprintln(stdout, "No API tokens.")
		return nil
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tUSER\tNAME\tSCOPES\tEXPIRES\tLAST USED\tMADE BY")
	for _, k := range list {
		expires := k.ExpiresAt.Format("2006-01-02")
		if !k.Live(now) {
			expires += " (expired)"
		}
		used := "never"
		if k.LastUsedAt != nil {
			used = k.LastUsedAt.Format("2006-01-02 15:04")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", k.ID, k.Username, k.Name, k.ScopeList(), expires, used, k.CreatedBy)
	}
	return tw.Flush()
}

// runTokenRevoke is `airlock token revoke ID`.
func runTokenRevoke(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlagSet("airlock token revoke ID [flags]", stderr)
	asJSON := fs.Bool("json", false, "print the revoked token as one JSON object")
	dbPath := databaseFlag(fs, getenv)
	positional, err := parseFlags(fs, args[1:])
	if err != nil {
		return err
	}
	if err := wantArgs(fs, positional, 1); err != nil {
		return err
	}
	db, err := openExistingDB(ctx, dbPath())
	if err != nil {
		return err
	}
	defer db.Close()
	k, err := db.RevokeToken(ctx, "", positional[0], "")
	if err != nil {
		return plainError(err)
	}
	if *asJSON {
		return json.NewEncoder(stdout).Encode(newTokenJSON(k, time.Now()))
	}
	fmt.Fprintf(stdout, "Revoked token %q of %s (%s): it no longer works.\n", k.Name, k.Username, k.ID)
	return nil
}
