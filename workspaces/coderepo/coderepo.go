// Package coderepo reads a project's source code at the commit that
// produced an output, from a local cache of bare git repositories: the
// backend keeps one bare repository per project at <dir>/<name>.git, where
// <name> is the last part of the repository URL recorded in the workspace
// manifest. Nothing is fetched over the network.
//
// Repositories are read with go-git, never with the git program, so a
// repository's configuration or hooks can never run anything here. A
// commit's file list is immutable and cached; file contents are read from
// the repository on each request.
package coderepo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/airlock-project/airlock/airlock"
)

// Limits bound what a commit may hold to be shown.
const (
	// MaxFiles is the most files a commit's tree may list.
	MaxFiles = 200_000
	// MaxBlobBytes is the largest file read into memory to be shown.
	MaxBlobBytes = 64 << 20
	// snapshotCacheSize is how many commits' file lists are kept.
	snapshotCacheSize = 64
)

// Cache is a directory of bare git repositories. It is safe for concurrent
// use.
type Cache struct {
	dir string

	mu    sync.Mutex
	snaps map[string]*Snapshot // by repository directory + "@" + commit
	order []string             // least recently used first
}

// NewCache returns the cache of bare repositories in dir. An empty dir
// means the backend has none: every lookup says so.
func NewCache(dir string) *Cache {
	return &Cache{dir: dir, snaps: map[string]*Snapshot{}}
}

// Dir is the directory the cache reads, "" when none is configured.
func (c *Cache) Dir() string { return c.dir }

// RepoName returns the cache name of a repository URL: its last path
// element without ".git", e.g. "my-study" for
// https://github.com/org/my-study. It returns EINVALID for a URL with no
// usable name.
func RepoName(repoURL string) (string, error) {
	u := strings.TrimRight(strings.TrimSpace(repoURL), "/")
	u = strings.TrimSuffix(u, ".git")
	name := u[strings.LastIndexAny(u, "/:")+1:]
	if !validName(name) {
		return "", airlock.Errorf(airlock.EINVALID, "The repository address %q does not name a repository.", repoURL)
	}
	return name, nil
}

func validName(name string) bool {
	if name == "" || name == "." || name == ".." || len(name) > 200 {
		return false
	}
	for _, r := range name {
		ok := r == '-' || r == '_' || r == '.' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z'
		if !ok {
			return false
		}
	}
	return true
}

// ValidCommit reports whether s looks like a commit id: 4 to 64 lowercase
// or uppercase hex digits. Only ids are accepted, never branch names.
func ValidCommit(s string) bool {
	if len(s) < 4 || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'f' || r >= 'A' && r <= 'F') {
			return false
		}
	}
	return true
}

// Snapshot is the tree of one commit of one repository. It is immutable.
type Snapshot struct {
	airlock.CodeCommit

	gitDir string
	files  map[string]plumbing.Hash       // blob of each file path
	dirs   map[string][]airlock.CodeEntry // children of each folder, "" is the root
}

// Compile-time checks that the cache meets the domain's interfaces.
var (
	_ airlock.CodeRepos    = (*Cache)(nil)
	_ airlock.CodeSnapshot = (*Snapshot)(nil)
)

// Snapshot returns the tree of commit in the repository of repoURL. Errors
// are coded: ENOTFOUND when no cache is configured or it does not hold the
// repository or commit, EINVALID for a malformed address or commit id.
func (c *Cache) Snapshot(ctx context.Context, repoURL, commit string) (airlock.CodeSnapshot, error) {
	if c.dir == "" {
		return nil, airlock.Errorf(airlock.ENOTFOUND, "Source code cannot be shown: this backend has no repository cache configured.")
	}
	if strings.TrimSpace(repoURL) == "" {
		return nil, airlock.Errorf(airlock.ENOTFOUND, "No source code repository is recorded for this output.")
	}
	name, err := RepoName(repoURL)
	if err != nil {
		return nil, err
	}
	if !ValidCommit(commit) {
		return nil, airlock.Errorf(airlock.EINVALID, "%q is not a commit id.", commit)
	}
	commit = strings.ToLower(commit)
	gitDir := filepath.Join(c.dir, name+".git")
	key := gitDir + "@" + commit
	if s := c.get(key); s != nil {
		return s, nil
	}
	s, err := load(ctx, gitDir, name, repoURL, commit)
	if err != nil {
		return nil, err
	}
	c.put(key, s)
	if s.ID != commit {
		c.put(gitDir+"@"+s.ID, s)
	}
	return s, nil
}

func (c *Cache) get(key string) *Snapshot {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.snaps[key]
	if s != nil {
		c.order = slices.DeleteFunc(c.order, func(k string) bool { return k == key })
		c.order = append(c.order, key)
	}
	return s
}

func (c *Cache) put(key string, s *Snapshot) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.snaps[key]; !ok {
		c.order = append(c.order, key)
	}
	c.snaps[key] = s
	for len(c.order) > snapshotCacheSize {
		delete(c.snaps, c.order[0])
		c.order = c.order[1:]
	}
}

// open opens a bare repository of the cache.
func open(gitDir, name string) (*git.Repository, error) {
	fi, err := os.Stat(gitDir)
	if err != nil || !fi.IsDir() {
		return nil, airlock.Errorf(airlock.ENOTFOUND, "The repository %q is not in this backend's repository cache, so its source code cannot be shown.", name)
	}
	r, err := git.PlainOpen(gitDir)
	if err != nil {
		return nil, airlock.Errorf(airlock.ENOTFOUND, "The repository %q in the repository cache could not be opened: %v.", name, err)
	}
	return r, nil
}

