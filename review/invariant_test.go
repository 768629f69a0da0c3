package review_test

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"sync"
	"testing"

	"github.com/airlock-project/airlock/airlock"
	"github.com/airlock-project/airlock/review"
)

// TestRandomInvariants runs random action sequences by random people against
// a real database. After every step: (a) no request is approved unless every
// output file has approvals from the required number of distinct checkers,
// none of them the author, whose reviews were submitted in the final turn;
// (b) a refused action changed nothing; (c) the audit chain verifies; and
// no refusal is an internal error.
func TestRandomInvariants(t *testing.T) {
	t.Parallel()
	sequences, steps := 30, 120
	if testing.Short() || raceEnabled {
		sequences, steps = 8, 100
	}
	people := []*airlock.User{alice, carol, chk1, chk2, chk3, dana, cop, ro, nm}
	paths := []string{"out/table.csv", "out/chart.png", "out/notes.txt", "out/code.exe", "metadata/job.log"}
	groups := []string{"default", "tables", "figures"}
	total, refused, approvedSeen := 0, 0, 0
	okCount := map[string]int{}
	var mu sync.Mutex // guards the counts: the sequences run in parallel
	for seq := range sequences {
		t.Run(fmt.Sprint(seq), func(t *testing.T) {
			t.Parallel()
			rng := rand.New(rand.NewPCG(uint64(seq), 42))
			e := openEnv(t, filepath.Join(t.TempDir(), "r.db"), nil, nil)
			var ids []string
			pick := func(xs []string) string { return xs[rng.IntN(len(xs))] }
			authors := []*airlock.User{alice, carol, dana}
			checkers := []*airlock.User{chk1, chk2, chk3, dana}
			// Mostly plausible people, sometimes anyone: progress and refusals both.
			who := func(likely []*airlock.User) *airlock.User {
				if rng.IntN(5) == 0 {
					return people[rng.IntN(len(people))]
				}
				return likely[rng.IntN(len(likely))]
			}
			for step := range steps {
				u := who(authors)
				id := ""
				if len(ids) > 0 {
					id = ids[rng.IntN(len(ids))]
				}
				var open []string
				for _, x := range ids {
					if e.request(x).Status.IsActive() {
						open = append(open, x)
					}
				}
				if len(open) > 0 && rng.IntN(10) != 0 {
					id = open[rng.IntN(len(open))]
				}
				p, g := pick(paths), pick(groups)
				before := e.dump()
				var (
					err  error
					name string
				)
				n := rng.IntN(18)
				if id != "" && rng.IntN(5) < 3 {
					// The natural next step for the request's status.
					switch e.request(id).Status {
					case airlock.StatusPending, airlock.StatusReturned:
						n = []int{0, 3, 3, 4, 4, 7}[rng.IntN(6)]
					case airlock.StatusSubmitted, airlock.StatusPartiallyReviewed:
						n = []int{17, 17, 17, 5, 9}[rng.IntN(5)]
					case airlock.StatusReviewed:
						n = []int{10, 10, 10, 9, 11, 17}[rng.IntN(6)]
					}
				}
				if n >= 5 && n <= 11 || n == 14 || n == 17 {
					u = who(checkers)
				}
				switch {
				case n < 3 || id == "":
					name = "add"
					ft := airlock.FileOutput
					if rng.IntN(3) == 0 {
						ft = airlock.FileSupporting
					}
					err = firstErr(e.svc.AddFiles(e.ctx, u, "w1", []review.AddItem{{Path: p, Type: ft}}, g))
					if st, serr := e.svc.WorkspaceState(e.ctx, u, "w1"); serr == nil && st.Current != nil && !contains(ids, st.Current.ID) {
						ids = append(ids, st.Current.ID)
					}
				case n == 3:
					name = "describe-groups"
					for _, grp := range groups {
						if err = e.svc.EditGroup(e.ctx, u, id, grp, "context", "controls"); err != nil && airlock.ErrorCode(err) != airlock.ENOTFOUND {
							break
						}
						err = nil
					}
				case n == 17:
					name, err = "review-all", reviewAll(e, u, id, rng.IntN(8) != 0)
				case n == 4:
					name, err = "submit", e.svc.Submit(e.ctx, u, id)
				case n == 5 || n == 6:
					v := airlock.VoteApproved
					if rng.IntN(3) == 0 {
						v = airlock.VoteChangesRequested
					}
					name, err = "vote", e.svc.Vote(e.ctx, u, id, p, v)
				case n == 7:
					vis := airlock.Public
					if rng.IntN(2) == 0 {
						vis = airlock.Private
					}
					name, err = "comment", e.svc.Comment(e.ctx, u, id, g, "remark", vis)
				case n == 8:
					name, err = "submit-review", e.svc.SubmitReview(e.ctx, u, id)
				case n == 9:
					name, err = "return", e.svc.Return(e.ctx, u, id)
				case n == 10:
					name, err = "release", e.svc.Release(e.ctx, u, id)
				case n == 11:
					name, err = "reject", e.svc.Reject(e.ctx, u, id)
				case n == 12:
					name, err = "withdraw-file", firstErr(e.svc.WithdrawFiles(e.ctx, u, id, []string{p}))
				case n == 13:
					name, err = "change-file", firstErr(e.svc.ChangeFiles(e.ctx, u, id, []review.AddItem{{Path: p, Type: airlock.FileOutput}}, review.GroupChoice{Name: g}))
				case n == 14:
					name, err = "reset-vote", e.svc.ResetVote(e.ctx, u, id, p)
				default:
					if rng.IntN(4) == 0 {
						name, err = "withdraw", e.svc.Withdraw(e.ctx, u, id)
					} else {
						_, err = e.svc.RequestChangesGroup(e.ctx, u, id, g)
						name = "request-changes-group"
					}
				}
				mu.Lock()
				total++
				if err == nil {
					okCount[name]++
				} else {
					refused++
				}
				mu.Unlock()
				if err != nil {
					if airlock.ErrorCode(err) == airlock.EINTERNAL {
						t.Fatalf("step %d: %s by %s: internal error: %v", step, name, u.Username, err)
					}
					// Compound steps are several actions; each part is also drawn singly.
					compound := name == "review-all" || name == "describe-groups"
					if !compound && e.dump() != before {
						t.Fatalf("step %d: refused %s by %s changed the database (%v)", step, name, u.Username, err)
					}
				}
				approved := checkApprovals(t, e, ids, step, name)
				mu.Lock()
				approvedSeen += approved
				mu.Unlock()
				if _, err := e.db.VerifyAudit(e.ctx); err != nil {
					t.Fatalf("step %d: %v", step, err)
				}
			}
		})
	}
	// The sequences run after this function returns; the totals are
	// checked once they all have.
	t.Cleanup(func() {
		t.Logf("%d random actions, %d refused, %d requests approved; successes by action: %v", total, refused, approvedSeen, okCount)
		if !testing.Short() && !raceEnabled && approvedSeen == 0 {
			t.Error("no random sequence reached approval; the walk does not exercise the release invariant")
		}
		if !testing.Short() && !raceEnabled && (okCount["release"] == 0 || okCount["return"] == 0 || okCount["submit"] == 0) {
			t.Errorf("the walk missed a key action: %v", okCount)
		}
	})
}

