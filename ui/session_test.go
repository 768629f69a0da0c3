package ui

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/airlock-project/airlock/airlock"
)

// copied returns a maker of clients that carry exactly the cookies and CSRF
// token c holds now, as someone who copied them from the browser would: each
// call starts from the copy again, whatever the server answered since.
func (c *client) copied() func() *client {
	u, _ := url.Parse("http://airlock.test/")
	cookies, csrf := c.jar.Cookies(u), c.csrf
	return func() *client {
		r := c.e.client()
		r.jar.SetCookies(u, cookies)
		r.csrf = csrf
		r.remote = c.remote
		return r
	}
}

// wantSignIn checks a GET was sent to the sign-in page.
func wantSignIn(t *testing.T, rec interface{ Result() *http.Response }, what string) {
	t.Helper()
	res := rec.Result()
	if loc := res.Header.Get("Location"); res.StatusCode != http.StatusFound || !strings.HasPrefix(loc, "/login") {
		t.Fatalf("%s: status %d to %q, want 302 to the sign-in page", what, res.StatusCode, loc)
	}
}

// TestSignOutEndsTheSessionAtOnce replays a copied cookie after sign-out:
// the page is the sign-in page and a comment posted with it is refused
// and stored nowhere (issue 9, item 3; D15).
func TestSignOutEndsTheSessionAtOnce(t *testing.T) {
	t.Parallel()
	m := newMatrixState(t)
	e, id := m.e, m.byUser["author"]
	c := e.as("checker2")
	c.get("/requests/group/" + id + "/tables")
	stolen := c.copied()
	wantCode(t, stolen().get("/workspaces/"), http.StatusOK) // the copy works while signed in

	wantCode(t, c.post("/logout", nil), http.StatusSeeOther)
	wantSignIn(t, c.get("/workspaces/"), "the signed-out browser")

	before := e.dump()
	wantSignIn(t, stolen().get("/workspaces/"), "replayed cookie, GET")
	rec := stolen().post("/requests/comment/"+id+"/tables", url.Values{"text": {"posted after sign-out"}, "visibility": {"PUBLIC"}})
	wantCode(t, rec, http.StatusUnauthorized)
	if !strings.Contains(rec.Body.String(), "Your session has ended") {
		t.Errorf("replayed POST: the page does not say the session ended:\n%s", rec.Body.String())
	}
	htmx := stolen().do("POST", "/requests/comment/"+id+"/tables", url.Values{"text": {"htmx after sign-out"}, "visibility": {"PUBLIC"}},
		map[string]string{"HX-Request": "true", "X-CSRF-Token": c.csrf})
	wantCode(t, htmx, http.StatusUnauthorized)
	if loc := htmx.Header().Get("HX-Redirect"); !strings.HasPrefix(loc, "/login") {
		t.Errorf("replayed htmx POST: HX-Redirect %q, want the sign-in page", loc)
	}
	if after := e.dump(); after != before {
		t.Errorf("a replayed cookie changed the database:\n%s", after)
	}
}

// TestLostAccessEndsEverySession: when the jobs site says the person has
// no access, the refresh in one browser ends their sessions in all of
// them, even if a later refresh would have succeeded (D6, D15).
func TestLostAccessEndsEverySession(t *testing.T) {
	t.Parallel()
	for _, code := range []string{airlock.EFORBIDDEN, airlock.ENOTFOUND} {
		t.Run(code, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			laptop, desktop := e.as("author"), e.as("author")
			other := e.as("member")
			e.auth.setFail(airlock.Errorf(code, "no access"))
			e.advance(20 * time.Minute)
			rec := laptop.get("/workspaces/")
			wantSignIn(t, rec, "the browser that saw the refresh")
			if body := laptop.get("/login").Body.String(); !strings.Contains(body, "Your access to airlock has ended") {
				t.Errorf("the sign-in page does not say why:\n%s", body)
			}
			e.auth.setFail(nil) // the jobs site would now say yes again
			wantSignIn(t, desktop.get("/workspaces/"), "the other browser of the same person")
			wantCode(t, other.get("/workspaces/"), http.StatusOK)
		})
	}
}

