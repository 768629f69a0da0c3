package review_test

import (
	"slices"
	"testing"

	"github.com/airlock-project/airlock/airlock"
	"github.com/airlock-project/airlock/review"
)

// kinds returns the kinds of marks, in order.
func kinds(ms []review.Mark) []string {
	var out []string
	for _, m := range ms {
		if m.Text == "" {
			return append(out, "(no text)")
		}
		out = append(out, m.Kind)
	}
	return out
}

// TestFileMarks follows one output file through a review and checks the
// marks each person sees beside it: a checker's own vote, then the
// decision once both reviews are in; the author's status, never a
// reviewer's vote during independent review, and "changes requested"
// rather than "conflicted".
func TestFileMarks(t *testing.T) {
	const table, notes = "out/table.csv", "out/notes.txt"
	type look struct {
		who  *airlock.User
		want []string
	}
	cases := []struct {
		name  string
		setup func(e *env) string
		looks []look
	}{
		{"pending", func(e *env) string { return e.pending(alice) },
			[]look{{alice, []string{review.MarkDraft}}}},
		{"submitted, not voted", func(e *env) string { return e.toStatus(alice, airlock.StatusSubmitted) },
			[]look{{alice, []string{review.MarkReview}}, {chk1, []string{review.MarkUnvoted}}}},
		{"one vote", func(e *env) string {
			id := e.toStatus(alice, airlock.StatusSubmitted)
			e.must(e.svc.Vote(e.ctx, chk1, id, table, airlock.VoteChangesRequested))
			return id
		}, []look{{chk1, []string{review.MarkChanges}}, {chk2, []string{review.MarkUnvoted}}, {alice, []string{review.MarkReview}}}},
		{"one review in: still blind", func(e *env) string { return e.toStatus(alice, airlock.StatusPartiallyReviewed) },
			[]look{{chk1, []string{review.MarkApproved}}, {chk2, []string{review.MarkUnvoted}}}},
		{"both reviews in, agreed", func(e *env) string { return e.toStatus(alice, airlock.StatusReviewed) },
			[]look{{chk1, []string{review.MarkApproved, review.MarkApproved}}, {alice, []string{review.MarkReview}}}},
		{"both reviews in, disagreeing", func(e *env) string {
			id := e.toStatus(alice, airlock.StatusPartiallyReviewed)
			e.reviewAll(chk2, id, airlock.VoteChangesRequested)
			return id
		}, []look{{chk1, []string{review.MarkApproved, review.MarkConflicted}}, {chk2, []string{review.MarkChanges, review.MarkConflicted}}}},
		{"returned after disagreeing", func(e *env) string {
			id := e.toStatus(alice, airlock.StatusPartiallyReviewed)
			e.reviewAll(chk2, id, airlock.VoteChangesRequested)
			e.must(e.svc.Return(e.ctx, chk1, id))
			return id
		}, []look{{alice, []string{review.MarkChanges}}}},
		{"returned early", func(e *env) string {
			id := e.toStatus(alice, airlock.StatusSubmitted)
			e.must(e.svc.Return(e.ctx, chk1, id))
			return id
		}, []look{{alice, []string{review.MarkDraft}}}},
		{"released, uploading", func(e *env) string { return e.toStatus(alice, airlock.StatusApproved) },
			[]look{{alice, []string{review.MarkUploading}}, {chk1, []string{review.MarkApproved, review.MarkApproved, review.MarkUploading}}}},
		{"rejected", func(e *env) string { return e.toStatus(alice, airlock.StatusRejected) },
			[]look{{alice, []string{review.MarkClosed}}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			id := tc.setup(e)
			for _, l := range tc.looks {
				v, err := e.svc.View(e.ctx, l.who, id)
				e.must(err)
				if got := kinds(v.FileMarks(v.Request.File(table))); !slices.Equal(got, l.want) {
					t.Errorf("%s sees %v beside %s, want %v", l.who.Username, got, table, l.want)
				}
				if got := kinds(v.FileMarks(v.Request.File(notes))); !slices.Equal(got, []string{review.MarkSupporting}) {
					t.Errorf("%s sees %v beside the supporting file", l.who.Username, got)
				}
			}
		})
	}
}

