package review

import (
	"context"
	"fmt"
	"io"
	"strconv"

	"github.com/airlock-project/airlock/airlock"
)

// VersionChoice is a version of a request file that can be compared.
type VersionChoice struct {
	FileID string
	Label  string
}

// ComparedVersion is one version of a request file opened for comparing.
type ComparedVersion struct {
	VersionChoice
	Size    int64
	Content io.ReadSeekCloser
}

// Comparison is two versions of a request file, opened: Old is the one
// asked for (by default the version reviewed in the previous review
// turn), New the file as it is on the request now.
type Comparison struct {
	File     *airlock.RequestFile
	Old, New ComparedVersion
	// Versions are the earlier versions the file may be compared with,
	// newest first, then the files released from the workspace.
	Versions []VersionChoice

	oldRequest string // the request Old belongs to, when it is another's release
}

// Close closes both versions.
func (c *Comparison) Close() error {
	c.Old.Content.Close()
	return c.New.Content.Close()
}

// versionLabel names a version for people.
func versionLabel(r *airlock.Request, f *airlock.RequestFile, v airlock.FileVersion) string {
	if v.FileID == f.FileID && v.Turn == r.ReviewTurn {
		if r.Status.IsUnderReview() {
			return "Current version, under review in round " + strconv.Itoa(airlock.ReviewRound(v.Turn))
		}
		return "Current version, reviewed in round " + strconv.Itoa(airlock.ReviewRound(v.Turn))
	}
	return "Reviewed in round " + strconv.Itoa(airlock.ReviewRound(v.Turn))
}

