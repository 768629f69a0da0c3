package review_test

import (
	"errors"
	"io"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/airlock-project/airlock/airlock"
	"github.com/airlock-project/airlock/review"
	"github.com/airlock-project/airlock/workspaces/wstest"
)

func TestWorkspaces(t *testing.T) {
	e := newDiskEnv(t)
	for _, tc := range []struct {
		u    *airlock.User
		want []string
	}{
		{alice, []string{"w1"}}, // her other workspaces are not on this backend
		{nm, []string{"other"}},
		{cop, []string{"w1"}},
		{ro, []string{"other", "w1"}},
		{chk1, []string{"other", "w1"}},
	} {
		t.Run(tc.u.Username, func(t *testing.T) {
			got, err := e.svc.Workspaces(e.ctx, tc.u)
			wantCode(t, err, "")
			if !slices.Equal(got, tc.want) {
				t.Errorf("Workspaces = %v, want %v", got, tc.want)
			}
		})
	}
	_, err := e.svc.Workspaces(e.ctx, nil)
	wantCode(t, err, airlock.EUNAUTHORIZED)
}

func TestBrowseWorkspace(t *testing.T) {
	e := newDiskEnv(t)
	first := e.ws.Paths[0]
	leaf := path.Dir(first)

	t.Run("Root", func(t *testing.T) {
		b, err := e.svc.BrowseWorkspace(e.ctx, alice, "w1", "", airlock.ChildrenOptions{})
		wantCode(t, err, "")
		if !b.IsDir || b.Missing || b.OutOfDate != 2 || b.State.CanAdd != nil {
			t.Fatalf("browse = %+v", b)
		}
		if got := itemNames(b.Items); got != "metadata,output" {
			t.Errorf("root items = %s", got)
		}
		if len(b.Tree) != 2 || b.Tree[1].Loaded || b.Tree[1].Children != nil {
			t.Errorf("the tree loads folders nobody opened: %+v", b.Tree)
		}
	})
	t.Run("Folder", func(t *testing.T) {
		b, err := e.svc.BrowseWorkspace(e.ctx, alice, "w1", leaf, airlock.ChildrenOptions{})
		wantCode(t, err, "")
		if !b.IsDir || len(b.Items) == 0 {
			t.Fatalf("browse = %+v", b)
		}
		for _, it := range b.Items {
			if it.IsDir || it.Status != airlock.WorkspaceFileUnreleased || it.Addable != nil || !it.Selectable || it.File.ContentHash == "" {
				t.Errorf("item %+v", it)
			}
		}
		// Only the way down to the folder is loaded: output, then its folder.
		out := b.Tree[1]
		if out.Name != "output" || !out.Open || !out.Loaded || len(out.Children) != 10 {
			t.Fatalf("output node = %+v", out)
		}
		var loaded int
		for _, n := range out.Children {
			if n.Loaded {
				loaded++
			}
		}
		if loaded != 1 {
			t.Errorf("%d folders under output are loaded, want the one on the way", loaded)
		}
	})
	t.Run("File", func(t *testing.T) {
		b, err := e.svc.BrowseWorkspace(e.ctx, alice, "w1", first, airlock.ChildrenOptions{})
		wantCode(t, err, "")
		if b.IsDir || b.File == nil || b.File.Path != first || b.File.File.Commit != e.commits[0] || b.File.Addable != nil {
			t.Fatalf("browse = %+v", b)
		}
		if !b.Tree[1].Open || findNode(b.Tree, first) == nil || !findNode(b.Tree, first).Selected {
			t.Error("the file is not selected in the tree")
		}
	})
	t.Run("FileNotAnOutput", func(t *testing.T) {
		b, err := e.svc.BrowseWorkspace(e.ctx, alice, "w1", "metadata/generate.log", airlock.ChildrenOptions{})
		wantCode(t, err, "")
		// Its bytes are hashed, so the page knows whether it was released.
		if b.File.File.ContentHash == "" || airlock.ErrorCode(b.File.Addable) != airlock.EINVALID {
			t.Errorf("file = %+v", b.File)
		}
	})
	t.Run("Missing", func(t *testing.T) {
		b, err := e.svc.BrowseWorkspace(e.ctx, alice, "w1", leaf+"/gone/x.csv", airlock.ChildrenOptions{})
		wantCode(t, err, "")
		if !b.Missing || b.Nearest != leaf || b.Tree != nil {
			t.Errorf("browse = %+v", b)
		}
	})
	t.Run("OnTheRequest", func(t *testing.T) {
		e.addOutput(alice, first)
		b, err := e.svc.BrowseWorkspace(e.ctx, alice, "w1", leaf, airlock.ChildrenOptions{})
		wantCode(t, err, "")
		it := b.Items[slices.IndexFunc(b.Items, func(it review.WorkspaceItem) bool { return it.Path == first })]
		if it.Status != airlock.WorkspaceFileUnderReview || airlock.ErrorCode(it.Addable) != airlock.ECONFLICT || it.Selectable {
			t.Errorf("item on the request = %+v", it)
		}
		// Someone else's request changes nothing for carol.
		b, err = e.svc.BrowseWorkspace(e.ctx, carol, "w1", leaf, airlock.ChildrenOptions{})
		wantCode(t, err, "")
		if it := b.Items[0]; it.Status != airlock.WorkspaceFileUnreleased || !it.Selectable {
			t.Errorf("carol sees %+v", it)
		}
	})
	t.Run("CopilotViewsOnly", func(t *testing.T) {
		b, err := e.svc.BrowseWorkspace(e.ctx, cop, "w1", leaf, airlock.ChildrenOptions{})
		wantCode(t, err, "")
		if airlock.ErrorCode(b.State.CanAdd) != airlock.EFORBIDDEN || b.Items[0].Selectable {
			t.Errorf("copilot may add: %v, %+v", b.State.CanAdd, b.Items[0])
		}
	})
	t.Run("ErrNoAccess", func(t *testing.T) {
		_, err := e.svc.BrowseWorkspace(e.ctx, nm, "w1", "", airlock.ChildrenOptions{})
		wantCode(t, err, airlock.EFORBIDDEN)
	})
	t.Run("ErrNotOnBackend", func(t *testing.T) {
		_, err := e.svc.BrowseWorkspace(e.ctx, alice, "wold", "", airlock.ChildrenOptions{})
		wantCode(t, err, airlock.ENOTFOUND)
	})
	t.Run("ErrBrokenManifest", func(t *testing.T) {
		broken := wstest.MustGenerate(t, e.wsDir, "warch", 1, wstest.Options{})
		must(t, os.WriteFile(filepath.Join(broken.Dir, "metadata", "manifest.json"), []byte("{"), 0o644))
		b, err := e.svc.BrowseWorkspace(e.ctx, alice, "warch", "", airlock.ChildrenOptions{})
		must(t, err)
		if !errors.Is(b.Unavailable, airlock.ErrManifestUnreadable) || b.Items != nil {
			t.Errorf("a broken manifest: Unavailable = %v, %d items; want it unavailable, listing nothing", b.Unavailable, len(b.Items))
		}
	})
	if n := len(e.events(airlock.EventWorkspaceFileView)); n != 0 {
		t.Errorf("browsing recorded %d file views", n)
	}
}

