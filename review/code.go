package review

import (
	"context"
	"strings"

	"github.com/airlock-project/airlock/airlock"
)

// CodeSource is the source code behind an output: the repository and
// commit recorded for it, and the workspace or request it was opened from.
type CodeSource struct {
	Workspace string
	Request   string // "" when opened from the workspace
	Repo      string // the repository URL
	Commit    string // the commit id as recorded
}

// RequestCodeSource returns the repository recorded on the files of
// request id that were produced by commit (a full id or a prefix of one),
// after checking u may view the request. Only commits that produced one of
// the request's files can be opened from it.
func (s *Service) RequestCodeSource(ctx context.Context, u *airlock.User, id, commit string) (CodeSource, error) {
	var src CodeSource
	err := s.store.View(ctx, func(tx airlock.Tx) error {
		r, err := loadVisible(tx, u, id)
		if err != nil {
			return err
		}
		commit = strings.ToLower(commit)
		for _, f := range r.AllFiles() {
			if f.Commit != "" && len(commit) >= 4 && strings.HasPrefix(strings.ToLower(f.Commit), commit) {
				src = CodeSource{Workspace: r.Workspace, Request: r.ID, Repo: f.Repo, Commit: f.Commit}
				return nil
			}
		}
		return airlock.Errorf(airlock.ENOTFOUND, "No file of this request was produced by commit %s.", commit)
	})
	return src, err
}

// RecordCodeView audits that u read a file of the source code at src. The
// reader must be able to view src's request, or else its workspace.
func (s *Service) RecordCodeView(ctx context.Context, u *airlock.User, src CodeSource, path string) error {
	extra := map[string]string{"repo": src.Repo, "commit": src.Commit}
	if src.Request != "" {
		return s.update(ctx, u, src.Request, func(tx airlock.Tx, r *airlock.Request) error {
			return audit(tx, r, u.Username, airlock.EventCodeView, path, extra)
		})
	}
	if err := airlock.CheckCanView(u, src.Workspace); err != nil {
		return err
	}
	return s.store.Update(ctx, func(tx airlock.Tx) error {
		return tx.Audit(&airlock.AuditEvent{Type: airlock.EventCodeView, User: u.Username, Workspace: src.Workspace, Path: path, Extra: extra})
	})
}
