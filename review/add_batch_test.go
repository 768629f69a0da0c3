package review_test

import (
	"fmt"
	"testing"

	"github.com/airlock-project/airlock/airlock"
	"github.com/airlock-project/airlock/review"
)

// TestAddFilesInBatches adds more files than one transaction holds, among
// them files named twice (in one batch and across two), one already on the
// request and ones that are refused: each succeeds or fails on its own,
// across the batches, and a call where every file is refused creates no
// request.
func TestAddFilesInBatches(t *testing.T) {
	e := newEnv(t)
	const n = 230
	id := e.add(alice, "w1", "first", airlock.FileOutput, "out/table.csv")
	var items []review.AddItem
	for i := range n {
		p := fmt.Sprintf("out/many/t%03d.csv", i)
		e.ws.put("w1", p, fmt.Sprintf("i\n%d\n", i))
		items = append(items, review.AddItem{Path: p, Type: airlock.FileOutput})
	}
	refused := map[string]string{ // path → the code of its refusal
		"out/many/t005.csv": airlock.ECONFLICT, // named again, in the second batch
		"out/many/t001.csv": airlock.ECONFLICT, // named again, in the same batch
		"out/table.csv":     airlock.ECONFLICT, // on the request already
		"out/missing.csv":   airlock.ENOTFOUND,
		"out/code.exe":      airlock.EINVALID,
	}
	items = append(items[:50], append([]review.AddItem{{Path: "out/many/t001.csv", Type: airlock.FileOutput}}, items[50:]...)...)
	items = append(items[:150], append([]review.AddItem{{Path: "out/many/t005.csv", Type: airlock.FileOutput}, {Path: "out/table.csv", Type: airlock.FileOutput}}, items[150:]...)...)
	items = append(items, review.AddItem{Path: "out/missing.csv", Type: airlock.FileOutput}, review.AddItem{Path: "out/code.exe", Type: airlock.FileOutput})
	res, err := e.svc.AddFiles(e.ctx, alice, "w1", items, "many")
	e.must(err)
	if len(res) != len(items) {
		t.Fatalf("%d results for %d files", len(res), len(items))
	}
	seen := map[string]bool{}
	for i, r := range res {
		want, isRefused := refused[r.Path]
		if (r.Path == "out/many/t005.csv" || r.Path == "out/many/t001.csv") && !seen[r.Path] {
			want, isRefused = "", false // the first time it is added
		}
		seen[r.Path] = true
		switch {
		case isRefused && airlock.ErrorCode(r.Err) != want:
			t.Errorf("result %d (%s): %v, want a %s refusal", i, r.Path, r.Err, want)
		case !isRefused && (r.Err != nil || r.Group != "many"):
			t.Errorf("result %d (%s): group %q, %v", i, r.Path, r.Group, r.Err)
		}
	}
	r := e.request(id)
	if got := len(r.AllFiles()); got != n+1 {
		t.Errorf("%d files on the request, want %d", got, n+1)
	}
	adds := 0
	for _, ev := range requestEvents(t, e, id) {
		if ev.Type == airlock.EventRequestFileAdd {
			adds++
		}
	}
	if adds != n+1 {
		t.Errorf("%d file-add events, want %d", adds, n+1)
	}

	res, err = e.svc.AddFiles(e.ctx, carol, "w1", []review.AddItem{{Path: "out/missing.csv", Type: airlock.FileOutput}, {Path: "out/code.exe", Type: airlock.FileOutput}}, "")
	e.must(err)
	for _, r := range res {
		if r.Err == nil {
			t.Errorf("%s added", r.Path)
		}
	}
	if st, err := e.svc.WorkspaceState(e.ctx, carol, "w1"); err != nil || st.Current != nil {
		t.Fatalf("carol's request %v (%v): refusing every file should create none", st.Current, err)
	}
}

// requestEvents returns a request's audit events.
func requestEvents(t *testing.T, e *env, id string) []*airlock.AuditEvent {
	t.Helper()
	var evs []*airlock.AuditEvent
	e.must(e.db.View(e.ctx, func(tx airlock.Tx) (err error) {
		evs, err = tx.AuditEvents(airlock.AuditFilter{Request: id})
		return err
	}))
	return evs
}
