package airlock

import (
	"context"
	"io"
	"time"
)

// WorkspaceFile is what the workspace manifest says about one visible file.
type WorkspaceFile struct {
	Path        string
	Size        int64
	Timestamp   time.Time
	ContentHash string // SHA-256, lowercase hex
	Commit      string
	Repo        string
	JobID       string
	RowCount    *int
	ColCount    *int
	// InManifest is false for files that are viewable but are not manifest
	// outputs (files under metadata/, placeholders of excluded outputs);
	// such files cannot be added to a request.
	InManifest      bool
	OutOfDateAction bool
}

// Workspaces reads workspace directories. Implementations confine every read
// to the workspace directory.
type Workspaces interface {
	// File returns a visible file's metadata.
	// Returns ENOTFOUND if the workspace or the file does not exist or is not visible.
	File(ctx context.Context, workspace, path string) (WorkspaceFile, error)
	// Open opens a visible file's current bytes.
	Open(ctx context.Context, workspace, path string) (io.ReadCloser, error)
}

// FileStore is the immutable, content-addressed store of request files (D4).
type FileStore interface {
	// Put copies src into the store, hashing while copying, and returns the
	// SHA-256 and size. Returns EINVALID, storing nothing, if the hash is not wantHash.
	Put(ctx context.Context, workspace, requestID string, src io.Reader, wantHash string) (hash string, size int64, err error)
	// Open opens a stored copy for reading.
	Open(ctx context.Context, workspace, requestID, hash string) (io.ReadSeekCloser, error)
	// Verify rehashes a stored copy and returns an error unless it still matches hash.
	Verify(ctx context.Context, workspace, requestID, hash string) error
}