// reviewAll votes on every output file (approving, or mostly requesting
// changes with a comment) and submits the review, stopping at the first refusal.
func reviewAll(e *env, u *airlock.User, id string, approve bool) error {
	var r *airlock.Request
	if err := e.db.View(e.ctx, func(tx airlock.Tx) error { var err error; r, err = tx.Request(id); return err }); err != nil {
		return err
	}
	for _, g := range r.Groups {
		for _, f := range g.OutputFiles() {
			v := airlock.VoteApproved
			if !approve {
				v = airlock.VoteChangesRequested
			}
			if err := e.svc.Vote(e.ctx, u, id, f.Path, v); err != nil {
				return err
			}
		}
		if !approve && len(g.OutputFiles()) > 0 {
			if err := e.svc.Comment(e.ctx, u, id, g.Name, "please fix", airlock.Public); err != nil {
				return err
			}
		}
	}
	return e.svc.SubmitReview(e.ctx, u, id)
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if x == y {
			return true
		}
	}
	return false
}

func checkApprovals(t *testing.T, e *env, ids []string, step int, action string) (approved int) {
	t.Helper()
	for _, id := range ids {
		r := e.request(id)
		if r.Status != airlock.StatusApproved && r.Status != airlock.StatusReleased {
			continue
		}
		approved++
		if len(r.OutputFiles()) == 0 {
			t.Fatalf("step %d (%s): request %s approved with no output files", step, action, id)
		}
		for _, f := range r.OutputFiles() {
			approvers := 0
			for reviewer, v := range f.Votes {
				if v.Vote == airlock.VoteApproved && reviewer != r.Author && r.HasSubmittedReview(reviewer) {
					approvers++
				}
			}
			if approvers < 2 {
				t.Fatalf("step %d (%s): %s approved with %d qualifying approvals of %s", step, action, id, approvers, f.Path)
			}
			if f.ReleasedAt == nil {
				t.Fatalf("step %d (%s): output %s of approved request not marked released", step, action, f.Path)
			}
		}
	}
	return approved
}
