package review_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/airlock-project/airlock/airlock"
	"github.com/airlock-project/airlock/review"
)

// damagedWorkspaces is memWorkspaces where one workspace's manifest is
// damaged, as package workspaces reports it.
type damagedWorkspaces struct {
	*memWorkspaces
	broken string
}

func (d damagedWorkspaces) Tree(ctx context.Context, ws string) (airlock.WorkspaceTree, error) {
	if ws == d.broken {
		return nil, airlock.ManifestUnreadable(ws, errors.New(`metadata/manifest.json is not valid JSON: invalid character 't'`))
	}
	return d.memWorkspaces.Tree(ctx, ws)
}

// TestWorkspaceUnreadable checks a workspace whose manifest is damaged is
// described in plain words to the person, while the parser's reason goes
// to the log for backend support.
func TestWorkspaceUnreadable(t *testing.T) {
	e := newEnv(t)
	var logs bytes.Buffer
	svc := review.New(review.Config{Store: e.db, Workspaces: damagedWorkspaces{e.ws, "w1"}, Files: e.files,
		Policy: airlock.NewPolicy(2, nil), Logger: slog.New(slog.NewTextHandler(&logs, nil))})

	b, err := svc.BrowseWorkspace(e.ctx, alice, "w1", "out/table.csv", airlock.ChildrenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	msg := airlock.ErrorMessage(b.Unavailable)
	if !strings.Contains(msg, "list of files could not be read") || strings.Contains(msg, "invalid character") {
		t.Errorf("Unavailable = %q, want plain words", msg)
	}
	if b.State == nil || b.Tree != nil || b.Items != nil || b.File != nil {
		t.Errorf("an unavailable workspace lists things: %+v", b)
	}
	if err := svc.WorkspaceUnavailable(e.ctx, alice, "w1"); !errors.Is(err, airlock.ErrManifestUnreadable) {
		t.Errorf("WorkspaceUnavailable(w1) = %v", err)
	}
	if !strings.Contains(logs.String(), "invalid character") || !strings.Contains(logs.String(), "workspace=w1") {
		t.Errorf("the reason is not logged:\n%s", logs.String())
	}
	if err := svc.WorkspaceUnavailable(e.ctx, alice, "warch"); err != nil {
		t.Errorf("WorkspaceUnavailable(warch) = %v, want nil", err)
	}
	if err := svc.WorkspaceUnavailable(e.ctx, nm, "w1"); airlock.ErrorCode(err) != airlock.EFORBIDDEN && airlock.ErrorCode(err) != airlock.ENOTFOUND {
		t.Errorf("a non-member learns about w1: %v", err)
	}
}
