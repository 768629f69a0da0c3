package airlock_test

import (
	"strings"
	"testing"
	"time"

	"github.com/airlock-project/airlock/airlock"
)

// wordingRequest is a request by alice in workspace w in status s, with two
// output files in group "tables". Partly reviewed it has one review in;
// reviewed, two, with b.csv approved by only one of them.
func wordingRequest(s airlock.RequestStatus) *airlock.Request {
	r := &airlock.Request{ID: "r", Workspace: "w", Author: "alice", Status: s, SubmittedReviews: map[string]time.Time{}}
	a := &airlock.RequestFile{Path: "a.csv", Group: "tables", Type: airlock.FileOutput, Votes: map[string]*airlock.FileVote{}}
	b := &airlock.RequestFile{Path: "b.csv", Group: "tables", Type: airlock.FileOutput, Votes: map[string]*airlock.FileVote{}}
	r.Groups = []*airlock.FileGroup{{Name: "tables", Context: "Counts.", Controls: "Rounded.", Files: []*airlock.RequestFile{a, b}}}
	switch s {
	case airlock.StatusPartiallyReviewed:
		r.SubmittedReviews["r1"] = time.Time{}
	case airlock.StatusReviewed:
		r.SubmittedReviews["r1"], r.SubmittedReviews["r2"] = time.Time{}, time.Time{}
		a.Votes["r1"] = &airlock.FileVote{Reviewer: "r1", Vote: airlock.VoteApproved}
		a.Votes["r2"] = &airlock.FileVote{Reviewer: "r2", Vote: airlock.VoteApproved}
		b.Votes["r1"] = &airlock.FileVote{Reviewer: "r1", Vote: airlock.VoteApproved}
		b.Votes["r2"] = &airlock.FileVote{Reviewer: "r2", Vote: airlock.VoteChangesRequested}
	}
	return r
}

var (
	wAuthor  = &airlock.User{Username: "alice", Workspaces: map[string]airlock.WorkspaceAccess{"w": {}}}
	wMember  = &airlock.User{Username: "carol", Workspaces: map[string]airlock.WorkspaceAccess{"w": {}}}
	wChecker = &airlock.User{Username: "chk", OutputChecker: true}
	// wSelf is an output checker who wrote the request.
	wSelf    = &airlock.User{Username: "alice", OutputChecker: true, Workspaces: map[string]airlock.WorkspaceAccess{"w": {}}}
	wCopilot = &airlock.User{Username: "cop", CopilotedWorkspaces: map[string]airlock.WorkspaceAccess{"w": {}}}
)

