package ui

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/airlock-project/airlock/airlock"
	"github.com/airlock-project/airlock/airlock/sqlite"
	"github.com/airlock-project/airlock/review"
)

// pageAnswer is an answer with its request id taken out, to compare.
type pageAnswer struct {
	code   int
	body   string
	header http.Header
}

func answerOf(rec *httptest.ResponseRecorder) pageAnswer {
	id := rec.Header().Get(echoRequestID)
	h := rec.Header().Clone()
	delete(h, echoRequestID)
	// The session's cookie is renewed when the session is touched, before
	// any page: not part of the page.
	delete(h, "Set-Cookie")
	body := rec.Body.String()
	if id != "" {
		body = strings.ReplaceAll(body, id, "REQUEST-ID")
	}
	return pageAnswer{code: rec.Code, body: body, header: h}
}

const echoRequestID = "X-Request-Id"

// fresh fetches a page with the cache left out, as it would be rendered
// without one.
func (c *client) fresh(target string) *httptest.ResponseRecorder {
	c.e.t.Helper()
	pages := c.e.srv.pages
	c.e.srv.pages = nil
	defer func() { c.e.srv.pages = pages }()
	return c.get(target)
}

// compareCached fetches target twice through the cache and once without
// it, and fails unless all three are the same page, headers included.
func compareCached(t *testing.T, c *client, who, step, target string) {
	t.Helper()
	first, second := answerOf(c.get(target)), answerOf(c.get(target))
	want := answerOf(c.fresh(target))
	for i, got := range []pageAnswer{first, second} {
		if got.code != want.code || got.body != want.body {
			t.Errorf("%s, %s, fetch %d: status %d, %d bytes; a fresh render is status %d, %d bytes\n%s",
				step, who, i+1, got.code, len(got.body), want.code, len(want.body), firstDifference(got.body, want.body))
		}
		for k := range want.header {
			if strings.Join(got.header[k], ",") != strings.Join(want.header[k], ",") {
				t.Errorf("%s, %s, fetch %d: header %s is %q, fresh %q", step, who, i+1, k, got.header[k], want.header[k])
			}
		}
		for k := range got.header {
			if _, ok := want.header[k]; !ok {
				t.Errorf("%s, %s, fetch %d: header %s is not in a fresh answer", step, who, i+1, k)
			}
		}
	}
}

// firstDifference shows where two pages part.
func firstDifference(a, b string) string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	from := max(0, i-120)
	return "got:  …" + a[from:min(len(a), i+120)] + "\nwant: …" + b[from:min(len(b), i+120)]
}

