package review_test

import (
	"flag"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/airlock-project/airlock/airlock"
	"github.com/airlock-project/airlock/review"
)

// actors are the kinds of person the rules tell apart. "checker-author" is
// an output checker acting on a request they wrote themselves.
var actors = []string{"author", "collaborator", "checker", "checker-author", "copilot", "readonly", "nonmember"}

var tableStatuses = []airlock.RequestStatus{
	airlock.StatusPending, airlock.StatusSubmitted, airlock.StatusPartiallyReviewed, airlock.StatusReviewed,
	airlock.StatusReturned, airlock.StatusApproved, airlock.StatusRejected, airlock.StatusWithdrawn,
}

// actions are every workflow action, each done on the request under test.
var actions = map[string]func(e *env, u *airlock.User, id string) error{
	"submit":   func(e *env, u *airlock.User, id string) error { return e.svc.Submit(e.ctx, u, id) },
	"withdraw": func(e *env, u *airlock.User, id string) error { return e.svc.Withdraw(e.ctx, u, id) },
	"vote": func(e *env, u *airlock.User, id string) error {
		return e.svc.Vote(e.ctx, u, id, "out/table.csv", airlock.VoteApproved)
	},
	"submit-review": func(e *env, u *airlock.User, id string) error {
		for _, p := range []string{"out/table.csv", "out/chart.png"} {
			if err := e.svc.Vote(e.ctx, u, id, p, airlock.VoteApproved); err != nil {
				return err
			}
		}
		return e.svc.SubmitReview(e.ctx, u, id)
	},
	"return":  func(e *env, u *airlock.User, id string) error { return e.svc.Return(e.ctx, u, id) },
	"reject":  func(e *env, u *airlock.User, id string) error { return e.svc.Reject(e.ctx, u, id) },
	"release": func(e *env, u *airlock.User, id string) error { return e.svc.Release(e.ctx, u, id) },
	"comment": func(e *env, u *airlock.User, id string) error {
		return e.svc.Comment(e.ctx, u, id, "tables", "A question about rounding.", airlock.Public)
	},
	"private-comment": func(e *env, u *airlock.User, id string) error {
		return e.svc.Comment(e.ctx, u, id, "tables", "For checkers only.", airlock.Private)
	},
	"edit-group": func(e *env, u *airlock.User, id string) error {
		return e.svc.EditGroup(e.ctx, u, id, "tables", "New context.", "New controls.")
	},
	"withdraw-file": func(e *env, u *airlock.User, id string) error {
		return firstErr(e.svc.WithdrawFiles(e.ctx, u, id, []string{"out/chart.png"}))
	},
	"change-file": func(e *env, u *airlock.User, id string) error {
		return firstErr(e.svc.ChangeFiles(e.ctx, u, id, []review.AddItem{{Path: "out/chart.png", Type: airlock.FileOutput}}, review.GroupChoice{Name: "figures"}))
	},
	"add-file": func(e *env, u *airlock.User, id string) error {
		return firstErr(e.svc.AddFiles(e.ctx, u, "w1", []review.AddItem{{Path: "out/extra.csv", Type: airlock.FileOutput}}, ""))
	},
	"download": func(e *env, u *airlock.User, id string) error {
		rc, _, err := e.svc.OpenRequestFile(e.ctx, u, id, "out/table.csv", true)
		if rc != nil {
			rc.Close()
		}
		return err
	},
	"view": func(e *env, u *airlock.User, id string) error { _, err := e.svc.View(e.ctx, u, id); return err },
}

func firstErr(res []review.FileResult, err error) error {
	if err != nil {
		return err
	}
	for _, r := range res {
		if r.Err != nil {
			return r.Err
		}
	}
	return nil
}

// allowed is the expected table: action → actor → statuses in which the
// action succeeds. Everything not listed must be refused.
var (
	editing     = []airlock.RequestStatus{airlock.StatusPending, airlock.StatusReturned}
	underReview = []airlock.RequestStatus{airlock.StatusSubmitted, airlock.StatusPartiallyReviewed, airlock.StatusReviewed}
	reviewed    = []airlock.RequestStatus{airlock.StatusReviewed}
	noOpen      = []airlock.RequestStatus{airlock.StatusPending, airlock.StatusReturned, airlock.StatusApproved, airlock.StatusRejected, airlock.StatusWithdrawn}
)

var allowed = map[string]map[string][]airlock.RequestStatus{
	"submit":          {"author": editing, "checker-author": editing},
	"withdraw":        {"author": editing, "checker-author": editing},
	"vote":            {"checker": underReview},
	"submit-review":   {"checker": underReview},
	"return":          {"checker": underReview},
	"reject":          {"checker": reviewed},
	"release":         {"checker": reviewed},
	"comment":         {"author": editing, "collaborator": editing, "checker-author": editing, "checker": underReview},
	"private-comment": {"checker": underReview},
	"edit-group":      {"author": editing, "checker-author": editing},
	"withdraw-file":   {"author": editing, "checker-author": editing},
	"change-file":     {"author": editing, "checker-author": editing},
	// Adding works on the actor's own open request, creating one if needed:
	// a collaborator always gets their own; an author is blocked only while
	// their request is under review.
	"add-file": {"author": noOpen, "checker-author": noOpen, "collaborator": tableStatuses},
	"download": {"checker": tableStatuses},
	"view": {"author": tableStatuses, "collaborator": tableStatuses, "checker": tableStatuses,
		"checker-author": tableStatuses, "copilot": tableStatuses, "readonly": tableStatuses},
}

