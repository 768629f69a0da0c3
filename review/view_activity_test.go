package review_test

import (
	"reflect"
	"testing"

	"github.com/airlock-project/airlock/airlock"
)

// ViewWithActivity, which request pages use to load a request once, is
// exactly View and Activity, for every kind of viewer (private comments
// and votes included) and for the whole request or one group; a viewer
// who may not see the request gets View's refusal.
func TestViewWithActivityIsViewAndActivity(t *testing.T) {
	e := newEnv(t)
	id := e.toStatus(alice, airlock.StatusPartiallyReviewed)
	e.must(e.svc.Comment(e.ctx, chk2, id, "tables", "Checkers only: is 7 the threshold?", airlock.Private))
	e.must(e.svc.Vote(e.ctx, chk2, id, "out/table.csv", airlock.VoteChangesRequested))
	for _, u := range []*airlock.User{alice, carol, chk1, chk2, chk3, dana, cop, ro, nm} {
		for _, group := range []string{"", "tables", "no-such-group"} {
			wantView, viewErr := e.svc.View(e.ctx, u, id)
			wantEvents, actErr := e.svc.Activity(e.ctx, u, id, group)
			gotView, gotEvents, err := e.svc.ViewWithActivity(e.ctx, u, id, group)
			if viewErr != nil || actErr != nil {
				if err == nil || airlock.ErrorCode(err) != airlock.ErrorCode(viewErr) {
					t.Errorf("%s, group %q: got %v, want View's %v (Activity's %v)", u.Username, group, err, viewErr, actErr)
				}
				continue
			}
			if err != nil {
				t.Fatalf("%s, group %q: %v", u.Username, group, err)
			}
			if !reflect.DeepEqual(gotView, wantView) {
				t.Errorf("%s, group %q: the view differs from View's", u.Username, group)
			}
			if !reflect.DeepEqual(gotEvents, wantEvents) {
				t.Errorf("%s, group %q: %d events, Activity gives %d", u.Username, group, len(gotEvents), len(wantEvents))
			}
		}
	}
}

// RequestOutline, which a workspace's pages read of their viewer's open
// request, is Request with only the path, group, type and content hash of
// each file, and no votes, file versions or comments.
func TestRequestOutlineIsRequestWithoutReviews(t *testing.T) {
	e := newEnv(t)
	id := e.toStatus(alice, airlock.StatusPartiallyReviewed)
	e.must(e.svc.Comment(e.ctx, chk2, id, "tables", "Is 7 the threshold?", airlock.Private))
	e.must(e.db.View(e.ctx, func(tx airlock.Tx) error {
		whole, err := tx.Request(id)
		if err != nil {
			return err
		}
		outline, err := tx.RequestOutline(id)
		if err != nil {
			return err
		}
		if len(whole.Groups[0].Comments) == 0 || len(whole.OutputFiles()[0].Votes) == 0 || len(whole.OutputFiles()[0].Versions) == 0 {
			t.Fatal("the request has no comments, votes or versions to leave out")
		}
		for _, g := range whole.Groups {
			g.Comments = nil
			for i, f := range g.Files {
				g.Files[i] = &airlock.RequestFile{Path: f.Path, Group: f.Group, Type: f.Type, FileID: f.FileID, Votes: map[string]*airlock.FileVote{}}
			}
		}
		if !reflect.DeepEqual(outline, whole) {
			t.Errorf("the outline differs from the request's groups and files' paths, groups, types and hashes:\n%+v\n%+v", outline, whole)
		}
		if _, err := tx.RequestOutline("no-such-request"); airlock.ErrorCode(err) != airlock.ENOTFOUND {
			t.Errorf("an unknown request's outline: %v, want ENOTFOUND", err)
		}
		return nil
	}))
}