func itemNames(items []review.WorkspaceItem) string {
	var names []string
	for _, it := range items {
		names = append(names, it.Name)
	}
	return strings.Join(names, ",")
}

// findNode finds the node of p in a tree, or nil.
func findNode(nodes []*review.TreeNode, p string) *review.TreeNode {
	for _, n := range nodes {
		if n.Path == p {
			return n
		}
		if found := findNode(n.Children, p); found != nil {
			return found
		}
	}
	return nil
}

func TestWorkspaceTree(t *testing.T) {
	e := newDiskEnv(t)
	nodes, err := e.svc.WorkspaceTree(e.ctx, alice, "w1", "output", airlock.ChildrenOptions{})
	wantCode(t, err, "")
	if len(nodes) != 10 || !nodes[0].IsDir || nodes[0].Path != "output/d00" || nodes[0].Loaded {
		t.Errorf("nodes = %+v", nodes)
	}
	_, err = e.svc.WorkspaceTree(e.ctx, nm, "w1", "output", airlock.ChildrenOptions{})
	wantCode(t, err, airlock.EFORBIDDEN)
	_, err = e.svc.WorkspaceTree(e.ctx, alice, "w1", e.ws.Paths[0], airlock.ChildrenOptions{})
	wantCode(t, err, airlock.ENOTFOUND)
	_, err = e.svc.WorkspaceTree(e.ctx, alice, "w1", "../other", airlock.ChildrenOptions{})
	wantCode(t, err, airlock.EINVALID)
}