func load(ctx context.Context, gitDir, name, repoURL, commit string) (*Snapshot, error) {
	r, err := open(gitDir, name)
	if err != nil {
		return nil, err
	}
	co, err := commitObject(r, commit)
	if err != nil {
		return nil, airlock.Errorf(airlock.ENOTFOUND, "Commit %s is not in the cached copy of repository %q, so its source code cannot be shown.", short(commit), name)
	}
	tree, err := co.Tree()
	if err != nil {
		return nil, airlock.Errorf(airlock.ENOTFOUND, "The files of commit %s of repository %q could not be read: %v.", short(commit), name, err)
	}
	s := &Snapshot{
		CodeCommit: airlock.CodeCommit{Repo: name, URL: repoURL, ID: co.Hash.String(),
			Message: firstLine(co.Message), Author: co.Author.Name, When: co.Author.When.UTC().Format("2 Jan 2006 15:04 UTC")},
		gitDir: gitDir, files: map[string]plumbing.Hash{}, dirs: map[string][]airlock.CodeEntry{"": nil},
	}
	w := object.NewTreeWalker(tree, true, nil)
	defer w.Close()
	for n := 0; ; n++ {
		if n%1024 == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		p, e, err := w.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, airlock.Errorf(airlock.ENOTFOUND, "The files of commit %s of repository %q could not be read: %v.", short(commit), name, err)
		}
		if len(s.files)+len(s.dirs) > MaxFiles {
			return nil, airlock.Errorf(airlock.EINVALID, "Commit %s of repository %q has more than %d files; it is too large to show.", short(commit), name, MaxFiles)
		}
		parent := path.Dir(p)
		if parent == "." {
			parent = ""
		}
		switch {
		case e.Mode == filemode.Dir:
			s.dirs[p] = nil
			s.dirs[parent] = append(s.dirs[parent], airlock.CodeEntry{Name: e.Name, Path: p, IsDir: true})
		case e.Mode.IsFile():
			// Symbolic links are listed as files whose content is the
			// link target, as git stores them; they are never followed.
			s.files[p] = e.Hash
			size, err := r.Storer.EncodedObjectSize(e.Hash)
			if err != nil {
				size = -1
			}
			s.dirs[parent] = append(s.dirs[parent], airlock.CodeEntry{Name: e.Name, Path: p, Size: size})
		default:
			// Submodules have no content in this repository.
		}
	}
	for _, es := range s.dirs {
		slices.SortFunc(es, func(a, b airlock.CodeEntry) int {
			if a.IsDir != b.IsDir {
				if a.IsDir {
					return -1
				}
				return 1
			}
			return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name))
		})
	}
	return s, nil
}

// commitObject finds a commit by full or abbreviated id.
func commitObject(r *git.Repository, id string) (*object.Commit, error) {
	if len(id) == 40 {
		return r.CommitObject(plumbing.NewHash(id))
	}
	h, err := r.ResolveRevision(plumbing.Revision(id))
	if err != nil {
		return nil, err
	}
	return r.CommitObject(*h)
}

// Commit describes the commit.
func (s *Snapshot) Commit() airlock.CodeCommit { return s.CodeCommit }

func short(commit string) string { return airlock.CodeCommit{ID: commit}.Short() }

func firstLine(msg string) string {
	msg = strings.TrimSpace(msg)
	if i := strings.IndexByte(msg, '\n'); i >= 0 {
		msg = msg[:i]
	}
	return msg
}

// IsDir reports whether p is a folder of the commit ("" is the root).
func (s *Snapshot) IsDir(p string) bool {
	_, ok := s.dirs[p]
	return ok
}

// IsFile reports whether p is a file of the commit.
func (s *Snapshot) IsFile(p string) bool {
	_, ok := s.files[p]
	return ok
}

// FileCount is the number of files in the commit.
func (s *Snapshot) FileCount() int { return len(s.files) }

// Children lists a folder: folders first, then files, each by name. The
// slice is shared: callers must not modify it.
func (s *Snapshot) Children(dir string) ([]airlock.CodeEntry, error) {
	es, ok := s.dirs[dir]
	if !ok {
		return nil, airlock.Errorf(airlock.ENOTFOUND, "%q is not a folder of %s@%s.", dir, s.Repo, s.Short())
	}
	return es, nil
}

// BlobID is the git object id of a file's content: it changes whenever the
// content does, so it can key caches.
func (s *Snapshot) BlobID(p string) (string, error) {
	h, ok := s.files[p]
	if !ok {
		return "", airlock.Errorf(airlock.ENOTFOUND, "%q is not a file of %s@%s.", p, s.Repo, s.Short())
	}
	return h.String(), nil
}

// ReadFile returns a file's content. Files over MaxBlobBytes give EINVALID.
func (s *Snapshot) ReadFile(p string) ([]byte, error) {
	h, ok := s.files[p]
	if !ok {
		return nil, airlock.Errorf(airlock.ENOTFOUND, "%q is not a file of %s@%s.", p, s.Repo, s.Short())
	}
	r, err := open(s.gitDir, s.Repo)
	if err != nil {
		return nil, err
	}
	b, err := r.BlobObject(h)
	if err != nil {
		return nil, airlock.Errorf(airlock.ENOTFOUND, "The content of %q could not be read from repository %q: %v.", p, s.Repo, err)
	}
	if b.Size > MaxBlobBytes {
		return nil, airlock.Errorf(airlock.EINVALID, "%s is %d MB, larger than the %d MB that can be shown.", path.Base(p), b.Size>>20, MaxBlobBytes>>20)
	}
	rc, err := b.Reader()
	if err != nil {
		return nil, airlock.Errorf(airlock.ENOTFOUND, "The content of %q could not be read from repository %q: %v.", p, s.Repo, err)
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, MaxBlobBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read %s from %s: %w", p, s.Repo, err)
	}
	return data, nil
}
