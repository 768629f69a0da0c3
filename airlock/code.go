package airlock

import "context"

// CodeCommit describes one commit of a repository in the backend's cache of
// the projects' source code.
type CodeCommit struct {
	Repo    string // the repository's name in the cache
	URL     string // the repository URL it was opened for
	ID      string // the full commit id
	Message string // the first line of the commit message
	Author  string
	When    string // when it was authored, for people to read
}

// Short is the commit's abbreviated id, as git shows it.
func (c CodeCommit) Short() string {
	if len(c.ID) > 7 {
		return c.ID[:7]
	}
	return c.ID
}

// CodeEntry is one file or folder of a commit's tree.
type CodeEntry struct {
	Name  string
	Path  string // slash-separated, relative to the repository root
	IsDir bool
	Size  int64 // files only; -1 when it could not be read
}

// CodeTree is the file tree of one commit. It lists files and never reads
// them: reading a file is an audited view (CodeSnapshot.ReadFile, through
// the service). It is immutable.
type CodeTree interface {
	// Commit describes the commit.
	Commit() CodeCommit
	// IsDir reports whether p is a folder of the commit ("" is the root).
	IsDir(p string) bool
	// IsFile reports whether p is a file of the commit.
	IsFile(p string) bool
	// FileCount is the number of files in the commit.
	FileCount() int
	// Children lists a folder: folders first, then files, each by name.
	// The slice is shared: callers must not modify it. ENOTFOUND if dir is
	// not a folder.
	Children(dir string) ([]CodeEntry, error)
	// BlobID identifies a file's content; it changes whenever the content
	// does. ENOTFOUND if p is not a file.
	BlobID(p string) (string, error)
}

// CodeSnapshot is a CodeTree whose files can be read.
type CodeSnapshot interface {
	CodeTree
	// ReadFile returns a file's content: ENOTFOUND if p is not a file,
	// EINVALID if it is too large to be shown.
	ReadFile(p string) ([]byte, error)
}

// CodeRepos reads the source code behind outputs from the backend's cache
// of the projects' repositories. Nothing is fetched from the network.
type CodeRepos interface {
	// Snapshot returns the tree of commit (a full id or a prefix of one)
	// in the repository of repoURL. Returns ENOTFOUND when the cache does
	// not hold the repository or the commit, and EINVALID for a malformed
	// address or commit id.
	Snapshot(ctx context.Context, repoURL, commit string) (CodeSnapshot, error)
}