func TestOpenWorkspaceFile(t *testing.T) {
	e := newDiskEnv(t)
	first := e.ws.Paths[0]

	c, err := e.svc.OpenWorkspaceFile(e.ctx, cop, "w1", first)
	wantCode(t, err, "")
	b, err := io.ReadAll(c.Content)
	must(t, err)
	must(t, c.Content.Close())
	if string(b) != string(wstest.Content(0)) || c.Size != int64(len(b)) || c.Key == "" || !c.Allowed || c.File.Path != first {
		t.Errorf("content = %+v, %q", c, b)
	}
	evs := e.events(airlock.EventWorkspaceFileView)
	if len(evs) != 1 || evs[0].User != "cop" || evs[0].Workspace != "w1" || evs[0].Path != first {
		t.Fatalf("audit = %+v", evs)
	}

	// A file rewritten in place has a new key, though the manifest is the same.
	full := filepath.Join(e.ws.Dir, filepath.FromSlash(first))
	must(t, os.WriteFile(full, []byte("id,value\n0,1\n"), 0o644))
	must(t, os.Chtimes(full, time.Now(), time.Now().Add(time.Minute)))
	c2, err := e.svc.OpenWorkspaceFile(e.ctx, cop, "w1", first)
	wantCode(t, err, "")
	c2.Content.Close()
	if c2.Key == c.Key {
		t.Error("the key did not change with the bytes")
	}

	// Refusals open nothing and record nothing.
	must(t, os.Remove(filepath.Join(e.ws.Dir, filepath.FromSlash(e.ws.Paths[1]))))
	for name, tc := range map[string]struct {
		u    *airlock.User
		path string
		code string
	}{
		"ErrNoAccess":     {nm, first, airlock.EFORBIDDEN},
		"ErrFolder":       {alice, "output", airlock.EINVALID},
		"ErrNotVisible":   {alice, "output/secret.csv", airlock.ENOTFOUND},
		"ErrMissingBytes": {alice, e.ws.Paths[1], airlock.ENOTFOUND},
		"ErrMalformed":    {alice, "output/../../x", airlock.EINVALID},
	} {
		t.Run(name, func(t *testing.T) {
			c, err := e.svc.OpenWorkspaceFile(e.ctx, tc.u, "w1", tc.path)
			wantCode(t, err, tc.code)
			if c != nil {
				t.Error("a refused open returned content")
			}
		})
	}
	if n := len(e.events(airlock.EventWorkspaceFileView)); n != 2 {
		t.Errorf("%d views recorded, want 2", n)
	}
}

func TestAddCandidates(t *testing.T) {
	e := newDiskEnv(t)
	first := e.ws.Paths[0]
	state, items, err := e.svc.AddCandidates(e.ctx, alice, "w1", []string{first, "output", "metadata/generate.log", "output/nope.csv"})
	wantCode(t, err, "")
	if state.Current != nil || len(items) != 4 {
		t.Fatalf("state = %+v, items = %+v", state, items)
	}
	for i, want := range []string{"", airlock.EINVALID, airlock.EINVALID, airlock.ENOTFOUND} {
		if got := airlock.ErrorCode(items[i].Addable); got != want {
			t.Errorf("%s: %v, want code %q", items[i].Path, items[i].Addable, want)
		}
	}
	if !strings.Contains(airlock.ErrorMessage(items[1].Addable), "select the files inside it") {
		t.Errorf("folder: %v", items[1].Addable)
	}

	// Checking changes nothing: no request, no event.
	reqs, err := e.svc.Requests(e.ctx, alice, airlock.RequestFilter{Workspace: "w1"})
	wantCode(t, err, "")
	if len(reqs) != 0 || len(e.events(airlock.EventRequestCreate)) != 0 {
		t.Errorf("checking created %d requests", len(reqs))
	}

	// Who may not add at all is told so, before any file is looked at.
	_, _, err = e.svc.AddCandidates(e.ctx, cop, "w1", []string{first})
	wantCode(t, err, airlock.EFORBIDDEN)
	_, _, err = e.svc.AddCandidates(e.ctx, nm, "w1", []string{first})
	wantCode(t, err, airlock.EFORBIDDEN)

	// A file already on the request is not offered again.
	e.addOutput(alice, first)
	state, items, err = e.svc.AddCandidates(e.ctx, alice, "w1", []string{first, e.ws.Paths[1]})
	wantCode(t, err, "")
	if state.Current == nil || airlock.ErrorCode(items[0].Addable) != airlock.ECONFLICT || items[1].Addable != nil {
		t.Errorf("items = %+v", items)
	}
}
