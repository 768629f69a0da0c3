// Package review is the release-request workflow: every author and reviewer
// action as one method that checks the rules of package airlock, changes state
// in one transaction and writes its audit event in that same transaction.
package review

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/airlock-project/airlock/airlock"
)

// Config holds the service's dependencies.
type Config struct {
	Store      airlock.Store
	Workspaces airlock.Workspaces
	Files      airlock.FileStore
	Policy     airlock.Policy
	Logger     *slog.Logger
	// AfterRelease, if set, is called after a release commits, e.g. to wake
	// the deliverer so registration and uploads start at once.
	AfterRelease func()
	// Code reads the source code behind outputs; nil means the backend has
	// no repository cache, and reading source code says so.
	Code airlock.CodeRepos
	// Checks runs the disclosure checks (D17); nil means the backend runs
	// none, and files show no result.
	Checks airlock.FileChecker
	// Differencing compares tables with the tables released from their
	// workspace before; nil means no comparison is made.
	Differencing airlock.Differencer
}

// Service implements the workflow.
type Service struct {
	store  airlock.Store
	ws     airlock.Workspaces
	files  airlock.FileStore
	code   airlock.CodeRepos
	checks airlock.FileChecker
	differ airlock.Differencer
	policy airlock.Policy
	log    *slog.Logger

	afterRelease func()
}

// New returns a service.
func New(c Config) *Service {
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Policy.RequiredReviews < airlock.MinRequiredReviews {
		advisory := c.Policy.FlagsAdvisory
		c.Policy = airlock.NewPolicy(c.Policy.RequiredReviews, c.Policy.FileTypes.Extensions())
		c.Policy.FlagsAdvisory = advisory
	}
	return &Service{store: c.Store, ws: c.Workspaces, files: c.Files, code: c.Code, checks: c.Checks, differ: c.Differencing, policy: c.Policy, log: c.Logger,
		afterRelease: c.AfterRelease}
}

// Policy returns the review policy in force.
func (s *Service) Policy() airlock.Policy { return s.policy }

// required is the number of independent reviews.
func (s *Service) required() int { return s.policy.RequiredReviews }

// loadVisible loads a request the user may view. A request the user may not
// view is reported as not found, so ids reveal nothing.
func loadVisible(tx airlock.Tx, u *airlock.User, id string) (*airlock.Request, error) {
	if u == nil {
		return nil, airlock.Errorf(airlock.EUNAUTHORIZED, "Please sign in.")
	}
	r, err := tx.Request(id)
	if err != nil {
		return nil, err
	}
	if !u.CanView(r.Workspace) {
		return nil, airlock.Errorf(airlock.ENOTFOUND, "Release request %q was not found.", id)
	}
	return r, nil
}

// update runs fn on a request the user may view, in one write transaction.
func (s *Service) update(ctx context.Context, u *airlock.User, id string, fn func(tx airlock.Tx, r *airlock.Request) error) error {
	return s.store.Update(ctx, func(tx airlock.Tx) error {
		r, err := loadVisible(tx, u, id)
		if err != nil {
			return err
		}
		return fn(tx, r)
	})
}

// audit appends an event about a request, tagged with its review turn.
func audit(tx airlock.Tx, r *airlock.Request, user string, typ airlock.EventType, path string, extra map[string]string) error {
	if extra == nil {
		extra = map[string]string{}
	}
	extra["review_turn"] = strconv.Itoa(r.ReviewTurn)
	return tx.Audit(&airlock.AuditEvent{Type: typ, User: user, Workspace: r.Workspace, Request: r.ID, Path: path, Extra: extra})
}

// setStatus moves the request to a new status, writes the audit event and
// queues the notification, all in the caller's transaction.
func setStatus(tx airlock.Tx, r *airlock.Request, user string, to airlock.RequestStatus, ev airlock.EventType, notify string, updates ...airlock.NotificationUpdate) error {
	r.Status = to
	r.UpdatedAt = tx.Now()
	if to == airlock.StatusSubmitted {
		now := tx.Now()
		r.LastSubmittedAt = &now
	}
	if err := tx.SaveRequestState(r); err != nil {
		return err
	}
	if err := audit(tx, r, user, ev, "", nil); err != nil {
		return err
	}
	payload, err := airlock.NewNotification(notify, r, user, updates...)
	if err != nil {
		return err
	}
	return tx.Enqueue(notify, payload)
}

// newTurn starts the next review turn: the reviewers who submitted become
// the previous turn's reviewers.
func newTurn(tx airlock.Tx, r *airlock.Request) error {
	r.TurnReviewers = r.SubmittedReviewers()
	r.SubmittedReviews = map[string]time.Time{}
	r.ReviewTurn++
	return tx.SaveRequestState(r)
}

// fileGroup finds a group, or returns ENOTFOUND.
func fileGroup(r *airlock.Request, name string) (*airlock.FileGroup, error) {
	if g := r.Group(name); g != nil {
		return g, nil
	}
	return nil, airlock.Errorf(airlock.ENOTFOUND, "File group %q is not part of this request.", name)
}

// requestFile finds a file, or returns ENOTFOUND.
func requestFile(r *airlock.Request, path string) (*airlock.RequestFile, error) {
	if f := r.File(path); f != nil {
		return f, nil
	}
	return nil, airlock.Errorf(airlock.ENOTFOUND, "%s is not part of this request.", path)
}

