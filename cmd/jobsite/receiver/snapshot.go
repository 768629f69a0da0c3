package receiver

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/airlock-project/airlock/airlock"
)

// snapshotView is a frozen set of released files of one workspace: a
// draft public output until a publisher publishes it.
type snapshotView struct {
	ID, Workspace, CreatedBy, PublishedBy string
	CreatedAt, PublishedAt                time.Time
	Published                             bool
	Files                                 []ReleasedFile
}

// HasDeleted reports whether a file of the snapshot was deleted since.
func (v snapshotView) HasDeleted() bool {
	return slices.ContainsFunc(v.Files, func(f ReleasedFile) bool { return f.Deleted })
}

// createDraft is a developer creating a draft publication of the latest
// version of every released output of the workspace (deleted files and
// files still arriving left out). A draft or publication of exactly the
// same files is reused, and reported as such. Returns EINVALID when there
// is nothing to publish.
func (s *Server) createDraft(ctx context.Context, ws *WorkspaceConfig, user string) (id string, reused bool, err error) {
	latest, err := s.latestFiles(ctx, ws.Name)
	if err != nil {
		return "", false, err
	}
	var ids []string
	for _, f := range latest {
		if f.Uploaded && !f.Deleted {
			ids = append(ids, f.ID)
		}
	}
	if len(ids) == 0 {
		return "", false, airlock.Errorf(airlock.EINVALID, "Nothing released from %s can be published yet.", ws.Name)
	}
	slices.Sort(ids)
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return "", false, err
	}
	defer tx.Rollback()
	same, err := snapshotWithFiles(ctx, tx, ws.Name, ids)
	if err != nil || same != "" {
		return same, same != "", err
	}
	id = airlock.NewULID(s.now())
	if _, err := tx.ExecContext(ctx, `INSERT INTO snapshots (id, workspace, created_by, created_at) VALUES (?, ?, ?, ?)`,
		id, ws.Name, user, formatTime(s.now())); err != nil {
		return "", false, fmt.Errorf("store draft: %w", err)
	}
	for _, f := range ids {
		if _, err := tx.ExecContext(ctx, `INSERT INTO snapshot_files (snapshot_id, file_id) VALUES (?, ?)`, id, f); err != nil {
			return "", false, fmt.Errorf("store draft file: %w", err)
		}
	}
	if err := s.audit(ctx, tx, AuditEvent{Actor: user, Action: ActionDraftCreated, Project: s.dir.project(ws).slug(),
		Workspace: ws.Name, Target: id, Detail: plural(len(ids), "file", "files")}); err != nil {
		return "", false, err
	}
	return id, false, tx.Commit()
}

// snapshotWithFiles returns the workspace's snapshot made of exactly ids
// (sorted), or "".
func snapshotWithFiles(ctx context.Context, tx *sql.Tx, workspace string, ids []string) (string, error) {
	rows, err := tx.QueryContext(ctx, `SELECT s.id, GROUP_CONCAT(sf.file_id, ',') FROM snapshots s
		JOIN snapshot_files sf ON sf.snapshot_id = s.id WHERE s.workspace = ? GROUP BY s.id ORDER BY s.id DESC`, workspace)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	want := strings.Join(ids, ",")
	for rows.Next() {
		var id, files string
		if err := rows.Scan(&id, &files); err != nil {
			return "", err
		}
		have := strings.Split(files, ",")
		slices.Sort(have)
		if strings.Join(have, ",") == want {
			return id, nil
		}
	}
	return "", rows.Err()
}

// publishSnapshot is a publisher publishing a draft. Publishing it again
// changes nothing and reports already. Returns ESTATE when a file of the
// draft was deleted since it was made (it must be made again).
func (s *Server) publishSnapshot(ctx context.Context, ws *WorkspaceConfig, v *snapshotView, user string) (already bool, err error) {
	if v.Published {
		return true, nil
	}
	if v.HasDeleted() {
		return false, airlock.Errorf(airlock.ESTATE, "A file of this draft was deleted after it was made, so it cannot be published. Ask a developer to create a new draft.")
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return false, err
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `UPDATE snapshots SET published_by = ?, published_at = ? WHERE id = ? AND published_at IS NULL`,
		user, formatTime(s.now()), v.ID)
	if err != nil {
		return false, fmt.Errorf("publish: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return true, nil // published meanwhile
	}
	if err := s.audit(ctx, tx, AuditEvent{Actor: user, Action: ActionPublished, Project: s.dir.project(ws).slug(),
		Workspace: ws.Name, Target: v.ID, Detail: plural(len(v.Files), "file", "files")}); err != nil {
		return false, err
	}
	return false, tx.Commit()
}

const snapshotColumns = `id, workspace, created_by, created_at, COALESCE(published_by, ''), COALESCE(published_at, '')`

func scanSnapshot(row interface{ Scan(...any) error }) (snapshotView, error) {
	var v snapshotView
	var created, published string
	if err := row.Scan(&v.ID, &v.Workspace, &v.CreatedBy, &created, &v.PublishedBy, &published); err != nil {
		return v, err
	}
	v.CreatedAt = parseTime(created)
	if published != "" {
		v.Published, v.PublishedAt = true, parseTime(published)
	}
	return v, nil
}

func (s *Server) snapshotFiles(ctx context.Context, id string) ([]ReleasedFile, error) {
	return s.queryFiles(ctx, `SELECT `+prefixed("f.", fileColumns)+` FROM release_files f
		JOIN snapshot_files sf ON sf.file_id = f.id WHERE sf.snapshot_id = ? ORDER BY f.backend, f.name`, id)
}

// snapshots lists a workspace's snapshots, newest first, with their files.
func (s *Server) snapshots(ctx context.Context, workspace string) ([]snapshotView, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+snapshotColumns+` FROM snapshots WHERE workspace = ? ORDER BY id DESC`, workspace)
	if err != nil {
		return nil, err
	}
	var out []snapshotView
	for rows.Next() {
		v, err := scanSnapshot(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, v)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range out {
		if out[i].Files, err = s.snapshotFiles(ctx, out[i].ID); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// snapshot returns one snapshot of the workspace with its files. Returns
// ENOTFOUND when the workspace has no such snapshot.
func (s *Server) snapshot(ctx context.Context, workspace, id string) (*snapshotView, error) {
	v, err := scanSnapshot(s.db.QueryRowContext(ctx, `SELECT `+snapshotColumns+` FROM snapshots WHERE id = ? AND workspace = ?`, id, workspace))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, airlock.Errorf(airlock.ENOTFOUND, "Workspace %s has no such outputs.", workspace)
	} else if err != nil {
		return nil, err
	}
	if v.Files, err = s.snapshotFiles(ctx, v.ID); err != nil {
		return nil, err
	}
	return &v, nil
}

// isPublished reports whether the file belongs to a published snapshot
// and was not deleted since.
func (s *Server) isPublished(ctx context.Context, f *ReleasedFile) (bool, error) {
	if f.Deleted {
		return false, nil
	}
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM snapshot_files sf JOIN snapshots s ON s.id = sf.snapshot_id
		WHERE sf.file_id = ? AND s.published_at IS NOT NULL`, f.ID).Scan(&n)
	return n > 0, err
}

// inDraft reports whether the file belongs to a draft (an unpublished
// snapshot).
func (s *Server) inDraft(ctx context.Context, f *ReleasedFile) (bool, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM snapshot_files sf JOIN snapshots s ON s.id = sf.snapshot_id
		WHERE sf.file_id = ? AND s.published_at IS NULL`, f.ID).Scan(&n)
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
