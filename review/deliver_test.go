package review_test

import (
	"context"
	"errors"
	"io"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/airlock-project/airlock/airlock"
	"github.com/airlock-project/airlock/review"
)

// flakyDestination fails the first failures calls, then stores what arrives.
type flakyDestination struct {
	mu       sync.Mutex
	failures int
	got      map[string][]byte
	calls    int
}

func (d *flakyDestination) Upload(_ context.Context, id, user, name string, body io.Reader, size int64) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.calls++
	if d.failures > 0 {
		d.failures--
		return errors.New("jobs site answered 500")
	}
	b, err := io.ReadAll(body)
	if err != nil {
		return err
	}
	if int64(len(b)) != size {
		return errors.New("short body")
	}
	if d.got == nil {
		d.got = map[string][]byte{}
	}
	d.got[name] = b
	return nil
}

type recordingNotifier struct {
	mu     sync.Mutex
	events []string
}

func (n *recordingNotifier) Notify(_ context.Context, ev airlock.NotificationEvent) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.events = append(n.events, ev.EventType)
	return nil
}

func TestDeliveryRetriesUntilReleased(t *testing.T) {
	e := newEnv(t)
	id := e.toStatus(alice, airlock.StatusApproved)
	dest := &flakyDestination{failures: 3}
	notes := &recordingNotifier{}
	clock := time.Now()
	d := review.NewDeliverer(review.DeliveryConfig{Store: e.db, Files: e.files, Registrar: e.jobsite, Destination: dest, Notifier: notes,
		MinBackoff: time.Second, MaxBackoff: 4 * time.Second, Now: func() time.Time { return clock }})
	for i := 0; i < 20 && e.request(id).Status != airlock.StatusReleased; i++ {
		if _, err := d.RunOnce(e.ctx); err != nil {
			t.Fatal(err)
		}
		clock = clock.Add(5 * time.Second)
	}
	r := e.request(id)
	if r.Status != airlock.StatusReleased {
		t.Fatalf("status %s after retries", r.Status)
	}
	if len(dest.got) != 2 || dest.got["out/notes.txt"] != nil {
		t.Fatalf("delivered %d files (%v); want the two outputs only", len(dest.got), keys(dest.got))
	}
	if string(dest.got["out/table.csv"]) != "a,b\n1,2\n" {
		t.Fatalf("delivered bytes differ from the reviewed bytes")
	}
	for _, f := range r.OutputFiles() {
		if f.UploadedAt == nil {
			t.Fatalf("%s not marked uploaded", f.Path)
		}
	}
	if !has(notes.events, airlock.NotifyReleased) || !has(notes.events, airlock.NotifySubmitted) {
		t.Fatalf("notifications sent: %v", notes.events)
	}
	if _, err := e.db.VerifyAudit(e.ctx); err != nil {
		t.Fatal(err)
	}
	// Nothing is left to do.
	calls := dest.calls
	clock = clock.Add(time.Hour)
	if n, _ := d.RunOnce(e.ctx); n != 0 || dest.calls != calls {
		t.Fatal("a delivered file was sent again")
	}
}

