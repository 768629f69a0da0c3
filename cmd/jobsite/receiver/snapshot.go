package receiver

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"

	"github.com/airlock-project/airlock/airlock"
)

// createSnapshot makes a draft set of outputs from uploaded files of the
// workspace. Returns EINVALID when no file is chosen or a file is not an
// uploaded file of this workspace; nothing is stored then.
func (s *Server) createSnapshot(ctx context.Context, workspace, user string, fileIDs []string) error {
	slices.Sort(fileIDs)
	fileIDs = slices.Compact(fileIDs)
	if len(fileIDs) == 0 {
		return airlock.Errorf(airlock.EINVALID, "Choose at least one released file to prepare for publishing.")
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, id := range fileIDs {
		var ok bool
		err := tx.QueryRowContext(ctx, `SELECT uploaded_at IS NOT NULL FROM release_files WHERE id = ? AND workspace = ?`, id, workspace).Scan(&ok)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && !ok) {
			return airlock.Errorf(airlock.EINVALID, "File %s is not an uploaded file of workspace %s.", id, workspace)
		} else if err != nil {
			return err
		}
	}
	id := airlock.NewULID(s.now())
	if _, err := tx.ExecContext(ctx, `INSERT INTO snapshots (id, workspace, created_by, created_at) VALUES (?, ?, ?, ?)`,
		id, workspace, user, formatTime(s.now())); err != nil {
		return err
	}
	for _, f := range fileIDs {
		if _, err := tx.ExecContext(ctx, `INSERT INTO snapshot_files (snapshot_id, file_id) VALUES (?, ?)`, id, f); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// publishSnapshot publishes a draft; publishing a published one changes
// nothing. Returns ENOTFOUND for an unknown snapshot of the workspace.
func (s *Server) publishSnapshot(ctx context.Context, workspace, id, user string) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM snapshots WHERE id = ? AND workspace = ?`, id, workspace).Scan(&n); err != nil {
		return err
	} else if n == 0 {
		return airlock.Errorf(airlock.ENOTFOUND, "There are no such outputs in workspace %s.", workspace)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE snapshots SET published_by = ?, published_at = ? WHERE id = ? AND published_at IS NULL`,
		user, formatTime(s.now()), id); err != nil {
		return err
	}
	return tx.Commit()
}

// snapshots lists a workspace's snapshots, newest first, with their files.
func (s *Server) snapshots(ctx context.Context, workspace string) ([]snapshotView, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, created_by, created_at, COALESCE(published_by, ''), COALESCE(published_at, '')
		FROM snapshots WHERE workspace = ? ORDER BY id DESC`, workspace)
	if err != nil {
		return nil, err
	}
	var out []snapshotView
	for rows.Next() {
		var v snapshotView
		var created, published string
		if err := rows.Scan(&v.ID, &v.CreatedBy, &created, &v.PublishedBy, &published); err != nil {
			rows.Close()
			return nil, err
		}
		v.CreatedAt = parseTime(created)
		if published != "" {
			v.Published, v.PublishedAt = true, parseTime(published)
		}
		out = append(out, v)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range out {
		out[i].Files, err = s.queryFiles(ctx, `SELECT `+prefixed("f.", fileColumns)+` FROM release_files f
			JOIN snapshot_files sf ON sf.file_id = f.id WHERE sf.snapshot_id = ? ORDER BY f.name`, out[i].ID)
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// isPublished reports whether the file belongs to a published snapshot.
func (s *Server) isPublished(ctx context.Context, fileID string) (bool, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM snapshot_files sf JOIN snapshots s ON s.id = sf.snapshot_id
		WHERE sf.file_id = ? AND s.published_at IS NOT NULL`, fileID).Scan(&n)
	return n > 0, err
}

// publishedWorkspaces returns the workspaces with any published snapshot.
func (s *Server) publishedWorkspaces(ctx context.Context) (map[string]bool, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT DISTINCT workspace FROM snapshots WHERE published_at IS NOT NULL`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var ws string
		if err := rows.Scan(&ws); err != nil {
			return nil, err
		}
		out[ws] = true
	}
	return out, rows.Err()
}

// prefixed qualifies each column of a comma-separated list.
func prefixed(prefix, columns string) string {
	cols := strings.Split(columns, ",")
	for i, c := range cols {
		cols[i] = prefix + strings.TrimSpace(c)
	}
	return strings.Join(cols, ", ")
}
