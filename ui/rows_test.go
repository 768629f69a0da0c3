package ui

import (
	"html"
	"strings"
	"testing"

	"github.com/airlock-project/airlock/airlock"
	"github.com/airlock-project/airlock/review"
)

// The rows written in Go escape every value as html.EscapeString does,
// whatever the bytes.
func FuzzHTMLWriterText(f *testing.F) {
	for _, s := range []string{"", "plain", `<script>alert("x")</script>`, "a&b'c", "\x00\xff<"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var w htmlWriter
		w.text(s)
		if got, want := string(w.b), html.EscapeString(s); got != want {
			t.Fatalf("text(%q) = %q, want %q", s, got, want)
		}
	})
}

// A file or folder whose name is markup shows as text in a folder's
// table and in the tree, and its links stay within the workspace browser.
func TestRowsEscapeNames(t *testing.T) {
	e := newEnv(t)
	const evil = `x"><script>alert(1)</script>&'`
	file := airlock.WorkspaceFile{Path: "output/" + evil + ".csv", Size: 10}
	b := &review.WorkspaceBrowse{State: &review.WorkspaceState{Workspace: "ws1"}, Items: []review.WorkspaceItem{
		{WorkspaceEntry: airlock.WorkspaceEntry{Name: evil, Path: "output/" + evil, IsDir: true}},
		{WorkspaceEntry: airlock.WorkspaceEntry{Name: evil + ".csv", Path: file.Path, File: file},
			Addable: airlock.Errorf(airlock.EINVALID, `Not "%s"`, evil)},
	}}
	rows, err := e.srv.dirRows("ws1", b, true)
	if err != nil {
		t.Fatal(err)
	}
	tree, err := e.srv.treeNodesHTML("ws1", []*review.TreeNode{
		{Name: evil, Path: "output/" + evil, IsDir: true},
		{Name: evil + ".csv", Path: file.Path, Mark: &review.Mark{Kind: review.MarkDraft, Text: evil}},
	})
	if err != nil {
		t.Fatal(err)
	}
	for name, out := range map[string]string{"rows": string(rows), "tree": string(tree)} {
		if strings.Contains(out, "<script") || strings.Contains(out, `x">`) {
			t.Errorf("%s: a name's markup reached the page: %s", name, out)
		}
		if !strings.Contains(out, html.EscapeString(evil)) {
			t.Errorf("%s: the name is not shown escaped: %s", name, out)
		}
		for _, href := range strings.Split(out, `href="`)[1:] {
			if !strings.HasPrefix(href, "/workspaces/view/ws1/output/x%22%3E%3Cscript%3E") {
				t.Errorf("%s: link %.60s… leaves the workspace browser or is not escaped", name, href)
			}
		}
	}
}
