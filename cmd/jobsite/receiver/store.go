package receiver

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/airlock-project/airlock/airlock"
)

// ReleasedFile is one file of a release as the receiver knows it.
type ReleasedFile struct {
	ID         string
	ReleaseID  string
	Workspace  string
	Backend    string
	Name       string // workspace-relative path, as airlock sent it
	SHA256     string // lowercase hex, as registered at release creation
	Size       int64
	Mtime      time.Time
	CreatedBy  string
	CreatedAt  time.Time
	Uploaded   bool
	UploadedAt time.Time // zero until the bytes arrived
	Path       string    // storage-relative path once uploaded
	Metadata   string    // the JSON object airlock sent with the file
	// Deleted is set when an output checker deleted the file: its bytes
	// are gone, and DeletedBy, DeletedAt and DeletedReason say who, when
	// and why.
	Deleted       bool
	DeletedBy     string
	DeletedAt     time.Time
	DeletedReason string
}

const fileColumns = `id, release_id, workspace, backend, name, sha256, size, mtime, created_by, created_at, path, uploaded_at, metadata, deleted_at, deleted_by, deleted_reason`

func scanFile(row interface{ Scan(...any) error }) (*ReleasedFile, error) {
	var f ReleasedFile
	var mtime, created string
	var uploaded, deleted sql.NullString
	if err := row.Scan(&f.ID, &f.ReleaseID, &f.Workspace, &f.Backend, &f.Name, &f.SHA256, &f.Size,
		&mtime, &f.CreatedBy, &created, &f.Path, &uploaded, &f.Metadata, &deleted, &f.DeletedBy, &f.DeletedReason); err != nil {
		return nil, err
	}
	f.Mtime, f.CreatedAt = parseTime(mtime), parseTime(created)
	if uploaded.Valid {
		f.Uploaded, f.UploadedAt = true, parseTime(uploaded.String)
	}
	if deleted.Valid {
		f.Deleted, f.DeletedAt = true, parseTime(deleted.String)
	}
	return &f, nil
}

func (s *Server) queryFiles(ctx context.Context, query string, args ...any) ([]ReleasedFile, error) {
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ReleasedFile
	for rows.Next() {
		f, err := scanFile(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *f)
	}
	return out, rows.Err()
}

// findReleaseFile returns the named file of a release, or nil.
func (s *Server) findReleaseFile(ctx context.Context, releaseID, name string) (*ReleasedFile, error) {
	f, err := scanFile(s.db.QueryRowContext(ctx, `SELECT `+fileColumns+` FROM release_files WHERE release_id = ? AND name = ?`, releaseID, name))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return f, err
}

// FindFile returns a released file by id. Returns ENOTFOUND if there is none.
func (s *Server) FindFile(ctx context.Context, id string) (*ReleasedFile, error) {
	f, err := scanFile(s.db.QueryRowContext(ctx, `SELECT `+fileColumns+` FROM release_files WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, airlock.Errorf(airlock.ENOTFOUND, "There is no released file %q.", id)
	}
	return f, err
}

// ReleasedFiles returns the files of a release in name order, uploaded or
// not, so tests can assert what arrived. Returns ENOTFOUND for an unknown
// release.
func (s *Server) ReleasedFiles(ctx context.Context, releaseID string) ([]ReleasedFile, error) {
	rel, err := s.findRelease(ctx, releaseID)
	if err != nil {
		return nil, err
	} else if rel == nil {
		return nil, airlock.Errorf(airlock.ENOTFOUND, "There is no release %q.", releaseID)
	}
	return s.queryFiles(ctx, `SELECT `+fileColumns+` FROM release_files WHERE release_id = ? ORDER BY name`, releaseID)
}

// WorkspaceFiles returns every file released from a workspace, newest
// release first, then by name.
func (s *Server) WorkspaceFiles(ctx context.Context, workspace string) ([]ReleasedFile, error) {
	return s.queryFiles(ctx, `SELECT `+fileColumns+` FROM release_files WHERE workspace = ? ORDER BY release_id DESC, name`, workspace)
}

// OpenReleasedFile opens the stored bytes of an uploaded file.
// Returns ENOTFOUND if the file is unknown or its bytes have not arrived.
func (s *Server) OpenReleasedFile(ctx context.Context, releaseID, name string) (io.ReadCloser, error) {
	f, err := s.findReleaseFile(ctx, releaseID, name)
	if err != nil {
		return nil, err
	}
	if f == nil || !f.Uploaded || f.Deleted {
		return nil, airlock.Errorf(airlock.ENOTFOUND, "File %q of release %q has not been uploaded or was deleted.", name, releaseID)
	}
	return s.openStored(f)
}

func (s *Server) openStored(f *ReleasedFile) (io.ReadCloser, error) {
	rc, err := s.root.Open(f.Path)
	if err != nil {
		return nil, fmt.Errorf("open stored file: %w", err)
	}
	return rc, nil
}

// Event is one notification airlock sent to /airlock/events/.
type Event struct {
	ID        int64
	Backend   string
	OSUser    string
	EventType string
	Workspace string
	Request   string
	Payload   string // the JSON body as received
	CreatedAt time.Time
}

func (s *Server) storeEvent(ctx context.Context, ev Event) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO events (backend, os_user, event_type, workspace, request, payload, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, ev.Backend, ev.OSUser, ev.EventType, ev.Workspace, ev.Request, ev.Payload, formatTime(s.now()))
	if err != nil {
		return fmt.Errorf("store event: %w", err)
	}
	return nil
}

// Events returns every notification received, oldest first.
func (s *Server) Events(ctx context.Context) ([]Event, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, backend, os_user, event_type, workspace, request, payload, created_at FROM events ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var ev Event
		var created string
		if err := rows.Scan(&ev.ID, &ev.Backend, &ev.OSUser, &ev.EventType, &ev.Workspace, &ev.Request, &ev.Payload, &created); err != nil {
			return nil, err
		}
		ev.CreatedAt = parseTime(created)
		out = append(out, ev)
	}
	return out, rows.Err()
}

// ReleaseCount returns how many releases exist, for tests that assert a
// refusal stored nothing.
func (s *Server) ReleaseCount(ctx context.Context) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM releases`).Scan(&n)
	return n, err
}