// TestTransitionWording walks the whole transition table, every status to
// every status, as the person who may make that change (the author for
// submit and withdraw, an output checker for the rest), and checks the
// exact sentence of each refusal. None is assembled from status labels.
func TestTransitionWording(t *testing.T) {
	const (
		pendingForever = "A request is pending only until it is first submitted; it never goes back to pending."
		releasedItself = "A request is released by itself once every file has arrived at the jobs site."
		alreadyIn      = "This request has already been submitted and is being reviewed. If it is returned to you, you can change it and submit it again."
		noWithdraw     = "A request cannot be withdrawn while it is being reviewed. If it is returned to you, you can withdraw it then."
		notSubmitted   = "This request has not been submitted for review yet."
		returnedReview = "This request has been returned to its author. You can review it again once it is resubmitted."
		approved       = "This request has been approved and its files are being sent to the jobs site"
	)
	type P = airlock.RequestStatus
	const (
		PEN, SUB, PAR, REV = airlock.StatusPending, airlock.StatusSubmitted, airlock.StatusPartiallyReviewed, airlock.StatusReviewed
		RET, APP, REL      = airlock.StatusReturned, airlock.StatusApproved, airlock.StatusReleased
		REJ, WIT           = airlock.StatusRejected, airlock.StatusWithdrawn
	)
	want := map[[2]P]string{
		{PEN, PEN}: pendingForever,
		{PEN, SUB}: "",
		{PEN, PAR}: notSubmitted,
		{PEN, REV}: notSubmitted,
		{PEN, RET}: "This request has not been submitted for review yet, so there is nothing to return.",
		{PEN, APP}: "Release is available once the request has been submitted, both reviews are in and every output file is approved.",
		{PEN, REL}: releasedItself,
		{PEN, REJ}: "Reject is available once the request has been submitted and both reviews are in.",
		{PEN, WIT}: "",

		{SUB, PEN}: pendingForever,
		{SUB, SUB}: alreadyIn,
		{SUB, PAR}: "",
		{SUB, REV}: "A request moves on by itself as output checkers submit their reviews (0 of 2 so far).",
		{SUB, RET}: "",
		{SUB, APP}: "Release is available once both reviews are in (0 of 2 so far) and every output file is approved.",
		{SUB, REL}: releasedItself,
		{SUB, REJ}: "Reject is available once both reviews are in (0 of 2 so far).",
		{SUB, WIT}: noWithdraw,

		{PAR, PEN}: pendingForever,
		{PAR, SUB}: alreadyIn,
		{PAR, PAR}: "A request moves on by itself as output checkers submit their reviews (1 of 2 so far).",
		{PAR, REV}: "",
		{PAR, RET}: "",
		{PAR, APP}: "Release is available once both reviews are in (1 of 2 so far) and every output file is approved.",
		{PAR, REL}: releasedItself,
		{PAR, REJ}: "Reject is available once both reviews are in (1 of 2 so far).",
		{PAR, WIT}: noWithdraw,

		{REV, PEN}: pendingForever,
		{REV, SUB}: alreadyIn,
		{REV, PAR}: "A request moves on by itself as output checkers submit their reviews (2 of 2 so far).",
		{REV, REV}: "A request moves on by itself as output checkers submit their reviews (2 of 2 so far).",
		{REV, RET}: "",
		{REV, APP}: "Release is available once both reviewers have approved every output file; 1 of 2 files is not approved yet.",
		{REV, REL}: releasedItself,
		{REV, REJ}: "",
		{REV, WIT}: noWithdraw,

		{RET, PEN}: pendingForever,
		{RET, SUB}: "",
		{RET, PAR}: returnedReview,
		{RET, REV}: returnedReview,
		{RET, RET}: "This request has already been returned to its author.",
		{RET, APP}: "Release is available once the author has resubmitted the request, both reviews are in and every output file is approved.",
		{RET, REL}: releasedItself,
		{RET, REJ}: "Reject is available once the author has resubmitted the request and both reviews are in.",
		{RET, WIT}: "",

		{APP, PEN}: pendingForever,
		{APP, SUB}: approved + ", so it cannot be submitted again.",
		{APP, PAR}: approved + ", so it can no longer be reviewed.",
		{APP, REV}: approved + ", so it can no longer be reviewed.",
		{APP, RET}: approved + ", so it can no longer be returned.",
		{APP, APP}: "This request has already been released; its files are being sent to the jobs site.",
		{APP, REL}: releasedItself,
		{APP, REJ}: approved + ", so it can no longer be rejected.",
		{APP, WIT}: approved + ", so it can no longer be withdrawn.",
	}
	for _, end := range []struct {
		s    P
		past string
	}{{REL, "released"}, {REJ, "rejected"}, {WIT, "withdrawn"}} {
		done := "This request has been " + end.past
		want[[2]P{end.s, PEN}] = pendingForever
		want[[2]P{end.s, SUB}] = done + ", so it cannot be submitted again."
		want[[2]P{end.s, PAR}] = done + ", so it can no longer be reviewed."
		want[[2]P{end.s, REV}] = done + ", so it can no longer be reviewed."
		want[[2]P{end.s, RET}] = done + ", so it can no longer be returned."
		want[[2]P{end.s, APP}] = done + ", so none of its files can be released."
		want[[2]P{end.s, REL}] = releasedItself
		want[[2]P{end.s, REJ}] = done + ", so it can no longer be rejected."
		want[[2]P{end.s, WIT}] = done + ", so it can no longer be withdrawn."
	}
	want[[2]P{REL, APP}] = "This request has already been released."
	want[[2]P{REJ, REJ}] = "This request has already been rejected."
	want[[2]P{WIT, WIT}] = "This request has already been withdrawn."

	for _, from := range airlock.AllStatuses {
		for _, to := range airlock.AllStatuses {
			w, ok := want[[2]P{from, to}]
			if !ok {
				t.Fatalf("no wording for %s → %s", from, to)
			}
			u := wChecker
			if to == SUB || to == WIT {
				u = wAuthor
			}
			err := wordingRequest(from).CheckTransition(u, to, 2)
			if got := airlock.ErrorMessage(err); got != w {
				t.Errorf("%s → %s:\n got %q\nwant %q", from, to, got, w)
			}
			if err != nil && airlock.ErrorCode(err) != airlock.ESTATE {
				t.Errorf("%s → %s: code %s, want %s", from, to, airlock.ErrorCode(err), airlock.ESTATE)
			}
		}
	}
}

