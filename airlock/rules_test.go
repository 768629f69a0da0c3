package airlock_test

import (
	"strings"
	"testing"
	"time"

	"github.com/airlock-project/airlock/airlock"
)

func votes(vs ...string) map[string]*airlock.FileVote {
	m := map[string]*airlock.FileVote{}
	for i, v := range vs {
		r := string(rune('a' + i))
		m[r] = &airlock.FileVote{Reviewer: r, Vote: airlock.Vote(v)}
	}
	return m
}

func TestDecide(t *testing.T) {
	const A, CR, U = "APPROVED", "CHANGES_REQUESTED", "UNDECIDED"
	all := []string{"a", "b", "c"}
	for _, tc := range []struct {
		name    string
		votes   map[string]*airlock.FileVote
		counted []string
		want    airlock.Decision
	}{
		{"no votes", votes(), all, airlock.DecisionIncomplete},
		{"one vote", votes(A), all, airlock.DecisionIncomplete},
		{"two approvals", votes(A, A), all, airlock.DecisionApproved},
		{"two change requests", votes(CR, CR), all, airlock.DecisionChangesRequested},
		{"split", votes(A, CR), all, airlock.DecisionConflicted},
		{"undecided is a distinct value", votes(CR, U), all, airlock.DecisionConflicted},
		{"third reviewer unblocks", votes(A, CR, A), all, airlock.DecisionApproved},
		{"uncounted votes do not count", votes(A, A), []string{"a"}, airlock.DecisionIncomplete},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := airlock.Decide(tc.votes, tc.counted, 2); got != tc.want {
				t.Fatalf("Decide = %s, want %s", got, tc.want)
			}
		})
	}
	if got := airlock.Decide(votes(A, A), all, 3); got != airlock.DecisionIncomplete {
		t.Fatalf("with three required, two approvals = %s", got)
	}
}

func TestTransitions(t *testing.T) {
	allowed := map[[2]airlock.RequestStatus]bool{}
	for _, p := range [][2]airlock.RequestStatus{
		{airlock.StatusPending, airlock.StatusSubmitted}, {airlock.StatusPending, airlock.StatusWithdrawn},
		{airlock.StatusSubmitted, airlock.StatusPartiallyReviewed}, {airlock.StatusSubmitted, airlock.StatusReturned},
		{airlock.StatusPartiallyReviewed, airlock.StatusReviewed}, {airlock.StatusPartiallyReviewed, airlock.StatusReturned},
		{airlock.StatusReviewed, airlock.StatusReturned}, {airlock.StatusReviewed, airlock.StatusRejected},
		{airlock.StatusReviewed, airlock.StatusApproved}, {airlock.StatusReturned, airlock.StatusSubmitted},
		{airlock.StatusReturned, airlock.StatusWithdrawn}, {airlock.StatusApproved, airlock.StatusReleased},
	} {
		allowed[p] = true
	}
	for _, from := range airlock.AllStatuses {
		for _, to := range airlock.AllStatuses {
			if got := airlock.CanTransition(from, to); got != allowed[[2]airlock.RequestStatus{from, to}] {
				t.Errorf("CanTransition(%s, %s) = %v", from, to, got)
			}
		}
	}
}

