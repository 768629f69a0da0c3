package review_test

import (
	"io"
	"testing"

	"github.com/airlock-project/airlock/airlock"
)

// Every version a review turn saw is recorded and stays readable, so a
// checker can compare a resubmitted file with the one they reviewed.
func TestReviewedVersionsAreKept(t *testing.T) {
	e := newEnv(t)
	const table = "out/table.csv"
	id := e.toStatus(alice, airlock.StatusReturned)
	first := e.request(id).File(table)
	if len(first.Versions) != 1 || first.Versions[0].FileID != first.FileID || first.Versions[0].Turn != 1 {
		t.Fatalf("after the first review, versions = %+v, want the submitted one in turn 1", first.Versions)
	}
	if r := e.request(id); r.ChangedSinceReview(first) {
		t.Fatal("nothing changed yet")
	}

	e.ws.put("w1", table, "a,b\n1,3\n")
	res, err := e.svc.UpdateFiles(e.ctx, alice, "w1", []string{table})
	e.must(err)
	e.must(res[0].Err)
	r := e.request(id)
	if !r.ChangedSinceReview(r.File(table)) {
		t.Fatal("an updated file has changed since it was reviewed")
	}
	e.must(e.svc.Comment(e.ctx, alice, id, "tables", "Changed one count.", airlock.Public))
	e.must(e.svc.Submit(e.ctx, alice, id))

	r = e.request(id)
	f := r.File(table)
	if len(f.Versions) != 2 || f.Versions[1].Turn != r.ReviewTurn || f.Versions[1].FileID != f.FileID {
		t.Fatalf("after resubmission, versions = %+v, want turn 1 and turn %d (%s)", f.Versions, r.ReviewTurn, f.FileID)
	}
	prev, ok := r.PreviousVersion(f)
	if !ok || prev.FileID != first.FileID {
		t.Fatalf("previous version = %+v, %v; want %s", prev, ok, first.FileID)
	}
	if n := r.ChangedOutputs(); n != 1 {
		t.Fatalf("ChangedOutputs = %d, want 1", n)
	}
	// The bytes of the version reviewed first are still in the store.
	rc, err := e.files.Open(e.ctx, "w1", id, first.FileID)
	e.must(err)
	defer rc.Close()
	b, err := io.ReadAll(rc)
	e.must(err)
	if string(b) != "a,b\n1,2\n" {
		t.Fatalf("first version's bytes = %q", b)
	}
}