// TestRoleWording: someone who may never take an action on this request
// is told so (403), whatever its status, in a sentence about that action.
func TestRoleWording(t *testing.T) {
	for _, tc := range []struct {
		who  *airlock.User
		to   airlock.RequestStatus
		want string
	}{
		{wMember, airlock.StatusSubmitted, "Only the author of this request can submit it."},
		{wChecker, airlock.StatusWithdrawn, "Only the author of this request can withdraw it."},
		{wSelf, airlock.StatusReturned, "You cannot return your own request; another output checker has to."},
		{wSelf, airlock.StatusRejected, "You cannot reject your own request; another output checker has to."},
		{wSelf, airlock.StatusApproved, "You cannot release files from your own request; another output checker has to."},
		{wSelf, airlock.StatusReviewed, "You cannot review your own request."},
		{wMember, airlock.StatusReturned, "Only output checkers can return a request to its author."},
		{wAuthor, airlock.StatusRejected, "Only output checkers can reject a request."},
		{wCopilot, airlock.StatusApproved, "Only output checkers can release files."},
		{wMember, airlock.StatusPartiallyReviewed, "Only output checkers can review files."},
	} {
		for _, s := range airlock.AllStatuses {
			err := wordingRequest(s).CheckTransition(tc.who, tc.to, 2)
			if got := airlock.ErrorMessage(err); got != tc.want || airlock.ErrorCode(err) != airlock.EFORBIDDEN {
				t.Errorf("%s → %s by %s: %s %q, want 403 %q", s, tc.to, tc.who.Username, airlock.ErrorCode(err), got, tc.want)
			}
		}
	}
}

// TestEditCommentVoteWording checks the refusals of editing, commenting
// and voting in every status where they are refused, for each person.
func TestEditCommentVoteWording(t *testing.T) {
	const (
		beingReviewed = "This request is being reviewed, so it cannot be changed. If it is returned to you, you can change it then."
		notSubmitted  = "This request has not been submitted for review yet."
		returned      = "This request has been returned to its author. You can review it again once it is resubmitted."
		membersWait   = "This request is being reviewed. Its author and collaborators can comment again if it is returned."
		viewOnly      = "You can view this request but not comment on it."
	)
	ended := map[airlock.RequestStatus]string{
		airlock.StatusApproved:  "This request has been approved and its files are being sent to the jobs site",
		airlock.StatusReleased:  "This request has been released",
		airlock.StatusRejected:  "This request has been rejected",
		airlock.StatusWithdrawn: "This request has been withdrawn",
	}
	under := []airlock.RequestStatus{airlock.StatusSubmitted, airlock.StatusPartiallyReviewed, airlock.StatusReviewed}
	type check struct {
		name string
		fn   func(*airlock.Request) error
		want map[airlock.RequestStatus]string // "" or missing: allowed
	}
	checks := []check{
		{"author edits", func(r *airlock.Request) error { return r.CheckCanEdit(wAuthor) }, map[airlock.RequestStatus]string{}},
		{"checker votes", func(r *airlock.Request) error { return r.CheckCanVote(wChecker) }, map[airlock.RequestStatus]string{
			airlock.StatusPending: notSubmitted, airlock.StatusReturned: returned}},
		{"checker comments", func(r *airlock.Request) error { return r.CheckCanComment(wChecker) }, map[airlock.RequestStatus]string{
			airlock.StatusPending:  "Output checkers can comment once the request has been submitted for review.",
			airlock.StatusReturned: "This request has been returned to its author. Output checkers can comment again once it is resubmitted."}},
		{"member comments", func(r *airlock.Request) error { return r.CheckCanComment(wMember) }, map[airlock.RequestStatus]string{}},
		{"copilot comments", func(r *airlock.Request) error { return r.CheckCanComment(wCopilot) }, map[airlock.RequestStatus]string{}},
		{"member edits", func(r *airlock.Request) error { return r.CheckCanEdit(wMember) }, map[airlock.RequestStatus]string{}},
	}
	for _, s := range under {
		checks[0].want[s] = beingReviewed
		checks[3].want[s] = membersWait
	}
	for s, done := range ended {
		checks[0].want[s] = done + ", so it can no longer be changed."
		checks[1].want[s] = done + ", so it can no longer be reviewed."
		checks[2].want[s] = done + ", so comments are closed."
		checks[3].want[s] = done + ", so comments are closed."
	}
	for _, s := range airlock.AllStatuses {
		checks[4].want[s] = viewOnly
		checks[5].want[s] = "Only the author of this request can change it."
	}
	for _, c := range checks {
		for _, s := range airlock.AllStatuses {
			got := airlock.ErrorMessage(c.fn(wordingRequest(s)))
			if got != c.want[s] {
				t.Errorf("%s, %s:\n got %q\nwant %q", c.name, s, got, c.want[s])
			}
		}
	}
}