func TestCorruptedStoreIsNeverSent(t *testing.T) {
	e := newEnv(t)
	id := e.toStatus(alice, airlock.StatusApproved)
	r := e.request(id)
	victim := r.File("out/table.csv").FileID
	e.files.mu.Lock()
	e.files.blobs[victim] = []byte("tampered")
	e.files.mu.Unlock()
	dest := &flakyDestination{}
	clock := time.Now()
	d := review.NewDeliverer(review.DeliveryConfig{Store: e.db, Files: e.files, Registrar: e.jobsite, Destination: dest, Now: func() time.Time { return clock }})
	for range 5 {
		if _, err := d.RunOnce(e.ctx); err != nil {
			t.Fatal(err)
		}
		clock = clock.Add(time.Hour)
	}
	if _, sent := dest.got["out/table.csv"]; sent {
		t.Fatal("a corrupted file was sent")
	}
	if e.request(id).Status == airlock.StatusReleased {
		t.Fatal("request released with a blocked file")
	}
	v, err := e.svc.View(e.ctx, chk1, id)
	e.must(err)
	if v.LastUploadError() == "" {
		t.Fatal("the blocked file's error is not shown")
	}
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestRegistrationBacksOffAndCaps: while the jobs site refuses to register
// a release, each attempt waits twice as long as the one before, up to the
// cap, and the uploads wait for the registration; once it is accepted the
// files go.
func TestRegistrationBacksOffAndCaps(t *testing.T) {
	e := newEnv(t)
	id := e.toStatus(alice, airlock.StatusApproved)
	e.jobsite.mu.Lock()
	e.jobsite.fail = airlock.Errorf(airlock.EUNAVAILABLE, "The jobs site failed (HTTP 500).")
	e.jobsite.mu.Unlock()
	dest := &flakyDestination{}
	clock := time.Now()
	d := review.NewDeliverer(review.DeliveryConfig{Store: e.db, Files: e.files, Registrar: e.jobsite, Destination: dest,
		MinBackoff: time.Second, MaxBackoff: 8 * time.Second, Now: func() time.Time { return clock }})
	var waits []time.Duration
	for range 6 {
		if _, err := d.RunOnce(e.ctx); err != nil {
			t.Fatal(err)
		}
		v, err := e.svc.View(e.ctx, chk1, id)
		e.must(err)
		reg := v.Registration
		if reg == nil || reg.DoneAt != nil {
			t.Fatalf("registration %+v, want it pending", reg)
		}
		wait := reg.NextAttempt.Sub(clock)
		waits = append(waits, wait)
		clock = reg.NextAttempt
	}
	want := []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 8 * time.Second, 8 * time.Second}
	if !slices.Equal(waits, want) {
		t.Fatalf("waits between attempts %v, want %v", waits, want)
	}
	if dest.calls != 0 {
		t.Fatalf("%d uploads before the release was registered", dest.calls)
	}
	e.jobsite.mu.Lock()
	e.jobsite.fail = nil
	e.jobsite.mu.Unlock()
	if n, err := d.RunOnce(e.ctx); err != nil || n != 2 {
		t.Fatalf("round after recovery: %d uploads, %v; want the 2 outputs", n, err)
	}
	if got := e.request(id).Status; got != airlock.StatusReleased {
		t.Fatalf("status %s, want %s", got, airlock.StatusReleased)
	}
}

// registrarFunc registers releases with a function.
type registrarFunc func(id string) (string, error)

func (f registrarFunc) CreateRelease(_ context.Context, _, _, id string, _ []airlock.ReleaseFile) (string, error) {
	return f(id)
}

// TestRegistrationRefusesAnIDThatIsNotText: a release id from the jobs site
// that is not valid UTF-8 would be refused by the audit log; the attempt
// counts as failed, says why, and the next good answer completes it.
func TestRegistrationRefusesAnIDThatIsNotText(t *testing.T) {
	e := newEnv(t)
	id := e.toStatus(alice, airlock.StatusApproved)
	answer := "caf\xe9"
	clock := time.Now()
	d := review.NewDeliverer(review.DeliveryConfig{Store: e.db, Files: e.files, Now: func() time.Time { return clock },
		Registrar: registrarFunc(func(string) (string, error) { return answer, nil })})
	e.must(func() error { _, err := d.RunOnce(e.ctx); return err }())
	v, err := e.svc.View(e.ctx, chk1, id)
	e.must(err)
	if !v.Registering() || !strings.Contains(v.RegistrationError(), "not valid UTF-8") {
		t.Fatalf("registering %v, error %q; want it pending with the reason", v.Registering(), v.RegistrationError())
	}
	answer, clock = id, clock.Add(time.Hour)
	e.must(func() error { _, err := d.RunOnce(e.ctx); return err }())
	if v, _ = e.svc.View(e.ctx, chk1, id); v.Registering() || v.Registration.JobsiteID != id {
		t.Fatalf("registration %+v after a good answer", v.Registration)
	}
	if _, err := e.db.VerifyAudit(e.ctx); err != nil {
		t.Fatal(err)
	}
}
