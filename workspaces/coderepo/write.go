package coderepo

import (
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/plumbing/storer"
)

// Commit is one commit to write with Write: the whole tree, not a change.
type Commit struct {
	Files   map[string]string // slash-separated path → content
	Message string
	Author  string
	Email   string
	When    time.Time
}

// Write creates the bare repository <dir>/<name>.git holding commits, each
// the parent of the next, with branch main at the last one, and returns the
// commit ids in order. It exists for the demo and tests, which need real
// repositories without the git program; the same inputs always give the
// same ids. An existing repository of that name is refused.
func Write(dir, name string, commits []Commit) ([]string, error) {
	if !validName(name) {
		return nil, fmt.Errorf("invalid repository name %q", name)
	}
	r, err := git.PlainInit(filepath.Join(dir, name+".git"), true)
	if err != nil {
		return nil, fmt.Errorf("create repository %s: %w", name, err)
	}
	var ids []string
	var parent []plumbing.Hash
	for _, c := range commits {
		tree, err := writeTree(r.Storer, c.Files, "")
		if err != nil {
			return nil, err
		}
		sig := object.Signature{Name: c.Author, Email: c.Email, When: c.When}
		co := &object.Commit{Author: sig, Committer: sig, Message: c.Message, TreeHash: tree, ParentHashes: parent}
		h, err := store(r.Storer, co.Encode)
		if err != nil {
			return nil, err
		}
		parent = []plumbing.Hash{h}
		ids = append(ids, h.String())
	}
	if len(parent) > 0 {
		ref := plumbing.NewHashReference(plumbing.NewBranchReferenceName("main"), parent[0])
		if err := r.Storer.SetReference(ref); err != nil {
			return nil, err
		}
		head := plumbing.NewSymbolicReference(plumbing.HEAD, ref.Name())
		if err := r.Storer.SetReference(head); err != nil {
			return nil, err
		}
	}
	return ids, nil
}

// writeTree stores the tree of the files under prefix ("" or "dir/").
func writeTree(s storer.EncodedObjectStorer, files map[string]string, prefix string) (plumbing.Hash, error) {
	var t object.Tree
	subdirs := map[string]bool{}
	for p, body := range files {
		rest, ok := strings.CutPrefix(p, prefix)
		if !ok {
			continue
		}
		if dir, _, isSub := strings.Cut(rest, "/"); isSub {
			if !subdirs[dir] {
				subdirs[dir] = true
				h, err := writeTree(s, files, prefix+dir+"/")
				if err != nil {
					return plumbing.ZeroHash, err
				}
				t.Entries = append(t.Entries, object.TreeEntry{Name: dir, Mode: filemode.Dir, Hash: h})
			}
			continue
		}
		h, err := store(s, func(o plumbing.EncodedObject) error {
			o.SetType(plumbing.BlobObject)
			w, err := o.Writer()
			if err != nil {
				return err
			}
			if _, err := io.WriteString(w, body); err != nil {
				return err
			}
			return w.Close()
		})
		if err != nil {
			return plumbing.ZeroHash, err
		}
		t.Entries = append(t.Entries, object.TreeEntry{Name: rest, Mode: filemode.Regular, Hash: h})
	}
	// Git orders entries by name, comparing a folder as if it ended in "/".
	key := func(e object.TreeEntry) string {
		if e.Mode == filemode.Dir {
			return e.Name + "/"
		}
		return e.Name
	}
	slices.SortFunc(t.Entries, func(a, b object.TreeEntry) int { return strings.Compare(key(a), key(b)) })
	return store(s, t.Encode)
}

func store(s storer.EncodedObjectStorer, encode func(plumbing.EncodedObject) error) (plumbing.Hash, error) {
	o := s.NewEncodedObject()
	if err := encode(o); err != nil {
		return plumbing.ZeroHash, err
	}
	return s.SetEncodedObject(o)
}