// TestWordingReadsAsWritten: no refusal of any action in any status, for
// anyone, is built from status labels ("a request that is one review
// submitted…") or carries a wrong article.
func TestWordingReadsAsWritten(t *testing.T) {
	// The labels of more than one word read badly inside a sentence.
	var labels []string
	for _, s := range airlock.AllStatuses {
		if l := strings.ToLower(s.Label()); strings.Contains(l, " ") {
			labels = append(labels, l)
		}
	}
	people := []*airlock.User{wAuthor, wMember, wChecker, wSelf, wCopilot}
	for _, s := range airlock.AllStatuses {
		r := wordingRequest(s)
		var errs []error
		for _, u := range people {
			for _, to := range airlock.AllStatuses {
				errs = append(errs, r.CheckTransition(u, to, 2), r.CheckTransition(u, to, 3))
			}
			errs = append(errs, r.CheckCanEdit(u), r.CheckCanVote(u), r.CheckCanComment(u), r.CheckCanSubmit(u, 2),
				r.CheckCanSubmitReview(u), r.CheckCanReturn(u, 2))
		}
		for _, err := range errs {
			if err == nil {
				continue
			}
			msg := airlock.ErrorMessage(err)
			for _, l := range labels {
				if strings.Contains(strings.ToLower(msg), l) || strings.Contains(msg, "cannot become") {
					t.Errorf("%s: %q is assembled from the status label %q", s, msg, l)
				}
			}
			if strings.Contains(msg, " a output") || !strings.HasSuffix(msg, ".") || msg[0] < 'A' || msg[0] > 'Z' {
				t.Errorf("%s: %q is not a sentence", s, msg)
			}
		}
	}
}

func TestMoreReviewsWording(t *testing.T) {
	r := wordingRequest(airlock.StatusPartiallyReviewed)
	if got := airlock.ErrorMessage(r.CheckTransition(wChecker, airlock.StatusRejected, 3)); got != "Reject is available once all 3 reviews are in (1 of 3 so far)." {
		t.Errorf("with three reviews required: %q", got)
	}
}

// TestBothAuthoringReasons: a workspace that is archived and whose project
// is inactive gives both reasons (reference §2).
func TestBothAuthoringReasons(t *testing.T) {
	no, yes := false, true
	for _, tc := range []struct {
		archived bool
		ongoing  *bool
		want     string
	}{
		{true, &no, `Workspace "w" has been archived and its project is no longer active, so requests in it can no longer be started or changed.`},
		{true, &yes, `Workspace "w" has been archived, so requests in it can no longer be started or changed.`},
		{false, &no, `Workspace "w" belongs to a project that is no longer active, so requests in it can no longer be started or changed.`},
		{false, nil, ""},
	} {
		u := &airlock.User{Username: "alice", Workspaces: map[string]airlock.WorkspaceAccess{
			"w": {ProjectDetails: airlock.ProjectDetails{Ongoing: tc.ongoing}, Archived: tc.archived}}}
		if got := airlock.ErrorMessage(airlock.CheckCanAuthor(u, "w")); got != tc.want {
			t.Errorf("archived=%v ongoing=%v: %q, want %q", tc.archived, tc.ongoing, got, tc.want)
		}
	}
}