// TestSignOutEverywhere ends every session of the person, from a control
// in the account menu with a confirmation page, and nobody else's.
func TestSignOutEverywhere(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	laptop, desktop := e.as("author"), e.as("author")
	other := e.as("member")
	stolen := desktop.copied()

	menu := wantCode(t, laptop.get("/workspaces/"), http.StatusOK).Body.String()
	if !strings.Contains(menu, `href="/account/"`) || !strings.Contains(menu, `data-testid="sign-out-everywhere-link"`) {
		t.Fatalf("the account menu has no link to sign out everywhere")
	}
	page := wantCode(t, laptop.get("/account/"), http.StatusOK).Body.String()
	for _, want := range []string{"Sign out everywhere", `action="/account/sign-out-everywhere"`, "2 browsers", "this browser", "for 14 days after its last use"} {
		if !strings.Contains(page, want) {
			t.Errorf("account page lacks %q:\n%s", want, page)
		}
	}
	rec := wantCode(t, laptop.post("/account/sign-out-everywhere", nil), http.StatusSeeOther)
	if loc := rec.Header().Get("Location"); loc != "/login" {
		t.Errorf("after signing out everywhere: to %q, want /login", loc)
	}
	if body := laptop.get("/login").Body.String(); !strings.Contains(body, "signed out everywhere") {
		t.Errorf("the sign-in page does not confirm it:\n%s", body)
	}
	wantSignIn(t, laptop.get("/workspaces/"), "the browser that asked")
	wantSignIn(t, desktop.get("/workspaces/"), "the other browser")
	wantSignIn(t, stolen().get("/workspaces/"), "a copied cookie")
	wantCode(t, other.get("/workspaces/"), http.StatusOK)
}

// sessionOf returns the stored session of a signed-in client.
func sessionOf(t *testing.T, c *client) *airlock.Session {
	t.Helper()
	u, _ := url.Parse("http://airlock.test/")
	for _, ck := range c.jar.Cookies(u) {
		if ck.Name == sessionCookie {
			s, err := c.e.db.FindSession(context.Background(), airlock.SessionID(ck.Value))
			if err != nil {
				t.Fatal(err)
			}
			return s
		}
	}
	t.Fatal("no session cookie")
	return nil
}

// TestSessionUseIsRecordedAtMostOncePerMinute: idle expiry needs the last
// use, but a page view must not be a database write; within a minute of
// the last recorded use nothing is written and no cookie is sent.
func TestSessionUseIsRecordedAtMostOncePerMinute(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.as("author")
	signedIn := e.clock()
	e.advance(30 * time.Second)
	before := e.dump()
	for range 5 {
		rec := wantCode(t, c.get("/workspaces/"), http.StatusOK)
		for _, ck := range rec.Result().Cookies() {
			if ck.Name == sessionCookie {
				t.Fatalf("a page view re-sent the session cookie: %+v", ck)
			}
		}
	}
	if e.dump() != before {
		t.Fatal("page views within a minute of the last use wrote to the database")
	}
	if got := sessionOf(t, c).LastUsedAt; !got.Equal(signedIn) {
		t.Fatalf("last used %v, want %v", got, signedIn)
	}
	e.advance(31 * time.Second)
	rec := wantCode(t, c.get("/workspaces/"), http.StatusOK)
	if got := sessionOf(t, c).LastUsedAt; !got.Equal(e.clock()) {
		t.Fatalf("after a minute: last used %v, want %v", got, e.clock())
	}
	var renewed *http.Cookie
	for _, ck := range rec.Result().Cookies() {
		if ck.Name == sessionCookie {
			renewed = ck
		}
	}
	if renewed == nil || renewed.MaxAge != int((14*24*time.Hour)/time.Second) || !renewed.HttpOnly || renewed.SameSite != http.SameSiteLaxMode {
		t.Fatalf("the recorded use did not renew a hardened cookie for two weeks: %+v", renewed)
	}
}

// TestIdleSessionEndsOnTheServer: the idle limit is the server's, from the
// recorded last use; a copy of the cookie kept by someone is refused
// after it too, and the session is recorded as ended for being idle.
func TestIdleSessionEndsOnTheServer(t *testing.T) {
	t.Parallel()
	e := newEnvWith(t, func(s *Settings) { s.SessionIdle = time.Hour })
	c := e.as("author")
	stolen := c.copied()
	e.advance(50 * time.Minute)
	wantCode(t, c.get("/workspaces/"), http.StatusOK) // used: the hour starts again
	e.advance(50 * time.Minute)
	wantCode(t, stolen().get("/workspaces/"), http.StatusOK)
	e.advance(61 * time.Minute)
	wantSignIn(t, stolen().get("/workspaces/"), "a copy of an idle session")
	if s := sessionOf(t, c); s.EndedAt == nil || s.EndReason != airlock.SessionIdle {
		t.Fatalf("idle session = %+v, want ended as idle", s)
	}
	wantSignIn(t, c.get("/workspaces/"), "the idle browser")
	if body := c.get("/login").Body.String(); !strings.Contains(body, "expired after a period without use") {
		t.Errorf("the sign-in page does not say why:\n%s", body)
	}
}
