package review_test

import (
	"maps"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/airlock-project/airlock/airlock"
	"github.com/airlock-project/airlock/cmd/jobsite/receiver/receivertest"
)

// approved builds a world whose request, with n outputs and one supporting
// file, has been released (APPROVED) and waits for delivery.
func approved(t *testing.T, opts worldOptions, n int) (w *world, id string, want map[string]string) {
	t.Helper()
	w = newWorld(t, opts)
	ws := w.generate(n + 1)
	outputs := ws.Paths[:n]
	sizes := map[string]int{}
	for i, p := range outputs {
		sizes[p] = (i + 1) * 40 << 10
	}
	resize(t, ws, sizes, 7)
	want = w.workspaceHashes(outputs)
	id = w.reviewed(outputs, ws.Paths[n:])
	must(t, w.svc.Release(w.ctx, w.checker1, id))
	return w, id, want
}

// TestUploadsSurviveServerErrors: the jobs site answers 500 for a while,
// then also loses some answers after storing the file; once it recovers,
// every file has arrived exactly once.
func TestUploadsSurviveServerErrors(t *testing.T) {
	w, id, want := approved(t, worldOptions{}, 6)
	w.faults.FailNext(receivertest.Uploads, 9, http.StatusInternalServerError)
	w.faults.FailNext(receivertest.Events, 3, http.StatusInternalServerError)
	clock := newFakeClock()
	d := w.deliverer(clock.Now)

	if _, err := d.RunOnce(w.ctx); err != nil {
		t.Fatal(err)
	}
	if got := w.status(id); got != airlock.StatusApproved {
		t.Fatalf("status while the jobs site fails = %s, want %s", got, airlock.StatusApproved)
	}
	if msg := w.view(w.checker1, id).LastUploadError(); !strings.Contains(msg, "500") {
		t.Fatalf("last upload error %q does not report the jobs site's failure", msg)
	}
	if _, created := w.counter.counts(); len(created) != 0 {
		t.Fatalf("files stored while the jobs site failed: %v", created)
	}

	// Two answers lost on the way back: stored, but airlock sees a 502 and
	// retries; the repeat is recognised as already uploaded.
	w.faults.LoseAnswerNext(receivertest.Uploads, 2, http.StatusBadGateway)
	w.deliverAll(d, clock, id, 30)
	w.checkArrived(id, want)
	requests, _ := w.counter.counts()
	retried := 0
	for _, n := range requests {
		if n > 1 {
			retried++
		}
	}
	if retried == 0 {
		t.Fatal("no file needed a retry; the faults were not exercised")
	}
	if v := w.view(w.checker1, id); v.Uploaded() != len(want) || v.LastUploadError() != "" {
		t.Fatalf("view: %d uploaded, last error %q", v.Uploaded(), v.LastUploadError())
	}
	if !slices.Contains(w.receiverEvents(id), airlock.NotifyReleased) {
		t.Fatal("the released notification never arrived")
	}
	uploads := eventPaths(w.events(id))[airlock.EventRequestFileUpload]
	if len(uploads) != len(want) {
		t.Fatalf("%d upload audit events, want one per file (%d)", len(uploads), len(want))
	}
	w.verifyAudit()
}

// TestUploadsSurviveHangs: the jobs site holds uploads beyond the client's
// time limit, then recovers: the timed-out attempts are retried and every
// file is stored exactly once.
func TestUploadsSurviveHangs(t *testing.T) {
	t.Parallel()
	w, id, want := approved(t, worldOptions{uploadTimeout: 200 * time.Millisecond}, 6)
	w.faults.DelayNext(receivertest.Uploads, 5, time.Second)
	clock := newFakeClock()
	d := w.deliverer(clock.Now)

	if _, err := d.RunOnce(w.ctx); err != nil {
		t.Fatal(err)
	}
	// The jobs site answers promptly again; a generous limit keeps a
	// loaded machine from timing out the recovery.
	w.client.UploadTimeout = 0
	if msg := w.view(w.checker1, id).LastUploadError(); !strings.Contains(msg, "jobs site") {
		t.Fatalf("a timed-out upload left the error %q to show", msg)
	} else {
		t.Logf("shown while the jobs site hangs: %q", msg)
	}
	w.deliverAll(d, clock, id, 30)
	// Let held requests finish on the server before counting what it stored.
	w.http.Close()
	w.checkArrived(id, want)
	w.verifyAudit()
}

// TestReleaseCorruptedStoreIsNeverSent: stored copies changed after
// approval — the last byte flipped, cut short, or grown — are never
// received whole: the deliverer hashes a copy as it sends it and withholds
// its last bytes unless they complete the reviewed ones. They show as
// blocked with their error, the other files are delivered, and the request
// does not become RELEASED.
func TestReleaseCorruptedStoreIsNeverSent(t *testing.T) {
	w, id, want := approved(t, worldOptions{}, 4)
	r := w.request(id)
	victims := map[string]func([]byte) []byte{
		r.OutputFiles()[1].Path: func(b []byte) []byte { b[len(b)-1] ^= 1; return b },
		r.OutputFiles()[2].Path: func(b []byte) []byte { return b[:len(b)-1] },
		r.OutputFiles()[3].Path: func(b []byte) []byte { return append(b, '\n') },
	}
	for _, f := range r.OutputFiles() {
		change := victims[f.Path]
		if change == nil {
			continue
		}
		path, err := w.store.Path(wsName, id, f.FileID)
		must(t, err)
		b, err := os.ReadFile(path)
		must(t, err)
		must(t, os.Chmod(path, 0o640))
		must(t, os.WriteFile(path, change(b), 0o640))
	}

	clock := newFakeClock()
	d := w.deliverer(clock.Now)
	for range 5 {
		if _, err := d.RunOnce(w.ctx); err != nil {
			t.Fatal(err)
		}
		clock.advance(time.Hour)
	}

	_, created := w.counter.counts()
	for p := range victims {
		if created[p] != 0 {
			t.Fatalf("the changed copy of %s was stored by the jobs site %d times", p, created[p])
		}
		delete(want, p)
	}
	for p := range want {
		if created[p] != 1 {
			t.Fatalf("%s stored %d times, want 1", p, created[p])
		}
	}
	released, err := w.rcv.ReleasedFiles(w.ctx, id)
	must(t, err)
	for _, f := range released {
		if victims[f.Name] != nil && f.Uploaded {
			t.Fatalf("the jobs site holds the changed copy of %s", f.Name)
		}
	}
	if got := w.status(id); got != airlock.StatusApproved {
		t.Fatalf("status with a blocked file = %s, want %s", got, airlock.StatusApproved)
	}
	v := w.view(w.checker1, id)
	if msg := v.LastUploadError(); !strings.Contains(msg, "no longer matches") {
		t.Fatalf("last upload error %q does not explain the block", msg)
	}
	var blocked []string
	for _, j := range v.Uploads {
		if j.Blocked {
			blocked = append(blocked, j.Path)
		}
	}
	wantBlocked := slices.Sorted(maps.Keys(victims))
	slices.Sort(blocked)
	if !slices.Equal(blocked, wantBlocked) {
		t.Fatalf("blocked uploads %v, want %v", blocked, wantBlocked)
	}
	if v.Uploaded() != len(want) {
		t.Fatalf("%d files uploaded, want %d", v.Uploaded(), len(want))
	}
	if got := eventPaths(w.events(id))[airlock.EventRequestFileUploadBlocked]; !slices.Equal(got, wantBlocked) {
		t.Fatalf("blocked-upload audit events for %v, want %v", got, wantBlocked)
	}
	w.verifyAudit()
}
