package receiver

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"time"

	"github.com/airlock-project/airlock/airlock"
)

// releaseRow is one release as stored.
type releaseRow struct {
	ID, Workspace, Backend, CreatedBy string
	CreatedAt                         time.Time
}

// findRelease returns a release by id, or nil.
func (s *Server) findRelease(ctx context.Context, id string) (*releaseRow, error) {
	var rel releaseRow
	var at string
	err := s.db.QueryRowContext(ctx, `SELECT id, workspace, backend, created_by, created_at FROM releases WHERE id = ?`, id).
		Scan(&rel.ID, &rel.Workspace, &rel.Backend, &rel.CreatedBy, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	rel.CreatedAt = parseTime(at)
	return &rel, nil
}

// releaseSummary is a release with the counts a list shows.
type releaseSummary struct {
	releaseRow
	Files, Uploaded, Deleted int
}

// releases lists a workspace's releases, newest first.
func (s *Server) releases(ctx context.Context, workspace string) ([]releaseSummary, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT r.id, r.workspace, r.backend, r.created_by, r.created_at,
			COUNT(f.id), COUNT(f.uploaded_at), COUNT(f.deleted_at)
		FROM releases r LEFT JOIN release_files f ON f.release_id = r.id
		WHERE r.workspace = ? GROUP BY r.id ORDER BY r.created_at DESC, r.id DESC`, workspace)
	if err != nil {
		return nil, fmt.Errorf("list releases: %w", err)
	}
	defer rows.Close()
	var out []releaseSummary
	for rows.Next() {
		var r releaseSummary
		var at string
		if err := rows.Scan(&r.ID, &r.Workspace, &r.Backend, &r.CreatedBy, &at, &r.Files, &r.Uploaded, &r.Deleted); err != nil {
			return nil, err
		}
		r.CreatedAt = parseTime(at)
		out = append(out, r)
	}
	return out, rows.Err()
}

// latestFiles are a workspace's "latest outputs": for each backend and
// file name, the file of the most recent release that has it.
func (s *Server) latestFiles(ctx context.Context, workspace string) ([]ReleasedFile, error) {
	return s.queryFiles(ctx, `SELECT `+fileColumns+` FROM (
			SELECT f.*, ROW_NUMBER() OVER (PARTITION BY f.backend, f.name ORDER BY r.created_at DESC, r.id DESC) AS newest
			FROM release_files f JOIN releases r ON r.id = f.release_id WHERE f.workspace = ?)
		WHERE newest = 1 ORDER BY backend, name`, workspace)
}

// deleteFile is an output checker deleting a released file: the row
// records who, when and why, the audit log says so in the same
// transaction, and the bytes are removed from storage before it commits.
// Returns ESTATE for a file not uploaded yet (airlock is still sending
// it) or already deleted, and EINVALID without a reason.
func (s *Server) deleteFile(ctx context.Context, f *ReleasedFile, user, reason string) error {
	reason = strings.TrimSpace(reason)
	switch {
	case f.Deleted:
		return airlock.Errorf(airlock.ESTATE, "%s was already deleted by %s.", f.Name, s.dir.displayName(f.DeletedBy))
	case !f.Uploaded:
		return airlock.Errorf(airlock.ESTATE, "%s has not arrived from the backend yet, so there is nothing to delete. Try again once it has been uploaded.", f.Name)
	case reason == "":
		return airlock.Errorf(airlock.EINVALID, "Say why %s is deleted: the reason is kept with the release.", f.Name)
	case len(reason) > 1000:
		return airlock.Errorf(airlock.EINVALID, "The reason is longer than 1000 characters.")
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `UPDATE release_files SET deleted_at = ?, deleted_by = ?, deleted_reason = ?
		WHERE id = ? AND deleted_at IS NULL AND uploaded_at IS NOT NULL`, formatTime(s.now()), user, reason, f.ID)
	if err != nil {
		return fmt.Errorf("delete file: %w", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return airlock.Errorf(airlock.ESTATE, "%s was deleted or changed meanwhile. Reload the page.", f.Name)
	}
	ws := s.dir.workspaces[f.Workspace]
	project := ""
	if ws != nil {
		project = s.dir.project(ws).slug()
	}
	if err := s.audit(ctx, tx, AuditEvent{Actor: user, Action: ActionFileDeleted, Project: project, Workspace: f.Workspace,
		Target: f.ID, Detail: f.Name + ": " + reason}); err != nil {
		return err
	}
	if err := s.root.Remove(f.Path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove deleted file: %w", err)
	}
	return tx.Commit()
}