// TestGroupMark: a checker sees how many of a group's output files they
// have voted on; everyone else how many files are for release.
func TestGroupMark(t *testing.T) {
	e := newEnv(t)
	id := e.toStatus(alice, airlock.StatusSubmitted)
	e.must(e.svc.Vote(e.ctx, chk1, id, "out/table.csv", airlock.VoteApproved))
	for _, c := range []struct {
		who  *airlock.User
		want review.Mark
	}{
		{chk1, review.Mark{Kind: review.MarkProgress, Text: "1 of 2 voted"}},
		{chk2, review.Mark{Kind: review.MarkProgress, Text: "0 of 2 voted"}},
		{alice, review.Mark{Kind: review.MarkProgress, Text: "2 files for release"}},
	} {
		v, err := e.svc.View(e.ctx, c.who, id)
		e.must(err)
		if got := v.GroupMark(v.Request.Group("tables")); got != c.want {
			t.Errorf("%s: group mark %+v, want %+v", c.who.Username, got, c.want)
		}
	}
	e.must(e.svc.Vote(e.ctx, chk1, id, "out/chart.png", airlock.VoteChangesRequested))
	v, err := e.svc.View(e.ctx, chk1, id)
	e.must(err)
	if got := v.GroupMark(v.Request.Group("tables")); got.Kind != review.MarkDone || got.Text != "2 of 2 voted" {
		t.Errorf("after voting on both: %+v", got)
	}
}

// TestWorkspaceMark: in the workspace tree, a file on the open request
// reads "not yet submitted" until it is, never "under review".
func TestWorkspaceMark(t *testing.T) {
	req := func(s airlock.RequestStatus) *airlock.Request { return &airlock.Request{Status: s} }
	cases := []struct {
		st      airlock.WorkspaceFileStatus
		current *airlock.Request
		kind    string
		text    string
	}{
		{airlock.WorkspaceFileUnderReview, req(airlock.StatusPending), review.MarkDraft, "In your request (not yet submitted)"},
		{airlock.WorkspaceFileUnderReview, req(airlock.StatusReturned), review.MarkDraft, "In your request (returned to you)"},
		{airlock.WorkspaceFileUnderReview, req(airlock.StatusSubmitted), review.MarkReview, "In your request, under review"},
		{airlock.WorkspaceFileUpdated, req(airlock.StatusReturned), review.MarkUpdated, "Changed since added to your request"},
		{airlock.WorkspaceFileWithdrawn, req(airlock.StatusPending), review.MarkWithdrawn, "Withdrawn from your request"},
		{airlock.WorkspaceFileReleased, nil, review.MarkReleased, "Released"},
		{airlock.WorkspaceFileUnreleased, nil, "", ""},
	}
	for _, c := range cases {
		m, ok := review.WorkspaceMark(c.st, c.current)
		if ok != (c.kind != "") || m.Kind != c.kind || m.Text != c.text {
			t.Errorf("%s: got %+v %v, want %q %q", c.st, m, ok, c.kind, c.text)
		}
	}
}

// TestWorkspaceTreeMarks: the tree marks the files of the open request
// where they are listed, also in a folder loaded later.
func TestWorkspaceTreeMarks(t *testing.T) {
	e := newEnv(t)
	e.add(alice, "w1", "tables", airlock.FileOutput, "out/table.csv")
	b, err := e.svc.BrowseWorkspace(e.ctx, alice, "w1", "out/table.csv", airlock.ChildrenOptions{})
	e.must(err)
	lazy, err := e.svc.WorkspaceTree(e.ctx, alice, "w1", "out", airlock.ChildrenOptions{})
	e.must(err)
	for name, nodes := range map[string][]*review.TreeNode{"opened": b.Tree[len(b.Tree)-1].Children, "loaded": lazy} {
		marked := map[string]string{}
		for _, n := range nodes {
			if n.Mark != nil {
				marked[n.Path] = n.Mark.Kind
			}
		}
		if len(marked) != 1 || marked["out/table.csv"] != review.MarkDraft {
			t.Errorf("%s tree: marks %v, want only out/table.csv as draft", name, marked)
		}
	}
}
