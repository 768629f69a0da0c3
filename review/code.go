package review

import (
	"context"
	"strings"

	"github.com/airlock-project/airlock/airlock"
)

// CodeRef names the source code a person asks to open: a commit, reached
// from a workspace or from a request (set exactly one of the two).
type CodeRef struct {
	Workspace string
	Request   string
	Commit    string // a full commit id or a prefix of one
}

// CodeSource is the source code behind an output: the repository and
// commit recorded for it, and the workspace or request it was opened from.
type CodeSource struct {
	Workspace string
	Request   string // "" when opened from the workspace
	Repo      string // the repository URL
	Commit    string // the commit id as recorded
}

// CodeView is a commit's tree as a person may browse it.
type CodeView struct {
	Source CodeSource
	// Tree lists the commit's files; it is nil when Unavailable is set.
	Tree airlock.CodeTree
	// Unavailable says why the backend's repository cache cannot show
	// this commit (no cache, repository or commit missing, malformed id),
	// for the page to explain. The person may see the source; it is the
	// backend that lacks it.
	Unavailable error
}

// CodeFile is one file of source code, read for a person.
type CodeFile struct {
	Source CodeSource
	Path   string
	BlobID string // identifies the content; it changes whenever the content does
	Data   []byte
}

// errNoCodeCache answers every source code read of a service built without
// a repository cache.
var errNoCodeCache = airlock.Errorf(airlock.ENOTFOUND, "Source code cannot be shown: this backend has no repository cache configured.")

// BrowseCode returns the tree of the commit ref names, after checking u may
// see it. From a workspace, the repository is the one its manifest records;
// from a request, only commits that produced one of its files can be opened,
// in the repository recorded for them. Listing a tree is not a view of any
// file's content, so it is not audited; OpenCodeFile is.
func (s *Service) BrowseCode(ctx context.Context, u *airlock.User, ref CodeRef) (*CodeView, error) {
	src, err := s.codeSource(ctx, u, ref)
	if err != nil {
		return nil, err
	}
	v := &CodeView{Source: src}
	snap, err := s.codeSnapshot(ctx, src)
	switch airlock.ErrorCode(err) {
	case "":
		v.Tree = snap
	case airlock.ENOTFOUND, airlock.EINVALID:
		v.Unavailable = err
	default:
		return nil, err
	}
	return v, nil
}

// OpenCodeFile checks u may see the source code ref names, reads the file
// at path and records the view (CODE_FILE_VIEW, D12), in one call.
// Source code is not an output under review, so any file type may be read.
func (s *Service) OpenCodeFile(ctx context.Context, u *airlock.User, ref CodeRef, path string) (*CodeFile, error) {
	if err := airlock.CheckName("file path", path); err != nil {
		return nil, err
	}
	src, err := s.codeSource(ctx, u, ref)
	if err != nil {
		return nil, err
	}
	snap, err := s.codeSnapshot(ctx, src)
	if err != nil {
		return nil, err
	}
	if snap.IsDir(path) {
		return nil, airlock.Errorf(airlock.EINVALID, "%q is a folder, not a file.", path)
	}
	f := &CodeFile{Source: src, Path: path}
	if f.BlobID, err = snap.BlobID(path); err != nil {
		return nil, err
	}
	if f.Data, err = snap.ReadFile(path); err != nil {
		return nil, err
	}
	if err := s.recordCodeView(ctx, u, src, path); err != nil {
		return nil, err
	}
	return f, nil
}

func (s *Service) codeSnapshot(ctx context.Context, src CodeSource) (airlock.CodeSnapshot, error) {
	if s.code == nil {
		return nil, errNoCodeCache
	}
	return s.code.Snapshot(ctx, src.Repo, src.Commit)
}

// codeSource resolves ref to the repository and commit u may open.
func (s *Service) codeSource(ctx context.Context, u *airlock.User, ref CodeRef) (CodeSource, error) {
	if err := airlock.CheckNames("source code location", ref.Workspace, ref.Request, ref.Commit); err != nil {
		return CodeSource{}, err
	}
	if ref.Request != "" {
		return s.requestCodeSource(ctx, u, ref.Request, ref.Commit)
	}
	if err := airlock.CheckCanView(u, ref.Workspace); err != nil {
		return CodeSource{}, err
	}
	tree, err := s.ws.Tree(ctx, ref.Workspace)
	if err != nil {
		return CodeSource{}, err
	}
	return CodeSource{Workspace: ref.Workspace, Repo: tree.Repo(), Commit: ref.Commit}, nil
}

// requestCodeSource returns the repository recorded on the files of
// request id that were produced by commit (a full id or a prefix of one),
// after checking u may view the request.
func (s *Service) requestCodeSource(ctx context.Context, u *airlock.User, id, commit string) (CodeSource, error) {
	var src CodeSource
	err := s.store.View(ctx, func(tx airlock.Tx) error {
		r, err := loadVisible(tx, u, id)
		if err != nil {
			return err
		}
		commit = strings.ToLower(commit)
		for _, f := range r.AllFiles() {
			if f.Commit != "" && len(commit) >= 4 && strings.HasPrefix(strings.ToLower(f.Commit), commit) {
				src = CodeSource{Workspace: r.Workspace, Request: r.ID, Repo: f.Repo, Commit: f.Commit}
				return nil
			}
		}
		return airlock.Errorf(airlock.ENOTFOUND, "No file of this request was produced by commit %s.", commit)
	})
	return src, err
}

// recordCodeView audits that u read a file of the source code at src,
// checking again that u may view src's request, or else its workspace.
func (s *Service) recordCodeView(ctx context.Context, u *airlock.User, src CodeSource, path string) error {
	extra := map[string]string{"repo": src.Repo, "commit": src.Commit}
	if src.Request != "" {
		return s.update(ctx, u, src.Request, func(tx airlock.Tx, r *airlock.Request) error {
			return audit(tx, r, u.Username, airlock.EventCodeView, path, extra)
		})
	}
	if err := airlock.CheckCanView(u, src.Workspace); err != nil {
		return err
	}
	return s.store.Update(ctx, func(tx airlock.Tx) error {
		return tx.Audit(&airlock.AuditEvent{Type: airlock.EventCodeView, User: u.Username, Workspace: src.Workspace, Path: path, Extra: extra})
	})
}
