package ui

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/airlock-project/airlock/airlock"
	"github.com/airlock-project/airlock/review"
)

// releaseSite is a jobs site for the deliverer that can hang or fail
// registrations; uploads always arrive. (The real receiver, with real
// faults on loopback, is driven by the release tests in package review
// and the browser test.)
type releaseSite struct {
	mu       sync.Mutex
	fail     error
	hang     chan struct{} // non-nil: registrations wait until it is closed, then fail
	called   chan struct{} // signalled on every registration
	releases map[string]int
	uploads  map[string]int
}

func newReleaseSite() *releaseSite {
	return &releaseSite{called: make(chan struct{}, 8), releases: map[string]int{}, uploads: map[string]int{}}
}

func (s *releaseSite) CreateRelease(ctx context.Context, _, _, airlockID string, _ []airlock.ReleaseFile) (string, error) {
	s.called <- struct{}{}
	s.mu.Lock()
	hang, fail := s.hang, s.fail
	s.mu.Unlock()
	if hang != nil {
		select {
		case <-hang:
		case <-ctx.Done():
		}
		return "", airlock.Errorf(airlock.EUNAVAILABLE, "The jobs site did not answer in time.")
	}
	if fail != nil {
		return "", fail
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.releases[airlockID]++
	return airlockID, nil
}

func (s *releaseSite) Upload(_ context.Context, id, _, name string, body io.Reader, _ int64) error {
	if _, err := io.Copy(io.Discard, body); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.uploads[id+"/"+name]++
	return nil
}

func (s *releaseSite) set(hang chan struct{}, fail error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hang, s.fail = hang, fail
}

// reviewedRequest takes the author's request through submission and two
// approving reviews, over HTTP, and returns its id.
func reviewedRequest(t *testing.T, e *env) string {
	t.Helper()
	author := e.as("author")
	id := authorRequest(t, e, author)
	mustStatus(t, author.post("/requests/submit/"+id, nil), http.StatusSeeOther, "submit")
	for _, name := range []string{"checker", "checker2"} {
		ch := e.as(name)
		for _, p := range []string{"output/summary.csv", "output/notes.txt"} {
			mustStatus(t, ch.post("/requests/vote/"+id, url.Values{"path": {p}, "vote": {"APPROVED"}}), http.StatusSeeOther, "vote")
		}
		mustStatus(t, ch.post("/requests/review/"+id, nil), http.StatusSeeOther, "submit review")
	}
	return id
}

// TestReleaseWhileJobsiteUnavailable: the checker's release is answered at
// once while the jobs site hangs; the request page, for the checker and the
// author, says the release is being registered and shows the last error
// while it is retried, polls for news while APPROVED, and shows the uploads
// once the jobs site recovers.
func TestReleaseWhileJobsiteUnavailable(t *testing.T) {
	e := newEnv(t)
	id := reviewedRequest(t, e)
	site := newReleaseSite()
	hang := make(chan struct{})
	site.set(hang, nil)
	var (
		mu    sync.Mutex
		clock = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	)
	now := func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }
	d := review.NewDeliverer(review.DeliveryConfig{Store: e.db, Files: e.store, Registrar: site, Destination: site,
		MinBackoff: time.Second, MaxBackoff: time.Minute, Now: now})

	ch := e.as("checker")
	overview := "/requests/view/" + id + "/"
	mustStatus(t, ch.post("/requests/release/"+id, nil), http.StatusSeeOther, "release while the jobs site hangs")
	page := ch.get(overview).Body.String()
	for _, want := range []string{"Approved – files uploading", "Registering the release with the jobs site…",
		"0 of 2 — uploads start once the jobs site has accepted the release", `hx-select="#release-progress"`, `hx-trigger="every 2s"`} {
		if !strings.Contains(page, want) {
			t.Errorf("overview after release lacks %q", want)
		}
	}
	if strings.Contains(page, `data-testid="action-release"`) {
		t.Error("the release button is still offered after the release")
	}

	// The deliverer is stuck in a registration the jobs site never answers;
	// pages and refusals are still answered.
	round := make(chan error, 1)
	go func() { _, err := d.RunOnce(context.Background()); round <- err }()
	<-site.called
	mustStatus(t, ch.get(overview), http.StatusOK, "overview while registration hangs")
	rec := e.as("checker2").post("/requests/release/"+id, nil)
	mustStatus(t, rec, http.StatusConflict, "second release")
	if !strings.Contains(rec.Body.String(), "already been released") {
		t.Errorf("second release refused without saying why: %s", rec.Body.String())
	}
	close(hang)
	if err := <-round; err != nil {
		t.Fatal(err)
	}

	retrying := "Registering with the jobs site — retrying automatically; last error: "
	for _, who := range []string{"checker", "author"} {
		page = e.as(who).get(overview).Body.String()
		if !strings.Contains(page, retrying+`<span class="release-error">Attempt 1 failed: The jobs site did not answer in time.</span>`) {
			t.Errorf("%s's overview after a timed-out registration does not say what is happening", who)
		}
	}

	// Next attempt: the jobs site fails.
	site.set(nil, airlock.Errorf(airlock.EUNAVAILABLE, "The jobs site failed (HTTP 500)."))
	mu.Lock()
	clock = clock.Add(time.Minute)
	mu.Unlock()
	if _, err := d.RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	if page = ch.get(overview).Body.String(); !strings.Contains(page, retrying+`<span class="release-error">Attempt 2 failed: The jobs site failed (HTTP 500).</span>`) {
		t.Error("the overview does not show the latest registration error")
	}

	// It recovers: registered once, every file uploaded once.
	site.set(nil, nil)
	mu.Lock()
	clock = clock.Add(time.Minute)
	mu.Unlock()
	if n, err := d.RunOnce(context.Background()); err != nil || n != 2 {
		t.Fatalf("round after recovery: %d uploads, %v", n, err)
	}
	page = ch.get(overview).Body.String()
	if !strings.Contains(page, "2 of 2 — all files have arrived") || strings.Contains(page, "Registering") {
		t.Error("the overview does not show the delivered files")
	}
	if strings.Contains(page, `hx-trigger="every 2s"`) {
		t.Error("a released request's page still polls")
	}
	if site.releases[id] != 1 || len(site.uploads) != 2 {
		t.Fatalf("registered %d times, %d files uploaded; want once and 2", site.releases[id], len(site.uploads))
	}
	for f, n := range site.uploads {
		if n != 1 {
			t.Fatalf("%s uploaded %d times", f, n)
		}
	}
	if _, err := e.db.VerifyAudit(context.Background()); err != nil {
		t.Fatal(err)
	}
}