// CompareRequestFile opens two versions of a request file for comparing:
// from (a version some review turn saw; "" for the one reviewed in the
// previous turn) and the current one. Anyone who may view the request may
// compare its files, the author too; opening a comparison is recorded as
// a view of both versions (D12).
func (s *Service) CompareRequestFile(ctx context.Context, u *airlock.User, id, path, from string) (*Comparison, error) {
	if err := airlock.CheckName("file path", path); err != nil {
		return nil, err
	}
	var (
		c  = &Comparison{}
		ws string
	)
	err := s.update(ctx, u, id, func(tx airlock.Tx, r *airlock.Request) error {
		f, err := requestFile(r, path)
		if err != nil {
			return err
		}
		c.File, ws = f, r.Workspace
		c.New = ComparedVersion{VersionChoice: VersionChoice{FileID: f.FileID, Label: "Current version"}, Size: f.Size}
		seen := map[string]bool{f.FileID: true}
		var old *airlock.FileVersion
		for i := len(f.Versions) - 1; i >= 0; i-- {
			v := f.Versions[i]
			if v.FileID == f.FileID {
				c.New.Label = versionLabel(r, f, v)
			}
			if seen[v.FileID] {
				continue
			}
			seen[v.FileID] = true
			c.Versions = append(c.Versions, VersionChoice{FileID: v.FileID, Label: versionLabel(r, f, v)})
			if from == v.FileID {
				old = &f.Versions[i]
			}
		}
		switch {
		case from == "":
			prev, ok := r.PreviousVersion(f)
			if !ok {
				return airlock.Errorf(airlock.ENOTFOUND, "%s has no earlier reviewed version to compare with.", path)
			}
			old = &prev
		case from == f.FileID:
			return airlock.Errorf(airlock.EINVALID, "That is the current version of %s; choose an earlier one to compare with.", path)
		}
		released, err := tx.ReleasedFiles(r.Workspace)
		if err != nil {
			return err
		}
		for _, rf := range released {
			if rf.Request == r.ID || seen[rf.FileID] {
				continue
			}
			choice := VersionChoice{FileID: rf.FileID, Label: releasedLabel(rf)}
			if rf.Path == path { // released tables of another path are offered from their flags
				seen[rf.FileID] = true
				c.Versions = append(c.Versions, choice)
			}
			if from == rf.FileID && old == nil && c.oldRequest == "" {
				c.Old = ComparedVersion{VersionChoice: choice, Size: rf.Size}
				c.oldRequest = rf.Request
			}
		}
		switch {
		case old != nil:
			c.Old = ComparedVersion{VersionChoice: VersionChoice{FileID: old.FileID, Label: versionLabel(r, f, *old)}, Size: old.Size}
		case c.oldRequest == "":
			return airlock.Errorf(airlock.ENOTFOUND, "%s has no version %q to compare with.", path, from)
		}
		for _, v := range []ComparedVersion{c.Old, c.New} {
			extra := map[string]string{"group": f.Group, "file_id": v.FileID, "comparison": c.Old.FileID + ".." + c.New.FileID}
			if v.FileID == c.Old.FileID && c.oldRequest != "" {
				extra["released_by_request"] = c.oldRequest
			}
			if err := audit(tx, r, u.Username, airlock.EventRequestFileView, path, extra); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	oldRequest := id
	if c.oldRequest != "" {
		oldRequest = c.oldRequest // a file released by another request
	}
	if c.Old.Content, err = s.files.Open(ctx, ws, oldRequest, c.Old.FileID); err != nil {
		return nil, fmt.Errorf("open stored copy of %s: %w", path, err)
	}
	if c.New.Content, err = s.files.Open(ctx, ws, id, c.New.FileID); err != nil {
		c.Old.Content.Close()
		return nil, fmt.Errorf("open stored copy of %s: %w", path, err)
	}
	return c, nil
}

// releasedLabel names a file released from the workspace for people.
func releasedLabel(rf airlock.ReleasedFile) string {
	return "Released " + rf.ReleasedAt.UTC().Format("2006-01-02") + ": " + rf.Path + " (request " + airlock.ShortID(rf.Request) + ")"
}

// maxDifferencingCandidates bounds how many released tables a table is
// compared with, newest first.
const maxDifferencingCandidates = 20

// Differencing compares a request's table with the tables this workspace
// released before, of the same path or the same header, and returns the
// cells whose difference is a small count (a possible differencing
// disclosure), for the author before submitting and for checkers. Only
// output files are compared; nil when the backend makes no comparison.
func (s *Service) Differencing(ctx context.Context, u *airlock.User, id, path string) ([]airlock.DifferencingResult, error) {
	if err := airlock.CheckName("file path", path); err != nil {
		return nil, err
	}
	var (
		f        *airlock.RequestFile
		ws       string
		released []airlock.ReleasedFile
	)
	err := s.store.View(ctx, func(tx airlock.Tx) error {
		r, err := loadVisible(tx, u, id)
		if err != nil {
			return err
		}
		if f, err = requestFile(r, path); err != nil {
			return err
		}
		ws = r.Workspace
		all, err := tx.ReleasedFiles(r.Workspace)
		for _, rf := range all {
			if rf.Request != r.ID && rf.FileID != f.FileID && len(released) < maxDifferencingCandidates {
				released = append(released, rf)
			}
		}
		return err
	})
	if err != nil || s.differ == nil || f.Type != airlock.FileOutput || len(released) == 0 {
		return nil, err
	}
	cands := make([]airlock.ReleasedCandidate, len(released))
	for i, rf := range released {
		cands[i] = airlock.ReleasedCandidate{ReleasedFile: rf, Open: func() (io.ReadSeekCloser, error) {
			return s.files.Open(ctx, ws, rf.Request, rf.FileID)
		}}
	}
	in := airlock.CheckInput{Name: f.Path, Hash: f.FileID, Size: f.Size, Open: func() (io.ReadSeekCloser, error) {
		return s.files.Open(ctx, ws, id, f.FileID)
	}}
	results, err := s.differ.Differencing(ctx, in, cands)
	if err != nil {
		return nil, fmt.Errorf("compare %s with released tables: %w", path, err)
	}
	var flagged []airlock.DifferencingResult
	for _, res := range results {
		if res.Total > 0 {
			flagged = append(flagged, res)
		}
	}
	return flagged, nil
}
