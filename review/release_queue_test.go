package review_test

import (
	"maps"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/airlock-project/airlock/airlock"
	"github.com/airlock-project/airlock/cmd/jobsite/receiver/receivertest"
)

// decided builds a world whose request (n outputs, one supporting file) has
// both reviews in, and returns it with the outputs' reviewed hashes.
func decided(t *testing.T, n int) (w *world, id string, want map[string]string) {
	t.Helper()
	w = newWorld(t, worldOptions{})
	ws := w.generate(n + 1)
	want = w.workspaceHashes(ws.Paths[:n])
	id = w.reviewed(ws.Paths[:n], ws.Paths[n:])
	return w, id, want
}

// releaseNow has checker1 release the request and checks that the decision
// was recorded without a single call to the jobs site: whatever state the
// jobs site is in, the checker's answer cannot wait for it.
func (w *world) releaseNow(id string) {
	w.t.Helper()
	before := w.faults.Requests()
	must(w.t, w.svc.Release(w.ctx, w.checker1, id))
	if n := w.faults.Requests() - before; n != 0 {
		w.t.Fatalf("Release made %d calls to the jobs site; the decision must not wait for it", n)
	}
	r := w.request(id)
	if r.Status != airlock.StatusApproved {
		w.t.Fatalf("status after release = %s, want %s", r.Status, airlock.StatusApproved)
	}
	for _, f := range r.OutputFiles() {
		if f.ReleasedAt == nil || f.ReleasedBy != checker1 {
			w.t.Fatalf("%s: released %v by %q, want released by %s", f.Path, f.ReleasedAt, f.ReleasedBy, checker1)
		}
	}
}

// registration returns the request's registration as a checker's view shows it.
func (w *world) registration(id string) *airlock.ReleaseRegistration {
	w.t.Helper()
	reg := w.view(w.checker1, id).Registration
	if reg == nil {
		w.t.Fatal("a released request has no registration with the jobs site")
	}
	return reg
}

// TestReleaseIsQueuedWhileJobsiteDown: the checker releases while the jobs
// site fails; the decision is recorded at once, audited, and carried out by
// the deliverer, which registers the release through 500s, a hang, a lost
// answer and an unreachable jobs site, then uploads every file once.
func TestReleaseIsQueuedWhileJobsiteDown(t *testing.T) {
	w, id, want := decided(t, 3)
	w.faults.FailNext(receivertest.Releases, 2, http.StatusInternalServerError)
	w.releaseNow(id)

	// The decision is in the audit log, before anything reached the jobs site.
	byType := eventPaths(w.events(id))
	if got, outputs := byType[airlock.EventRequestFileRelease], slices.Sorted(maps.Keys(want)); !slices.Equal(got, outputs) {
		t.Fatalf("file release events for %v, want one per output %v", got, outputs)
	}
	if n := len(byType[airlock.EventRequestApprove]); n != 1 {
		t.Fatalf("%d approve events, want 1", n)
	}
	w.verifyAudit()
	v := w.view(w.checker1, id)
	if !v.Registering() || v.RegistrationError() != "" || v.Uploaded() != 0 {
		t.Fatalf("right after release: registering %v, error %q, %d uploaded; want registering, no error yet, none uploaded",
			v.Registering(), v.RegistrationError(), v.Uploaded())
	}

	// A second release (another checker, a double click) changes nothing.
	before := w.dump()
	if err := w.svc.Release(w.ctx, w.checker2, id); airlock.ErrorCode(err) != airlock.ESTATE {
		t.Fatalf("second release: %v, want %s", err, airlock.ESTATE)
	}
	if w.dump() != before {
		t.Fatal("a refused second release changed the database")
	}

	clock := newFakeClock()
	d := w.deliverer(clock.Now)
	round := func(what string) {
		t.Helper()
		if _, err := d.RunOnce(w.ctx); err != nil {
			t.Fatalf("%s: delivery round: %v", what, err)
		}
	}
	stillRegistering := func(what, wantErr string) {
		t.Helper()
		v := w.view(w.checker1, id)
		if !v.Registering() {
			t.Fatalf("%s: registration done, want it still pending", what)
		}
		if msg := v.RegistrationError(); !strings.Contains(msg, wantErr) {
			t.Fatalf("%s: registration error %q, want it to mention %q", what, msg, wantErr)
		} else {
			t.Logf("%s: the request page shows %q", what, msg)
		}
		if got := w.status(id); got != airlock.StatusApproved {
			t.Fatalf("%s: status %s, want %s", what, got, airlock.StatusApproved)
		}
		if n := w.counter.totalRequests(); n != 0 {
			t.Fatalf("%s: %d uploads sent before the release was registered", what, n)
		}
	}

	round("500")
	stillRegistering("500", "500")
	// Not due yet: the backoff holds the next attempt back.
	sent := w.registrations.count()
	round("within the backoff")
	if n := w.registrations.count() - sent; n != 0 {
		t.Fatalf("%d registration attempts within the backoff, want none", n)
	}
	clock.advance(time.Minute)
	round("500 again")
	stillRegistering("500 again", "Attempt 2")

	// Hangs beyond the client's time limit.
	w.client.Timeout = 200 * time.Millisecond
	w.faults.DelayNext(receivertest.Releases, 1, time.Hour)
	clock.advance(time.Minute)
	round("hang")
	stillRegistering("hang", "did not answer in time")
	w.client.Timeout = 5 * time.Second

	// Unreachable.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	url := w.client.BaseURL
	w.client.BaseURL = "http://" + ln.Addr().String() + "/api/v2"
	ln.Close()
	clock.advance(time.Minute)
	round("unreachable")
	stillRegistering("unreachable", "Could not connect")
	w.client.BaseURL = url

	// Registered, but the answer is lost: the repeat is the same release.
	w.faults.LoseAnswerNext(receivertest.Releases, 1, http.StatusBadGateway)
	clock.advance(time.Minute)
	round("lost answer")
	stillRegistering("lost answer", "502")
	if n, err := w.rcv.ReleaseCount(w.ctx); err != nil || n != 1 {
		t.Fatalf("receiver holds %d releases (%v) after the lost answer, want 1", n, err)
	}

	// The jobs site recovers.
	clock.advance(time.Minute)
	w.deliverAll(d, clock, id, 10)
	w.checkArrived(id, want)
	if n, err := w.rcv.ReleaseCount(w.ctx); err != nil || n != 1 {
		t.Fatalf("receiver holds %d releases (%v), want 1", n, err)
	}
	reg := w.registration(id)
	if reg.DoneAt == nil || reg.JobsiteID != id || reg.LastError != "" || reg.Attempts != 6 {
		t.Fatalf("registration: done %v, jobs-site id %q, error %q, %d attempts; want done as %q after 6 attempts",
			reg.DoneAt, reg.JobsiteID, reg.LastError, reg.Attempts, id)
	}
	if n := w.registrations.count(); n != 5 {
		t.Fatalf("%d registration requests, want 5 (one per attempt that could connect)", n)
	}
	v = w.view(w.checker1, id)
	if v.Registering() || v.Uploaded() != len(want) || v.LastUploadError() != "" {
		t.Fatalf("after recovery: registering %v, %d uploaded, last error %q", v.Registering(), v.Uploaded(), v.LastUploadError())
	}

	// The audit log tells the story in order, once each, and its chain holds.
	evs := w.events(id)
	byType = eventPaths(evs)
	for _, typ := range []airlock.EventType{airlock.EventRequestApprove, airlock.EventRequestReleaseRegister, airlock.EventRequestRelease} {
		if n := len(byType[typ]); n != 1 {
			t.Fatalf("%d %s events, want 1", n, typ)
		}
	}
	inOrder(t, evs, airlock.EventRequestFileRelease, airlock.EventRequestApprove, airlock.EventRequestReleaseRegister,
		airlock.EventRequestFileUpload, airlock.EventRequestRelease)
	w.verifyAudit()
	if !slices.Contains(w.receiverEvents(id), airlock.NotifyReleased) {
		t.Fatal("the released notification never reached the jobs site")
	}
}

