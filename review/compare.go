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
	// newest first.
	Versions []VersionChoice
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
		case old == nil:
			return airlock.Errorf(airlock.ENOTFOUND, "%s has no version %q to compare with.", path, from)
		}
		c.Old = ComparedVersion{VersionChoice: VersionChoice{FileID: old.FileID, Label: versionLabel(r, f, *old)}, Size: old.Size}
		for _, v := range []ComparedVersion{c.Old, c.New} {
			if err := audit(tx, r, u.Username, airlock.EventRequestFileView, path, map[string]string{
				"group": f.Group, "file_id": v.FileID, "comparison": c.Old.FileID + ".." + c.New.FileID}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if c.Old.Content, err = s.files.Open(ctx, ws, id, c.Old.FileID); err != nil {
		return nil, fmt.Errorf("open stored copy of %s: %w", path, err)
	}
	if c.New.Content, err = s.files.Open(ctx, ws, id, c.New.FileID); err != nil {
		c.Old.Content.Close()
		return nil, fmt.Errorf("open stored copy of %s: %w", path, err)
	}
	return c, nil
}