func actorUser(actor string) (user, author *airlock.User) {
	switch actor {
	case "author":
		return alice, alice
	case "collaborator":
		return carol, alice
	case "checker":
		return chk3, alice
	case "checker-author":
		return dana, dana
	case "copilot":
		return cop, alice
	case "readonly":
		return ro, alice
	}
	return nm, alice
}

// TestTransitionTable runs every (status, action, actor) combination
// against a real database and checks it is allowed or refused as the rules
// say; a refusal must carry a coded error and change nothing (D2).
func TestTransitionTable(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	// One template database per (author, status), copied for each case.
	type template struct{ path, id string }
	templates := map[string]template{}
	shared := newEnv(t)
	shared.ws.put("w1", "out/extra.csv", "x,y\n3,4\n")
	for _, author := range []*airlock.User{alice, dana} {
		for _, s := range tableStatuses {
			e := openEnv(t, filepath.Join(t.TempDir(), "t.db"), shared.ws, shared.files)
			id := e.toStatus(author, s)
			path := filepath.Join(dir, fmt.Sprintf("%s-%s.db", author.Username, s))
			e.must(e.db.Backup(e.ctx, path))
			templates[author.Username+"/"+string(s)] = template{path, id}
		}
	}
	actionNames := make([]string, 0, len(actions))
	for name := range actions {
		actionNames = append(actionNames, name)
	}
	slices.Sort(actionNames)
	// Every refusal's code and sentence, checked against the reviewed
	// wording in testdata/refusals.golden once all cases have run.
	var (
		mu       sync.Mutex
		refusals = map[string]string{}
	)
	t.Cleanup(func() { checkRefusals(t, refusals) })
	for _, s := range tableStatuses {
		for _, action := range actionNames {
			for _, actor := range actors {
				t.Run(fmt.Sprintf("%s/%s/%s", s, action, actor), func(t *testing.T) {
					t.Parallel() // each case has its own copy of the database
					user, author := actorUser(actor)
					tpl := templates[author.Username+"/"+string(s)]
					id := tpl.id
					path := filepath.Join(t.TempDir(), "case.db")
					copyFile(t, tpl.path, path)
					e := openEnv(t, path, shared.ws, shared.files)
					before := e.dump()
					err := actions[action](e, user, id)
					want := slices.Contains(allowed[action][actor], s)
					switch {
					case want && err != nil:
						t.Fatalf("refused, want allowed: %v", err)
					case !want && err == nil:
						t.Fatalf("allowed, want refused")
					case !want:
						if c := airlock.ErrorCode(err); c == airlock.EINTERNAL {
							t.Fatalf("refusal is an internal error: %v", err)
						}
						if airlock.ErrorMessage(err) == "" {
							t.Fatalf("refusal has no message")
						}
						if after := e.dump(); after != before {
							t.Fatalf("refused action changed the database")
						}
						mu.Lock()
						refusals[fmt.Sprintf("%s %s %s", s, action, actor)] = airlock.ErrorCode(err) + ": " +
							strings.ReplaceAll(airlock.ErrorMessage(err), id, "<id>")
						mu.Unlock()
					}
				})
			}
		}
	}
}

func copyFile(t *testing.T, src, dst string) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

var update = flag.Bool("update", false, "rewrite testdata/refusals.golden")

// checkRefusals compares the refusals of the transition table, one line
// per (status, action, actor), with testdata/refusals.golden, where every
// sentence the service answers with can be read, and reviewed, at once.
func checkRefusals(t *testing.T, refusals map[string]string) {
	if t.Failed() {
		return
	}
	keys := slices.Sorted(maps.Keys(refusals))
	var b strings.Builder
	b.WriteString("# status action actor: code: message — every refusal of TestTransitionTable (go test -run TestTransitionTable -update)\n")
	for _, k := range keys {
		fmt.Fprintf(&b, "%s: %s\n", k, refusals[k])
	}
	path := filepath.Join("testdata", "refusals.golden")
	if *update {
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := b.String(); got != string(want) {
		gotLines, wantLines := strings.Split(got, "\n"), strings.Split(string(want), "\n")
		for i := range max(len(gotLines), len(wantLines)) {
			g, w := "", ""
			if i < len(gotLines) {
				g = gotLines[i]
			}
			if i < len(wantLines) {
				w = wantLines[i]
			}
			if g != w {
				t.Fatalf("refusals differ from testdata/refusals.golden at line %d:\n got %s\nwant %s", i+1, g, w)
			}
		}
	}
}
