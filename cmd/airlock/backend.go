package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/airlock-project/airlock/airlock"
	"github.com/airlock-project/airlock/airlock/jobsite"
	"github.com/airlock-project/airlock/review"
	"github.com/airlock-project/airlock/workspaces"
)

// backendSettings are the settings the operator commands share with
// serve, from the same flags and AIRLOCK_* variables, so a command acts on
// the server's database, workspaces and request files under its rules.
type backendSettings struct {
	workDir, workspaceDir, requestDir, db string
	jobsiteURL, jobsiteToken, devUsers    string
	reviews, types                        string
}

// backendFlags adds the shared settings to fs.
func backendFlags(fs *flag.FlagSet, getenv func(string) string) *backendSettings {
	env := func(k string) string { return getenv("AIRLOCK_" + k) }
	b := &backendSettings{}
	fs.StringVar(&b.workDir, "work-dir", cmp.Or(env("WORK_DIR"), "airlock-data"), "state directory, as for serve (AIRLOCK_WORK_DIR)")
	fs.StringVar(&b.workspaceDir, "workspace-dir", env("WORKSPACE_DIR"), "directory of workspaces (AIRLOCK_WORKSPACE_DIR; default <work-dir>/workspaces)")
	fs.StringVar(&b.requestDir, "request-dir", env("REQUEST_DIR"), "request file store (AIRLOCK_REQUEST_DIR; default <work-dir>/requests)")
	fs.StringVar(&b.db, "db", env("DATABASE"), "SQLite database file (AIRLOCK_DATABASE; default <work-dir>/airlock.db)")
	fs.StringVar(&b.jobsiteURL, "jobsite-url", env("JOBSITE_URL"), "jobs-site API base URL, to refresh the user's roles (AIRLOCK_JOBSITE_URL)")
	fs.StringVar(&b.jobsiteToken, "jobsite-token", env("JOBSITE_TOKEN"), "this backend's jobs-site token (AIRLOCK_JOBSITE_TOKEN)")
	fs.StringVar(&b.devUsers, "dev-users", env("DEV_USERS_FILE"), "without a jobs site: the demo's users file (AIRLOCK_DEV_USERS_FILE; default <work-dir>/dev-users.json)")
	fs.StringVar(&b.reviews, "required-reviews", cmp.Or(env("REQUIRED_REVIEWS"), "2"), "independent reviews per request, as for serve (AIRLOCK_REQUIRED_REVIEWS)")
	fs.StringVar(&b.types, "file-types", env("FILE_TYPES"), "comma-separated allowed extensions, as for serve (AIRLOCK_FILE_TYPES)")
	return b
}

// backend is the review service over the server's state, and where the
// roles of the people it acts for come from. Close releases it.
type backend struct {
	svc     *review.Service
	roles   roleSource // nil: only roles cached by an earlier sign-in
	tokens  airlock.TokenStore
	closers []func()
}

func (b *backend) Close() {
	for i := len(b.closers) - 1; i >= 0; i-- {
		b.closers[i]()
	}
}

// roleSource fetches a person's current roles: the jobs site, or in the
// demo its users file (ui.Authenticator has this method).
type roleSource interface {
	Authorise(ctx context.Context, username string) (*airlock.User, error)
}

// open opens the database (which must exist), the workspaces and the
// request-file store, and builds the service as serve does.
func (s *backendSettings) open(ctx context.Context, log *slog.Logger) (_ *backend, err error) {
	reviews, err := strconv.Atoi(s.reviews)
	if err != nil || reviews < airlock.MinRequiredReviews {
		return nil, fmt.Errorf("required reviews must be a number of at least 2, got %q", s.reviews)
	}
	b := &backend{}
	defer func() {
		if err != nil {
			b.Close()
		}
	}()
	db, err := openExistingDB(ctx, cmp.Or(s.db, filepath.Join(s.workDir, "airlock.db")))
	if err != nil {
		return nil, err
	}
	b.closers = append(b.closers, func() { db.Close() })
	b.tokens = db
	root, err := workspaces.OpenRoot(cmp.Or(s.workspaceDir, filepath.Join(s.workDir, "workspaces")))
	if err != nil {
		return nil, fmt.Errorf("workspaces: %w", err)
	}
	b.closers = append(b.closers, func() { root.Close() })
	store, err := workspaces.OpenStore(cmp.Or(s.requestDir, filepath.Join(s.workDir, "requests")))
	if err != nil {
		return nil, fmt.Errorf("request files: %w", err)
	}
	b.closers = append(b.closers, func() { store.Close() })
	types := strings.FieldsFunc(s.types, func(r rune) bool { return r == ',' || r == ' ' })
	b.svc = review.New(review.Config{Store: db, Workspaces: root, Files: store, Policy: airlock.NewPolicy(reviews, types), Logger: log})
	switch devUsers := cmp.Or(s.devUsers, filepath.Join(s.workDir, "dev-users.json")); {
	case s.jobsiteURL != "":
		if s.jobsiteToken == "" {
			return nil, errors.New("a jobs-site URL needs a jobs-site token (AIRLOCK_JOBSITE_TOKEN, -jobsite-token)")
		}
		b.roles = &jobsite.Client{BaseURL: s.jobsiteURL, Token: s.jobsiteToken}
	case fileExists(devUsers):
		if b.roles, err = openDevUsers(devUsers); err != nil {
			return nil, err
		}
	}
	return b, nil
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// roleRefresh is how old cached roles may be before a command fetches
// them again, as for a signed-in person.
const roleRefresh = 15 * time.Minute

// currentUser returns a person with their current roles, so automation
// acting for them can do no more than they could in the browser now (D6):
// cached roles younger than roleRefresh, else fetched and cached. Someone
// the jobs site does not know, or who has lost access, is refused.
func currentUser(ctx context.Context, svc *review.Service, roles roleSource, username string) (*airlock.User, error) {
	now := time.Now()
	cached, refreshed, err := svc.User(ctx, username)
	if err != nil && airlock.ErrorCode(err) != airlock.ENOTFOUND {
		return nil, err
	}
	if cached != nil && now.Sub(refreshed) <= roleRefresh {
		return cached, nil
	}
	if roles == nil {
		if cached != nil {
			return cached, nil
		}
		return nil, airlock.Errorf(airlock.ENOTFOUND, "User %q is not known here, and no jobs site is configured to ask (AIRLOCK_JOBSITE_URL).", username)
	}
	fresh, err := roles.Authorise(ctx, username)
	if err != nil {
		if code := airlock.ErrorCode(err); code != airlock.EINTERNAL {
			return nil, airlock.Errorf(code, "Could not retrieve user information for %q: %s", username, airlock.ErrorMessage(err))
		}
		return nil, fmt.Errorf("could not retrieve user information for %q: %w", username, err)
	}
	if err := svc.SaveUser(ctx, fresh, now); err != nil {
		return nil, err
	}
	return fresh, nil
}

// plainError turns a refusal of the domain into its sentence for people;
// other errors pass as they are.
func plainError(err error) error {
	var e *airlock.Error
	if errors.As(err, &e) && e.Code != airlock.EINTERNAL {
		return errors.New(e.Message)
	}
	return err
}

// commandLogger logs to stderr, for what a command reports on the way.
func commandLogger(stderr io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
}