// TestReleaseWhileJobsiteHangs: the deliverer is stuck in a registration
// the jobs site never answers, and a second checker's release of another
// request is recorded all the same; when the jobs site answers again,
// both are carried out.
func TestReleaseWhileJobsiteHangs(t *testing.T) {
	w := newWorld(t, worldOptions{})
	ws := w.generate(4)
	first := w.reviewed(ws.Paths[:1], nil)
	w.releaseNow(first)

	w.client.Timeout = time.Hour // nothing gives up on its own
	w.faults.DelayNext(receivertest.Releases, 1, time.Hour)
	d := w.deliverer(nil)
	stuck := make(chan error, 1)
	go func() { _, err := d.RunOnce(w.ctx); stuck <- err }()
	select {
	case <-w.registrations.arrived:
	case err := <-stuck:
		t.Fatalf("the delivery round ended (%v) although the jobs site hangs", err)
	}

	// The researcher's next request (an approved one is no longer open),
	// reviewed and released meanwhile.
	second := w.reviewed(ws.Paths[1:3], ws.Paths[3:])
	w.releaseNow(second)
	select {
	case err := <-stuck:
		t.Fatalf("the delivery round ended (%v) although the jobs site still hangs", err)
	default:
	}

	// The jobs site comes back: the hung call is dropped, and the next
	// rounds register and deliver both.
	w.http.CloseClientConnections()
	must(t, <-stuck)
	w.client.Timeout = 5 * time.Second
	clock := newFakeClock()
	d = w.deliverer(clock.Now)
	w.deliverAll(d, clock, first, 10)
	w.deliverAll(d, clock, second, 10)
	if n, err := w.rcv.ReleaseCount(w.ctx); err != nil || n != 2 {
		t.Fatalf("receiver holds %d releases (%v), want 2", n, err)
	}
	w.verifyAudit()
}

// TestConcurrentReleases: checkers pressing Release at the same moment
// record one decision and one registration; the others are told it is done.
func TestConcurrentReleases(t *testing.T) {
	w, id, want := decided(t, 2)
	var (
		wg   sync.WaitGroup
		errs = make([]error, 6)
	)
	for i := range errs {
		u := []*airlock.User{w.checker1, w.checker2}[i%2]
		wg.Go(func() { errs[i] = w.svc.Release(w.ctx, u, id) })
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch airlock.ErrorCode(err) {
		case "":
			ok++
		case airlock.ESTATE:
		default:
			t.Fatalf("concurrent release: %v", err)
		}
	}
	if ok != 1 {
		t.Fatalf("%d releases succeeded, want exactly 1", ok)
	}
	if n := len(eventPaths(w.events(id))[airlock.EventRequestApprove]); n != 1 {
		t.Fatalf("%d approve events, want 1", n)
	}
	clock := newFakeClock()
	w.deliverAll(w.deliverer(clock.Now), clock, id, 10)
	w.checkArrived(id, want)
	if n := w.registrations.count(); n != 1 {
		t.Fatalf("%d registration requests, want 1", n)
	}
	w.verifyAudit()
}
