package review

import (
	"context"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/airlock-project/airlock/airlock"
)

// The disclosure checks of files (D17): computed by the backend's
// FileChecker for the exact bytes shown (a request file's stored copy, a
// workspace file's current bytes), joined with what the author said about
// them, and part of the submit rule.

// RequestFileChecks returns the checks of a request file as u may see
// them, with the author's roles and exceptions; nil when the file gets no
// checks (a supporting file, a type the checks do not read, a backend
// without checks).
func (s *Service) RequestFileChecks(ctx context.Context, u *airlock.User, id, path string) (*airlock.CheckedFile, error) {
	if err := airlock.CheckName("file path", path); err != nil {
		return nil, err
	}
	var (
		r     *airlock.Request
		f     *airlock.RequestFile
		notes []*airlock.CheckNote
	)
	err := s.store.View(ctx, func(tx airlock.Tx) error {
		var err error
		if r, err = loadVisible(tx, u, id); err != nil {
			return err
		}
		if f, err = requestFile(r, path); err != nil {
			return err
		}
		notes, err = tx.CheckNotes(id, path)
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.checkRequestFile(ctx, r, f, notes, false)
}

// requestChecks checks every output file of a request; with cachedOnly
// only those already checked are returned.
func (s *Service) requestChecks(ctx context.Context, r *airlock.Request, notes []*airlock.CheckNote, cachedOnly bool) (map[string]*airlock.CheckedFile, error) {
	byPath := map[string][]*airlock.CheckNote{}
	for _, n := range notes {
		byPath[n.Path] = append(byPath[n.Path], n)
	}
	out := map[string]*airlock.CheckedFile{}
	for _, f := range r.OutputFiles() {
		c, err := s.checkRequestFile(ctx, r, f, byPath[f.Path], cachedOnly)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			// A file the checks cannot read shows its error on its own
			// page; it holds no flags to block on.
			s.log.Warn("disclosure checks failed", "request", r.ID, "path", f.Path, "err", err)
			continue
		}
		if c != nil {
			out[f.Path] = c
		}
	}
	return out, nil
}

// checkRequestFile checks a request file's stored copy. Roles the author
// declared on the header the file still has are given to the checks.
func (s *Service) checkRequestFile(ctx context.Context, r *airlock.Request, f *airlock.RequestFile, notes []*airlock.CheckNote, cachedOnly bool) (*airlock.CheckedFile, error) {
	if s.checks == nil || f.Type != airlock.FileOutput || !s.checks.Checks(f.Path) {
		return nil, nil
	}
	in := airlock.CheckInput{Name: f.Path, Hash: f.FileID, Size: f.Size, CachedOnly: cachedOnly, Open: func() (io.ReadSeekCloser, error) {
		return s.files.Open(ctx, r.Workspace, r.ID, f.FileID)
	}}
	fc, err := s.checks.CheckFile(ctx, in)
	if err != nil || fc == nil {
		return nil, err
	}
	base := fc
	if roles := declaredRoles(fc, notes); len(roles) > 0 {
		in.Roles = roles
		if fc, err = s.checks.CheckFile(ctx, in); err != nil || fc == nil {
			return nil, err
		}
	}
	withData := true
	if g := r.Group(f.Group); g != nil {
		withData = g.HasDataFor(f.Path)
	}
	checked := airlock.ApplyCheckNotes(f.Path, fc, notes, withData)
	if base != fc {
		checked.AddOverridden(base)
	}
	return checked, nil
}

// declaredRoles are the role notes that apply to the tables of a result
// (made on the header they still have), the latest for each column.
func declaredRoles(fc *airlock.FileCheck, notes []*airlock.CheckNote) map[string]map[string]string {
	var out map[string]map[string]string
	for _, t := range fc.Tables {
		for _, n := range notes {
			if n.Kind != airlock.CheckNoteRole || n.Sheet != t.Sheet || n.Header != t.Header {
				continue
			}
			if out == nil {
				out = map[string]map[string]string{}
			}
			if out[t.Sheet] == nil {
				out[t.Sheet] = map[string]string{}
			}
			out[t.Sheet][n.Column] = n.Role
		}
	}
	return out
}

// WorkspaceFileChecks returns the checks of a workspace file's current
// bytes, for the author before they add it; nil when it gets none.
func (s *Service) WorkspaceFileChecks(ctx context.Context, u *airlock.User, workspace, path string) (*airlock.CheckedFile, error) {
	if err := airlock.CheckName("workspace name", workspace); err != nil {
		return nil, err
	}
	if err := airlock.CheckName("file path", path); err != nil {
		return nil, err
	}
	if err := airlock.CheckCanView(u, workspace); err != nil {
		return nil, err
	}
	if s.checks == nil || !s.checks.Checks(path) {
		return nil, nil
	}
	meta, f, err := s.openWorkspaceFile(ctx, workspace, path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	in := airlock.CheckInput{Name: path, Hash: contentKey(meta, fi.Size(), fi.ModTime().UnixNano()), Size: fi.Size(),
		Open: func() (io.ReadSeekCloser, error) { return s.ws.Open(ctx, workspace, path) }}
	fc, err := s.checks.CheckFile(ctx, in)
	if err != nil {
		return nil, err
	}
	// A figure's data is judged once both are in a group.
	return airlock.ApplyCheckNotes(path, fc, nil, true), nil
}

// CheckRoles lists the roles an author may declare for a column.
func (s *Service) CheckRoles() []airlock.CheckRoleChoice {
	if s.checks == nil {
		return nil
	}
	return s.checks.Roles()
}

// NoteCheck records what the author says about a flagged file: a column's
// role (the checks run again with it) or an exception to one flag, with
// a reason, audited. The flag or column must exist in the file's present
// result, and the note is tied to the header it was made on.
func (s *Service) NoteCheck(ctx context.Context, u *airlock.User, id string, n airlock.CheckNote) error {
	if err := airlock.CheckName("file path", n.Path); err != nil {
		return err
	}
	var f *airlock.RequestFile
	err := s.store.View(ctx, func(tx airlock.Tx) error {
		r, err := loadVisible(tx, u, id)
		if err != nil {
			return err
		}
		if err = r.CheckCanEdit(u); err != nil {
			return err
		}
		f, err = requestFile(r, n.Path)
		return err
	})
	if err != nil {
		return err
	}
	if err := airlock.ValidateCheckNote(&n, s.CheckRoles()); err != nil {
		return err
	}
	checked, err := s.RequestFileChecks(ctx, u, id, n.Path)
	if err != nil {
		return err
	}
	if checked == nil {
		return airlock.Errorf(airlock.EINVALID, "%s gets no disclosure checks, so there is nothing to note.", n.Path)
	}
	if err := airlock.MatchCheckNote(checked, &n); err != nil {
		return err
	}
	return s.update(ctx, u, id, func(tx airlock.Tx, r *airlock.Request) error {
		if err := r.CheckCanEdit(u); err != nil {
			return err
		}
		now, err := requestFile(r, n.Path)
		if err != nil {
			return err
		}
		if now.FileID != f.FileID {
			return airlock.Errorf(airlock.ECONFLICT, "%s changed while you were looking at it; look at its checks again.", n.Path)
		}
		n.Author, n.CreatedAt = u.Username, tx.Now()
		if err := tx.AddCheckNote(r.ID, &n); err != nil {
			return err
		}
		extra := map[string]string{"group": now.Group, "reason": n.Reason}
		ev := airlock.EventRequestFileCheckException
		if n.Sheet != "" {
			extra["sheet"] = n.Sheet
		}
		if n.Column != "" {
			extra["column"] = n.Column
		}
		if n.Kind == airlock.CheckNoteRole {
			ev = airlock.EventRequestFileCheckRole
			extra["role"] = n.Role
		} else {
			extra["rule"] = n.Rule
			if n.Row > 0 {
				extra["row"] = strconv.Itoa(n.Row)
			}
		}
		return audit(tx, r, u.Username, ev, n.Path, extra)
	})
}

// openFlags counts each output file's open fail flags for the submit rule.
func openFlags(checked map[string]*airlock.CheckedFile) []airlock.FlagCount {
	var out []airlock.FlagCount
	for path, c := range checked {
		out = append(out, airlock.FlagCount{Path: path, OpenFails: c.OpenFails})
	}
	slices.SortFunc(out, func(a, b airlock.FlagCount) int { return strings.Compare(a.Path, b.Path) })
	return out
}

// OpenFailFiles are the output files with open fail flags, by path.
func (v *RequestView) OpenFailFiles() []*airlock.CheckedFile {
	var out []*airlock.CheckedFile
	for _, p := range slices.Sorted(maps.Keys(v.Checks)) {
		if v.Checks[p].OpenFails > 0 {
			out = append(out, v.Checks[p])
		}
	}
	return out
}

// ReviewFlagFiles counts the output files whose only open flags are
// review flags.
func (v *RequestView) ReviewFlagFiles() int {
	n := 0
	for _, c := range v.Checks {
		if c.OpenFails == 0 && c.OpenReviews > 0 {
			n++
		}
	}
	return n
}