// resolveGroup returns the group to put files in, creating it when new.
// A group the person asked to create must not exist in any case
// (Request.CheckNewGroup). Otherwise an existing group is matched exactly,
// and a name not yet used is validated, lower-cased and created.
func resolveGroup(tx airlock.Tx, r *airlock.Request, to GroupChoice) (*airlock.FileGroup, error) {
	name := to.Name
	if strings.TrimSpace(name) == "" && !to.New {
		name = airlock.DefaultGroup
	}
	var clean string
	if to.New {
		var err error
		if clean, err = r.CheckNewGroup(name); err != nil {
			return nil, err
		}
	} else {
		if g := r.Group(name); g != nil {
			return g, nil
		}
		var err error
		if clean, err = airlock.ValidateGroupName(name); err != nil {
			return nil, err
		}
		if g := r.GroupFold(clean); g != nil {
			if g.Name == clean {
				return g, nil
			}
			return nil, airlock.Errorf(airlock.ECONFLICT, "A file group named %q already exists.", g.Name)
		}
	}
	g := &airlock.FileGroup{Name: clean, UpdatedAt: tx.Now()}
	if err := tx.SaveGroup(r.ID, g); err != nil {
		return nil, err
	}
	r.Groups = append(r.Groups, g)
	return g, nil
}

// resetVotes deletes every vote on a file, auditing each as done by actor:
// a file that changed or moved needs fresh reviews.
func resetVotes(tx airlock.Tx, r *airlock.Request, f *airlock.RequestFile, actor string) error {
	for _, reviewer := range sortedKeys(f.Votes) {
		if err := tx.DeleteVote(r.ID, f.Path, reviewer); err != nil {
			return err
		}
		if err := audit(tx, r, actor, airlock.EventRequestFileResetReview, f.Path, map[string]string{
			"group": f.Group, "filetype": string(f.Type), "reviewer": reviewer}); err != nil {
			return err
		}
	}
	f.Votes = map[string]*airlock.FileVote{}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	for i := 1; i < len(keys); i++ {
		for j := i; j > 0 && keys[j] < keys[j-1]; j-- {
			keys[j], keys[j-1] = keys[j-1], keys[j]
		}
	}
	return keys
}

// SaveUser caches a user's roles.
func (s *Service) SaveUser(ctx context.Context, u *airlock.User, refreshedAt time.Time) error {
	if u == nil || u.Username == "" {
		return airlock.Errorf(airlock.EINVALID, "A user needs a username.")
	}
	if err := u.CheckText(); err != nil {
		return err
	}
	return s.store.Update(ctx, func(tx airlock.Tx) error { return tx.SaveUser(u, refreshedAt) })
}

// User returns a cached user and when their roles were last refreshed.
func (s *Service) User(ctx context.Context, username string) (u *airlock.User, refreshed time.Time, err error) {
	err = s.store.View(ctx, func(tx airlock.Tx) error {
		u, refreshed, err = tx.User(username)
		return err
	})
	return u, refreshed, err
}

// OpenRequestFile opens a request file's stored copy for viewing or, for an
// output checker who is not the author, downloading. Every open is audited.
func (s *Service) OpenRequestFile(ctx context.Context, u *airlock.User, id, path string, download bool) (io.ReadSeekCloser, *airlock.RequestFile, error) {
	f, ws, err := s.recordFileOpen(ctx, u, id, path, download)
	if err != nil {
		return nil, nil, err
	}
	rc, err := s.files.Open(ctx, ws, id, f.FileID)
	if err != nil {
		return nil, nil, fmt.Errorf("open stored copy of %s: %w", path, err)
	}
	return rc, f, nil
}

// RecordRequestFileView audits that u opened the page of a request file.
// The page is never cached, while the bytes in its preview frame may be
// (they never change), so the page is where every view is seen (D12).
func (s *Service) RecordRequestFileView(ctx context.Context, u *airlock.User, id, path string) error {
	_, _, err := s.recordFileOpen(ctx, u, id, path, false)
	return err
}

// recordFileOpen checks u may view (or download) a request file and
// audits it, returning the file and the request's workspace.
func (s *Service) recordFileOpen(ctx context.Context, u *airlock.User, id, path string, download bool) (*airlock.RequestFile, string, error) {
	if err := airlock.CheckName("file path", path); err != nil {
		return nil, "", err
	}
	var (
		f  *airlock.RequestFile
		ws string
	)
	err := s.update(ctx, u, id, func(tx airlock.Tx, r *airlock.Request) error {
		var err error
		if f, err = requestFile(r, path); err != nil {
			return err
		}
		ws = r.Workspace
		ev := airlock.EventRequestFileView
		if download {
			if !r.CanReview(u) {
				if r.IsAuthor(u) {
					return airlock.Errorf(airlock.EFORBIDDEN, "You cannot download files from your own request.")
				}
				return airlock.Errorf(airlock.EFORBIDDEN, "Only output checkers can download request files.")
			}
			ev = airlock.EventRequestFileDownload
		}
		return audit(tx, r, u.Username, ev, path, map[string]string{"group": f.Group})
	})
	return f, ws, err
}

// errNoStateVersion says the store cannot tell when it changed.
var errNoStateVersion = errors.New("the store has no state version")

// StateVersion is the store's state version (airlock.StateVersioner): it
// differs after every committed write, so what was read from the store
// under one version may be shown again while the version is unchanged.
// Stores that cannot tell return an error.
func (s *Service) StateVersion(ctx context.Context) (uint64, error) {
	v, ok := s.store.(airlock.StateVersioner)
	if !ok {
		return 0, errNoStateVersion
	}
	return v.StateVersion(ctx)
}
