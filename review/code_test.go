package review_test

import (
	"strings"
	"testing"

	"github.com/airlock-project/airlock/airlock"
	"github.com/airlock-project/airlock/review"
)

func TestBrowseCode(t *testing.T) {
	e := newDiskEnv(t)
	ref := review.CodeRef{Workspace: "w1", Commit: e.commits[0]}

	t.Run("OK", func(t *testing.T) {
		v, err := e.svc.BrowseCode(e.ctx, alice, ref)
		wantCode(t, err, "")
		if v.Unavailable != nil || v.Source.Repo != studyRepo || v.Source.Commit != e.commits[0] {
			t.Fatalf("view = %+v", v)
		}
		if c := v.Tree.Commit(); c.Repo != "study" || c.ID != e.commits[0] || c.Message != "Analysis" || v.Tree.FileCount() != 2 {
			t.Errorf("tree of %+v with %d files", c, v.Tree.FileCount())
		}
		if n := len(e.events(airlock.EventCodeView)); n != 0 {
			t.Errorf("listing a tree recorded %d views", n)
		}
	})
	t.Run("ErrNoAccess", func(t *testing.T) {
		_, err := e.svc.BrowseCode(e.ctx, nm, ref)
		wantCode(t, err, airlock.EFORBIDDEN)
	})
	t.Run("ErrUnknownWorkspace", func(t *testing.T) {
		_, err := e.svc.BrowseCode(e.ctx, alice, review.CodeRef{Workspace: "wold", Commit: e.commits[0]})
		wantCode(t, err, airlock.ENOTFOUND)
	})
	// What the cache lacks is explained, not refused: the person may see it.
	for name, tc := range map[string]struct {
		commit, code, says string
	}{
		"UnknownCommit":   {strings.Repeat("e", 40), airlock.ENOTFOUND, "is not in the cached copy"},
		"MalformedCommit": {"main", airlock.EINVALID, "is not a commit id"},
	} {
		t.Run(name, func(t *testing.T) {
			v, err := e.svc.BrowseCode(e.ctx, alice, review.CodeRef{Workspace: "w1", Commit: tc.commit})
			wantCode(t, err, "")
			if v.Tree != nil || airlock.ErrorCode(v.Unavailable) != tc.code || !strings.Contains(airlock.ErrorMessage(v.Unavailable), tc.says) {
				t.Errorf("view = %+v", v)
			}
		})
	}
	t.Run("NoCache", func(t *testing.T) {
		svc := review.New(review.Config{Store: e.db, Workspaces: e.root})
		v, err := svc.BrowseCode(e.ctx, alice, ref)
		wantCode(t, err, "")
		if !strings.Contains(airlock.ErrorMessage(v.Unavailable), "no repository cache") {
			t.Errorf("unavailable = %v", v.Unavailable)
		}
	})
}

func TestOpenCodeFile(t *testing.T) {
	e := newDiskEnv(t)
	ref := review.CodeRef{Workspace: "w1", Commit: e.commits[0][:8]}

	t.Run("OK", func(t *testing.T) {
		f, err := e.svc.OpenCodeFile(e.ctx, alice, ref, "analysis/model.R")
		wantCode(t, err, "")
		if string(f.Data) != "fit <- lm(y ~ x)\n" || f.BlobID == "" || f.Source.Repo != studyRepo {
			t.Errorf("file = %+v", f)
		}
		evs := e.events(airlock.EventCodeView)
		if len(evs) != 1 || evs[0].User != "alice" || evs[0].Workspace != "w1" || evs[0].Path != "analysis/model.R" ||
			evs[0].Extra["repo"] != studyRepo || evs[0].Extra["commit"] != e.commits[0][:8] {
			t.Errorf("audit = %+v", evs)
		}
	})
	// Refusals read nothing and record nothing.
	for name, tc := range map[string]struct {
		u    *airlock.User
		path string
		code string
	}{
		"ErrNoAccess": {nm, "analysis/model.R", airlock.EFORBIDDEN},
		"ErrFolder":   {alice, "analysis", airlock.EINVALID},
		"ErrNoFile":   {alice, "nope.R", airlock.ENOTFOUND},
	} {
		t.Run(name, func(t *testing.T) {
			before := len(e.events(airlock.EventCodeView))
			f, err := e.svc.OpenCodeFile(e.ctx, tc.u, ref, tc.path)
			wantCode(t, err, tc.code)
			if f != nil || len(e.events(airlock.EventCodeView)) != before {
				t.Errorf("refused read returned %v or was audited", f)
			}
		})
	}
}

func TestCodeFromARequest(t *testing.T) {
	e := newDiskEnv(t)
	id := e.addOutput(alice, e.ws.Paths[0])
	ref := review.CodeRef{Request: id, Commit: e.commits[0][:10]}

	v, err := e.svc.BrowseCode(e.ctx, chk1, ref)
	wantCode(t, err, "")
	if v.Source.Request != id || v.Source.Workspace != "w1" || v.Source.Commit != e.commits[0] || v.Tree == nil {
		t.Fatalf("view = %+v", v)
	}
	if _, err := e.svc.OpenCodeFile(e.ctx, chk1, ref, "project.yaml"); err != nil {
		t.Fatal(err)
	}
	evs := e.events(airlock.EventCodeView)
	if len(evs) != 1 || evs[0].Request != id || evs[0].User != "chk1" || evs[0].Extra["commit"] != e.commits[0] {
		t.Errorf("audit = %+v", evs)
	}

	// Only commits that produced one of the request's files open from it,
	// and people who cannot see the request learn nothing of it.
	_, err = e.svc.BrowseCode(e.ctx, chk1, review.CodeRef{Request: id, Commit: e.commits[1]})
	wantCode(t, err, airlock.ENOTFOUND)
	_, err = e.svc.BrowseCode(e.ctx, nm, ref)
	wantCode(t, err, airlock.ENOTFOUND)
	_, err = e.svc.OpenCodeFile(e.ctx, nm, ref, "project.yaml")
	wantCode(t, err, airlock.ENOTFOUND)
	if n := len(e.events(airlock.EventCodeView)); n != 1 {
		t.Errorf("%d code views recorded, want 1", n)
	}
}