// A request walked through its life, with time passing between the
// steps: after every step, every person's overview, fetched twice through
// the cache, is byte for byte the page a fresh render gives them, and the
// cache was in use.
func TestPageCacheMatchesFreshRender(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	people := []string{"author", "member", "checker", "checker2", "selfcheck", "copilot", "readonly", "outsider"}
	clients := map[string]*client{}
	for _, p := range people {
		clients[p] = e.as(p)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	author, c1, c2 := e.user("author"), e.user("checker"), e.user("checker2")
	var id string
	add := func(paths ...string) {
		var items []review.AddItem
		for _, p := range paths {
			items = append(items, review.AddItem{Path: p, Type: airlock.FileOutput})
		}
		res, err := e.svc.AddFiles(ctx, author, "ws1", items, "tables")
		must(err)
		for _, r := range res {
			must(r.Err)
		}
		reqs, err := e.svc.Requests(ctx, author, airlock.RequestFilter{Author: "author"})
		must(err)
		id = reqs[0].ID
	}
	steps := []struct {
		name string
		wait time.Duration
		do   func()
	}{
		{"added", 0, func() { add("output/summary.csv") }},
		{"described", 20 * time.Second, func() { must(e.svc.EditGroup(ctx, author, id, "tables", "context", "controls")) }},
		{"nothing changed, a minute later", time.Minute, func() {}},
		{"second file", 3 * time.Minute, func() { add("output/deep/nested.csv") }},
		{"submitted", 40 * time.Second, func() { must(e.svc.Submit(ctx, author, id)) }},
		{"first vote", time.Hour, func() { must(e.svc.Vote(ctx, c1, id, "output/summary.csv", airlock.VoteApproved)) }},
		{"private comment", 30 * time.Second, func() { must(e.svc.Comment(ctx, c1, id, "tables", "checkers only", airlock.Private)) }},
		{"public comment", 0, func() { must(e.svc.Comment(ctx, c2, id, "tables", "please round", airlock.Public)) }},
		{"review one", 5 * time.Minute, func() {
			must(e.svc.Vote(ctx, c1, id, "output/deep/nested.csv", airlock.VoteApproved))
			must(e.svc.SubmitReview(ctx, c1, id))
		}},
		{"review two", 26 * time.Hour, func() {
			must(e.svc.Vote(ctx, c2, id, "output/summary.csv", airlock.VoteChangesRequested))
			must(e.svc.Vote(ctx, c2, id, "output/deep/nested.csv", airlock.VoteApproved))
			must(e.svc.SubmitReview(ctx, c2, id))
		}},
		{"returned", 50 * time.Hour, func() { must(e.svc.Return(ctx, c1, id)) }},
		{"answered", time.Minute, func() { must(e.svc.Comment(ctx, author, id, "tables", "rounded now", airlock.Public)) }},
		{"resubmitted", 2 * time.Minute, func() { must(e.svc.Submit(ctx, author, id)) }},
		{"approved again", 0, func() {
			for _, c := range []*airlock.User{c1, c2} {
				for _, p := range []string{"output/summary.csv", "output/deep/nested.csv"} {
					must(e.svc.Vote(ctx, c, id, p, airlock.VoteApproved))
				}
				must(e.svc.SubmitReview(ctx, c, id))
			}
		}},
		{"released", 10 * time.Minute, func() { must(e.svc.Release(ctx, c1, id)) }},
	}
	for _, st := range steps {
		e.advance(st.wait)
		st.do()
		for _, p := range people {
			target := "/requests/view/" + id + "/"
			compareCached(t, clients[p], p, st.name, target)
			compareCached(t, clients[p], p, st.name, target+"?activity=all")
		}
		// Time passes with nothing written: the activity's "… ago" text
		// must move on in cached pages too.
		e.advance(61 * time.Second)
		compareCached(t, clients["checker"], "checker", st.name+", a minute on", "/requests/view/"+id+"/")
	}
	// A second request, withdrawn, shown through the same cache.
	e.advance(time.Hour)
	res, err := e.svc.AddFiles(ctx, e.user("selfcheck"), "ws1", []review.AddItem{{Path: "output/notes.txt", Type: airlock.FileOutput}}, "notes")
	must(err)
	must(res[0].Err)
	reqs, err := e.svc.Requests(ctx, e.user("selfcheck"), airlock.RequestFilter{Author: "selfcheck"})
	must(err)
	for _, step := range []string{"open", "withdrawn"} {
		if step == "withdrawn" {
			must(e.svc.Withdraw(ctx, e.user("selfcheck"), reqs[0].ID))
		}
		for _, p := range []string{"selfcheck", "checker", "member"} {
			compareCached(t, clients[p], p, "second request "+step, "/requests/view/"+reqs[0].ID+"/")
		}
	}
	if e.srv.pages.hits.Load() == 0 {
		t.Fatal("no page was ever served from the cache")
	}
}

// Two sessions of one person, and two people, never get each other's
// page: each page carries its own session's CSRF token and names its own
// viewer; a session that ends gets no page, cached or not.
func TestPageCacheKeepsSessionsApart(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := submitted(t, e, "author")
	target := "/requests/view/" + id + "/"
	a1, a2, other := e.as("checker"), e.as("checker"), e.as("checker2")
	tokens := map[string]*client{}
	for round := range 3 {
		for _, c := range []*client{a1, a2, other} {
			rec := c.get(target)
			if rec.Code != http.StatusOK {
				t.Fatalf("round %d: status %d", round, rec.Code)
			}
			m := csrfRE.FindStringSubmatch(rec.Body.String())
			if m == nil {
				t.Fatal("the page has no CSRF token")
			}
			if prev, ok := tokens[m[1]]; ok && prev != c {
				t.Fatalf("round %d: two sessions were given the same page (CSRF token)", round)
			}
			tokens[m[1]] = c
		}
	}
	if len(tokens) != 3 {
		t.Errorf("%d CSRF tokens over 3 sessions, want 3", len(tokens))
	}
	if e.srv.pages.hits.Load() < 6 {
		t.Fatalf("%d pages from the cache, want the 6 repeats", e.srv.pages.hits.Load())
	}
	if body := other.get(target).Body.String(); !strings.Contains(body, "Che Cker Two") {
		t.Error("checker2's page does not name them")
	}
	if body := a1.get(target).Body.String(); strings.Contains(body, "Che Cker Two") && !strings.Contains(a1.fresh(target).Body.String(), "Che Cker Two") {
		t.Error("checker's page names checker2")
	}
	// An idle session ends when next used, before any page is looked up.
	e.advance(e.srv.set.SessionIdle + time.Minute)
	if rec := a1.get(target); rec.Code == http.StatusOK {
		t.Errorf("an idle session got the page: status %d", rec.Code)
	}
}

// overviewSeen is a submitted request whose overview checker has seen
// twice, the second time from the cache.
func overviewSeen(t *testing.T) (*env, string, *client) {
	t.Helper()
	e := newEnv(t)
	id := submitted(t, e, "author")
	c := e.as("checker")
	c.get("/requests/view/" + id + "/")
	c.get("/requests/view/" + id + "/")
	if e.srv.pages.hits.Load() == 0 {
		t.Fatal("the page was not cached")
	}
	return e, id, c
}

// A write through another connection to the database, as another process
// (an airlock subcommand) makes, is shown at once on cached pages.
func TestPageCacheSeesOtherConnections(t *testing.T) {
	t.Parallel()
	e, id, c := overviewSeen(t)
	target := "/requests/view/" + id + "/"
	before := c.get(target).Body.String()
	other, err := sqlite.Open(context.Background(), e.db.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	svc := review.New(review.Config{Store: other, Workspaces: e.root, Files: e.store, Policy: airlock.NewPolicy(2, nil)})
	if err := svc.Comment(context.Background(), e.user("checker"), id, "tables", "written by another process", airlock.Private); err != nil {
		t.Fatal(err)
	}
	got, want := answerOf(c.get(target)), answerOf(c.fresh(target))
	if got.body != want.body {
		t.Errorf("after another connection's write the cached page differs from a fresh one:\n%s", firstDifference(got.body, want.body))
	}
	if n, was := strings.Count(activitySection(got.body), "<tr>"), strings.Count(activitySection(before), "<tr>"); n != was+1 {
		t.Errorf("the activity shows %d rows after the comment, %d before", n, was)
	}
}

// agoChanges is when ago's text first changes: it reads the same at every
// moment before, and differently at it (or, for a time to come, just
// after it).
func TestAgoChanges(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	for _, d := range []time.Duration{0, time.Second, 59 * time.Second, time.Minute, 61 * time.Second, 59*time.Minute + 59*time.Second,
		time.Hour, 90 * time.Minute, 47 * time.Hour, 48 * time.Hour, 49 * time.Hour, 100 * time.Hour} {
		for _, sign := range []time.Duration{1, -1} {
			now := t0.Add(sign * d)
			ch := agoChanges(now, t0)
			if !ch.After(now) && !(sign < 0 && ch.Equal(now)) {
				t.Errorf("now %v: changes at %v, not after now", sign*d, ch.Sub(t0))
				continue
			}
			text := ago(now, t0)
			for at := now; at.Before(ch); at = at.Add(max(time.Second, ch.Sub(now)/50)) {
				if ago(at, t0) != text {
					t.Errorf("now %v: %q becomes %q at %v, before %v", sign*d, text, ago(at, t0), at.Sub(t0), ch.Sub(t0))
					break
				}
			}
			if after := ago(ch.Add(time.Nanosecond), t0); after == text {
				t.Errorf("now %v: %q still at %v", sign*d, text, ch.Sub(t0))
			}
		}
	}
}

// A cached page's "… ago" text moves on with the clock while nothing is
// written, the session included (it is touched once a minute).
func TestPageCacheTimeMovesOn(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := submitted(t, e, "author")
	target := "/requests/view/" + id + "/"
	e.advance(50 * time.Second)
	c := e.as("checker")
	c.get(target)
	if body := c.get(target).Body.String(); !strings.Contains(body, "under a minute ago") || e.srv.pages.hits.Load() == 0 {
		t.Fatal("the page was not cached, or shows no recent activity")
	}
	e.advance(15 * time.Second)
	compareCached(t, c, "checker", "65 s after the activity", target)
	if body := c.get(target).Body.String(); !strings.Contains(body, "1 minute ago") {
		t.Error("the activity is not a minute old on the page")
	}
}

// A message waiting for the next page is shown on it even when that page
// is cached, once, and the page with it is not kept.
func TestPageCacheShowsFlashes(t *testing.T) {
	t.Parallel()
	_, id, c := overviewSeen(t)
	target := "/requests/view/" + id + "/"
	if rec := c.get("/workspaces/view/ws1/output/no-such-file.csv"); rec.Code != http.StatusFound {
		t.Fatalf("a missing path: status %d, want a redirect with a message", rec.Code)
	}
	const msg = "is not a file or folder of this workspace"
	if !strings.Contains(c.get(target).Body.String(), msg) {
		t.Error("the cached page left out the waiting message")
	}
	if strings.Contains(c.get(target).Body.String(), msg) {
		t.Error("the message was shown twice")
	}
	compareCached(t, c, "checker", "after the message", target)
}

// Many requests of one session at once get the same page as a fresh
// render; those that arrive while it renders wait for it.
func TestPageCacheConcurrentSession(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := submitted(t, e, "author")
	target := "/requests/view/" + id + "/"
	c := e.as("checker")
	want := answerOf(c.fresh(target)).body
	var wg sync.WaitGroup
	bodies := make([]string, 16)
	for i := range bodies {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req := httptest.NewRequest("GET", "http://airlock.test"+target, nil)
			for _, ck := range c.jar.Cookies(req.URL) {
				req.AddCookie(ck)
			}
			rec := httptest.NewRecorder()
			e.srv.ServeHTTP(rec, req)
			bodies[i] = answerOf(rec).body
		}()
	}
	wg.Wait()
	for i, b := range bodies {
		if b != want {
			t.Errorf("request %d: a page unlike a fresh render:\n%s", i, firstDifference(b, want))
		}
	}
	if e.srv.pages.hits.Load() == 0 {
		t.Error("no request was answered from the cache")
	}
}

// The cache holds at most its bytes: the least recently used pages go
// first, a page seen again stays, and a page too big to be worth keeping
// is not kept at all.
func TestPageCacheStaysWithinItsBytes(t *testing.T) {
	t.Parallel()
	page := func(uri string, n int) *cachedPage {
		return &cachedPage{key: pageKey{session: "s", uri: uri}, before: make([]byte, n)}
	}
	pc := newPageCache(4 * 1024)
	now := time.Now()
	for _, uri := range []string{"/a", "/b", "/c"} {
		pc.put(page(uri, 500))
	}
	if pc.get(pageKey{session: "s", uri: "/a"}, now) == nil { // /a is now the most recent
		t.Fatal("a page that fits was not kept")
	}
	for _, uri := range []string{"/d", "/e", "/f", "/g"} {
		pc.put(page(uri, 500))
	}
	if pc.bytes > pc.max {
		t.Fatalf("holds %d bytes, more than its %d", pc.bytes, pc.max)
	}
	if pc.get(pageKey{session: "s", uri: "/b"}, now) != nil {
		t.Error("the least recently used page was kept over newer ones")
	}
	if pc.get(pageKey{session: "s", uri: "/a"}, now) == nil {
		t.Error("a page seen again was dropped before older ones")
	}
	held := pc.len()
	pc.put(page("/huge", 2*1024))
	if pc.len() != held || pc.get(pageKey{session: "s", uri: "/huge"}, now) != nil {
		t.Error("a page over a quarter of the cache was kept")
	}
	pc.put(page("/a", 500)) // the same page again replaces it
	if pc.len() != held {
		t.Errorf("holds %d pages after putting one again, want %d", pc.len(), held)
	}
}