func TestCanSee(t *testing.T) {
	author := &airlock.User{Username: "alice", Workspaces: map[string]airlock.WorkspaceAccess{"w": {}}}
	checker := &airlock.User{Username: "chk", OutputChecker: true}
	other := &airlock.User{Username: "chk2", OutputChecker: true}
	for _, tc := range []struct {
		name   string
		status airlock.RequestStatus
		turn   int
		viewer *airlock.User
		item   airlock.Item
		want   bool
	}{
		{"own item always", airlock.StatusSubmitted, 1, checker, airlock.Item{Author: "chk", Turn: 1, Visibility: airlock.Private}, true},
		{"hidden never", airlock.StatusSubmitted, 1, checker, airlock.Item{Author: "chk", Turn: 1, Hidden: true}, false},
		{"independent: other checker's public blinded", airlock.StatusSubmitted, 1, checker, airlock.Item{Author: "chk2", Turn: 1, Visibility: airlock.Public}, false},
		{"independent: author sees nothing of the turn", airlock.StatusPartiallyReviewed, 1, author, airlock.Item{Author: "chk2", Turn: 1, Visibility: airlock.Public}, false},
		{"consolidating: checker sees private", airlock.StatusReviewed, 1, checker, airlock.Item{Author: "chk2", Turn: 1, Visibility: airlock.Private}, true},
		{"consolidating: author sees no public yet", airlock.StatusReviewed, 1, author, airlock.Item{Author: "chk2", Turn: 1, Visibility: airlock.Public}, false},
		{"returned: author sees earlier public", airlock.StatusReturned, 2, author, airlock.Item{Author: "chk2", Turn: 1, Visibility: airlock.Public}, true},
		{"returned: author never sees private", airlock.StatusReturned, 2, author, airlock.Item{Author: "chk2", Turn: 1, Visibility: airlock.Private}, false},
		{"author turn: checker does not see author's new comment", airlock.StatusReturned, 2, checker, airlock.Item{Author: "alice", Turn: 2, Visibility: airlock.Public}, false},
		{"complete: author sees public", airlock.StatusRejected, 3, author, airlock.Item{Author: "chk2", Turn: 3, Visibility: airlock.Public}, true},
		{"complete: checker sees private", airlock.StatusRejected, 3, other, airlock.Item{Author: "chk", Turn: 3, Visibility: airlock.Private}, true},
		{"checker who is the author is treated as a researcher", airlock.StatusReviewed, 1,
			&airlock.User{Username: "alice", OutputChecker: true}, airlock.Item{Author: "chk2", Turn: 1, Visibility: airlock.Private}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := &airlock.Request{Author: "alice", Status: tc.status, ReviewTurn: tc.turn}
			if got := r.CanSee(tc.viewer, tc.item); got != tc.want {
				t.Fatalf("CanSee = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestFileStatusFor(t *testing.T) {
	req := &airlock.Request{Groups: []*airlock.FileGroup{{Name: "g", Files: []*airlock.RequestFile{
		{Path: "a.csv", FileID: "h1", Type: airlock.FileOutput},
		{Path: "w.csv", FileID: "h2", Type: airlock.FileWithdrawn},
	}}}}
	released := map[string]bool{"hr": true}
	for _, tc := range []struct {
		path, hash string
		valid      bool
		current    *airlock.Request
		want       airlock.WorkspaceFileStatus
	}{
		{"x.csv", "h", false, req, airlock.WorkspaceFileInvalid},
		{"a.csv", "hr", true, req, airlock.WorkspaceFileReleased},
		{"w.csv", "changed", true, req, airlock.WorkspaceFileWithdrawn},
		{"a.csv", "h1", true, req, airlock.WorkspaceFileUnderReview},
		{"a.csv", "new", true, req, airlock.WorkspaceFileUpdated},
		{"b.csv", "h3", true, req, airlock.WorkspaceFileUnreleased},
		{"a.csv", "h1", true, nil, airlock.WorkspaceFileUnreleased},
	} {
		if got := airlock.FileStatusFor(tc.path, tc.valid, tc.hash, released, tc.current); got != tc.want {
			t.Errorf("FileStatusFor(%s, %s) = %s, want %s", tc.path, tc.hash, got, tc.want)
		}
	}
}

func TestCheckAddable(t *testing.T) {
	req := &airlock.Request{Groups: []*airlock.FileGroup{{Name: "tables", Files: []*airlock.RequestFile{
		{Path: "a.csv", Group: "tables", FileID: "h1", Type: airlock.FileOutput},
		{Path: "s.csv", Group: "tables", FileID: "hr", Type: airlock.FileSupporting},
		{Path: "w.csv", FileID: "h2", Type: airlock.FileWithdrawn},
	}}}}
	released := map[string]bool{"hr": true}
	types := airlock.NewFileTypePolicy([]string{".csv", ".txt"})
	output := func(p, hash string) airlock.WorkspaceFile {
		return airlock.WorkspaceFile{Path: p, ContentHash: hash, InManifest: true}
	}
	for _, tc := range []struct {
		name    string
		file    airlock.WorkspaceFile
		current *airlock.Request
		code    string // of CheckAddable
		says    string
		output  string // code of CheckAddAs for an output
	}{
		{"OK", output("b.csv", "h3"), req, "", "", ""},
		{"OKNoRequest", output("a.csv", "h1"), nil, "", "", ""},
		{"OKWithdrawnAgain", output("w.csv", "h9"), req, "", "", ""},
		{"ReleasedSupportingOnly", output("r.csv", "hr"), req, "", "", airlock.EINVALID},
		{"ErrNotAnOutput", airlock.WorkspaceFile{Path: "metadata/job.log"}, req, airlock.EINVALID, "not an output of a job", ""},
		{"ErrFileType", output("model.exe", "h4"), req, airlock.EINVALID, "not a file type", ""},
		{"ErrName", output(`a\b.csv`, "h5"), req, airlock.EINVALID, "backslash", ""},
		{"ErrOnRequest", output("a.csv", "h1"), req, airlock.ECONFLICT, `in file group "tables"`, ""},
		{"ErrReleasedOnRequest", output("s.csv", "hr"), req, airlock.ECONFLICT, "already on your request", airlock.EINVALID},
		{"ErrUpdated", output("a.csv", "new"), req, airlock.ECONFLICT, "update it there instead", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := airlock.FileStatusFor(tc.file.Path, true, tc.file.ContentHash, released, tc.current)
			err := airlock.CheckAddable(tc.file, st, tc.current, types)
			if airlock.ErrorCode(err) != tc.code || !strings.Contains(airlock.ErrorMessage(err), tc.says) {
				t.Errorf("CheckAddable = %v, want code %q saying %q", err, tc.code, tc.says)
			}
			if err := airlock.CheckAddAs(tc.file, st, airlock.FileOutput); airlock.ErrorCode(err) != tc.output {
				t.Errorf("CheckAddAs(output) = %v, want code %q", err, tc.output)
			}
			if err := airlock.CheckAddAs(tc.file, st, airlock.FileSupporting); err != nil {
				t.Errorf("CheckAddAs(supporting) = %v", err)
			}
		})
	}
}

func TestPolicyFloor(t *testing.T) {
	if got := airlock.NewPolicy(1, nil).RequiredReviews; got != 2 {
		t.Fatalf("RequiredReviews = %d, want the floor of 2", got)
	}
	p := airlock.NewPolicy(3, nil)
	for name, want := range map[string]bool{"a.csv": true, "b.XLSX": true, ".hidden.csv": false, "x.exe": false, "noext": false, "d/e.md": true} {
		if got := p.FileTypes.Allowed(name); got != want {
			t.Errorf("Allowed(%q) = %v", name, got)
		}
	}
}

func TestValidateGroupName(t *testing.T) {
	for in, want := range map[string]string{"Tables": "tables", " figs ": "figs", "": "", "a/b": "", "x\x00": "", "caf\xe9": "", "caf\uFFFD": ""} {
		got, err := airlock.ValidateGroupName(in)
		if (err != nil) != (want == "") || got != want {
			t.Errorf("ValidateGroupName(%q) = %q, %v", in, got, err)
		}
	}
}

func TestULID(t *testing.T) {
	a := airlock.NewULID(time.UnixMilli(1000))
	b := airlock.NewULID(time.UnixMilli(2000))
	if len(a) != 26 || a >= b {
		t.Fatalf("ULIDs %s, %s: want 26 characters, sorted by time", a, b)
	}
	if airlock.ShortID(a) != a[:3]+"…"+a[20:] {
		t.Fatalf("ShortID = %s", airlock.ShortID(a))
	}
}
