package airlock

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"time"
)

// WorkspaceFile describes one visible workspace file. It is the one type
// for this concept: package workspaces builds it from the manifest and the
// disk, and the service, storage and web layer use it as is.
//
// For manifest outputs every field comes from the manifest entry. For files
// that are viewable but are not manifest outputs (InManifest false: files
// under metadata/ and the .txt placeholders of excluded outputs) Size and
// Timestamp come from the disk when the file is looked up, and ContentHash
// is "" until it is computed from the bytes.
type WorkspaceFile struct {
	Path        string // workspace-relative, as listed in the tree
	Size        int64
	Timestamp   time.Time // UTC
	ContentHash string    // SHA-256, lowercase hex; "" if not known
	Commit      string
	Repo        string
	JobID       string
	User        string // who ran the job; older manifests lack it
	Action      string
	RowCount    *int
	ColCount    *int
	// OutOfDateAction marks an output of an action no longer in project.yaml.
	OutOfDateAction bool
	// Excluded marks the placeholder of an output the job runner did not copy.
	Excluded bool
	// InManifest is true for manifest outputs; only they may be added to a
	// request.
	InManifest bool
}

// WorkspaceEntry is one child of a folder in a workspace's tree.
type WorkspaceEntry struct {
	Name  string        // the last path element
	Path  string        // workspace-relative
	IsDir bool          // a folder implied by the paths of visible files
	File  WorkspaceFile // the file's metadata; zero for folders
}

// ChildrenOptions tunes a folder listing.
type ChildrenOptions struct {
	// HideOutOfDateAction leaves out outputs of out-of-date actions, and
	// folders that hold nothing else.
	HideOutOfDateAction bool
}

// WorkspaceTree is a consistent view of one workspace's tree of visible
// files, as of when it was read. It lists and describes files and never
// opens them: reading a file's bytes is an audited view, which goes
// through the review service.
type WorkspaceTree interface {
	// Repo is the code repository URL of the workspace's jobs, or "".
	Repo() string
	// Version identifies this view: another view of the same workspace
	// with the same Version lists the same files with the same metadata,
	// except the size and time of files that are not manifest outputs,
	// which are read from disk when listed. It changes when the manifest
	// or the files under metadata/ change; it is not kept across restarts.
	Version() uint64
	// OutOfDateActionCount counts the visible outputs of actions no longer
	// in the project's pipeline.
	OutOfDateActionCount() int
	// IsDir reports whether p is a folder of the tree ("" is the root).
	IsDir(p string) bool
	// IsValidPath reports whether p is a visible file or a folder holding one.
	IsValidPath(p string) bool
	// NearestValid returns p if it is valid, else its nearest valid parent
	// folder ("" for the root).
	NearestValid(p string) string
	// Children lists folder dir, sorted for display; the cost is the
	// number of children. EINVALID for a malformed path, ENOTFOUND if dir is
	// not a folder.
	Children(ctx context.Context, dir string, opts ChildrenOptions) ([]WorkspaceEntry, error)
	// File returns a visible file's metadata; ContentHash may be "" for
	// files that are not manifest outputs. ENOTFOUND if p is not a visible
	// file.
	File(ctx context.Context, p string) (WorkspaceFile, error)
}

// OpenedFile is an open workspace file: its bytes, and its state on disk.
// *os.File is one.
type OpenedFile interface {
	io.ReadSeekCloser
	Stat() (fs.FileInfo, error)
}

// Workspaces reads workspace directories. Implementations confine every read
// to the workspace directory.
type Workspaces interface {
	// Names lists the workspaces on this backend, sorted.
	Names(ctx context.Context) ([]string, error)
	// Tree returns the current view of a workspace's tree. Returns
	// ENOTFOUND if there is no such workspace and a ManifestUnreadable
	// error if its manifest is missing or broken.
	Tree(ctx context.Context, workspace string) (WorkspaceTree, error)
	// File returns a visible file's metadata, with the hash of its bytes
	// also for files that are not manifest outputs.
	// Returns ENOTFOUND if the workspace or the file does not exist or is not visible.
	File(ctx context.Context, workspace, path string) (WorkspaceFile, error)
	// Open opens a visible file's current bytes.
	Open(ctx context.Context, workspace, path string) (OpenedFile, error)
}

// FileStore is the immutable, content-addressed store of request files (D4).
type FileStore interface {
	// Put copies src into the store, hashing while copying, and returns the
	// SHA-256 and size. Returns EINVALID, storing nothing, if the hash is not wantHash.
	Put(ctx context.Context, workspace, requestID string, src io.Reader, wantHash string) (hash string, size int64, err error)
	// Open opens a stored copy for reading. Readers check its bytes
	// against hash themselves, as they read them.
	Open(ctx context.Context, workspace, requestID, hash string) (io.ReadSeekCloser, error)
}

// ErrManifestUnreadable is in the chain of the error of every workspace
// whose manifest is missing or damaged, so callers can tell it apart.
var ErrManifestUnreadable = errors.New("workspace manifest unreadable")

// ManifestUnreadable is the error for a workspace whose list of files, its
// manifest, cannot be read. People get a plain message saying whom to ask
// (a 409: the workspace's state prevents it, not their request); reason,
// which may quote a JSON parser, is kept in the chain for the log only.
func ManifestUnreadable(workspace string, reason error) error {
	return &manifestUnreadable{reason: reason, plain: Errorf(ECONFLICT,
		"Workspace %s: the list of files could not be read, because the workspace's manifest (metadata/manifest.json) is missing or damaged. "+
			"None of its files can be shown or added to a request until it is repaired. "+
			"Please ask your backend support team; the details are in airlock's log.", workspace)}
}

type manifestUnreadable struct {
	plain  *Error
	reason error
}

func (e *manifestUnreadable) Error() string   { return e.reason.Error() }
func (e *manifestUnreadable) Unwrap() []error { return []error{e.plain, ErrManifestUnreadable} }
