package ui

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/airlock-project/airlock/airlock"
)

// signInWith posts the sign-in form with a token and returns the answer.
func (c *client) signInWith(user, token string) *httptest.ResponseRecorder {
	c.e.t.Helper()
	return c.post("/login", url.Values{"user": {user}, "token": {token}, "next": {"/workspaces/"}})
}

// signInVia posts the sign-in form as forwarded by a proxy for client.
func (c *client) signInVia(client, user, token string) *httptest.ResponseRecorder {
	c.e.t.Helper()
	if c.csrf == "" {
		c.get("/login")
	}
	return c.do("POST", "/login", url.Values{"_csrf": {c.csrf}, "user": {user}, "token": {token}},
		map[string]string{"X-Forwarded-For": client})
}

// failSignIns sends n wrong tokens for user, each expected to be refused as wrong.
func failSignIns(t *testing.T, c *client, user string, n int) {
	t.Helper()
	for i := range n {
		if rec := c.signInWith(user, "wrong words here"); rec.Code != http.StatusUnauthorized {
			t.Fatalf("wrong token %d for %s: status %d, want 401", i+1, user, rec.Code)
		}
	}
}

// TestWrongTokensLockOnlyThatUserAtThatAddress: five wrong tokens for one
// user lock that user at that address; other people at the same address
// (everyone, behind a proxy) still sign in, and so does the same user
// elsewhere (issue 9, item 4).
func TestWrongTokensLockOnlyThatUserAtThatAddress(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	attacker := e.client()
	failSignIns(t, attacker, "author", 5)
	rec := attacker.signInWith("author", "token author")
	wantCode(t, rec, http.StatusTooManyRequests)
	if !strings.Contains(rec.Body.String(), "Too many failed sign-in attempts") || rec.Header().Get("Retry-After") == "" {
		t.Errorf("locked sign-in: no explanation or Retry-After: %q\n%s", rec.Header().Get("Retry-After"), rec.Body.String())
	}
	colleague := e.client() // same address, 192.0.2.1
	wantCode(t, colleague.signInWith("member", "token member"), http.StatusSeeOther)
	elsewhere := e.client()
	elsewhere.remote = "198.51.100.7:4000"
	wantCode(t, elsewhere.signInWith("author", "token author"), http.StatusSeeOther)
}

// TestSignInBackOffGrows: each wrong token past the free ones locks the
// user at that address for twice as long as the last, up to a cap, and a
// correct sign-in forgets the failures.
func TestSignInBackOffGrows(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.client()
	failSignIns(t, c, "author", 5)
	var locks []int
	for range 8 {
		rec := c.signInWith("author", "token author")
		wantCode(t, rec, http.StatusTooManyRequests)
		secs, err := strconv.Atoi(rec.Header().Get("Retry-After"))
		if err != nil {
			t.Fatalf("Retry-After %q", rec.Header().Get("Retry-After"))
		}
		locks = append(locks, secs)
		e.advance(time.Duration(secs) * time.Second)
		failSignIns(t, c, "author", 1)
	}
	for i := 1; i < len(locks); i++ {
		if locks[i] < locks[i-1] || (locks[i] == locks[i-1] && locks[i] != locks[len(locks)-1]) {
			t.Fatalf("locks did not grow up to a cap: %v", locks)
		}
	}
	if first, last := locks[0], locks[len(locks)-1]; first > 120 || last < 30*60 {
		t.Errorf("locks %v: want the first at most 2 minutes and the cap at least 30 minutes", locks)
	}
	e.advance(time.Duration(locks[len(locks)-1]) * time.Second)
	wantCode(t, c.signInWith("author", "token author"), http.StatusSeeOther)
	c.post("/logout", nil)
	failSignIns(t, c, "author", 1)
	wantCode(t, c.signInWith("author", "token author"), http.StatusSeeOther) // failures were forgotten
}

// TestForwardedForIsBelievedOnlyFromTrustedProxies: X-Forwarded-For is
// ignored by default, so a client cannot pick a fresh address for every
// guess; from a configured proxy it names the client.
func TestForwardedForIsBelievedOnlyFromTrustedProxies(t *testing.T) {
	t.Parallel()
	t.Run("NoneByDefault", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		c := e.client()
		for i := range 5 {
			wantCode(t, c.signInVia("203.0.113."+strconv.Itoa(i+1), "author", "wrong"), http.StatusUnauthorized)
		}
		wantCode(t, c.signInVia("203.0.113.99", "author", "token author"), http.StatusTooManyRequests)
	})
	t.Run("FromTrustedProxy", func(t *testing.T) {
		t.Parallel()
		e := newEnvWith(t, func(s *Settings) { s.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24")} })
		c := e.client()
		for range 5 {
			wantCode(t, c.signInVia("203.0.113.1", "author", "wrong"), http.StatusUnauthorized)
		}
		wantCode(t, c.signInVia("203.0.113.1", "author", "token author"), http.StatusTooManyRequests)
		wantCode(t, c.signInVia("203.0.113.2", "author", "token author"), http.StatusSeeOther)
		events := auditEvents(t, e)
		if last := events[len(events)-1]; last.Type != airlock.EventSignInFailed || last.Extra["address"] != "203.0.113.1" {
			t.Errorf("the first failed sign-in should be audited with the client's address, got %+v", last)
		}
	})
}

// TestFailedSignInsAreAudited: every wrong token is an audit event naming
// the user tried and the address; the chain still verifies.
func TestFailedSignInsAreAudited(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.client()
	failSignIns(t, c, "author", 2)
	failSignIns(t, c, "nobody@example.org", 1)
	var failed []*airlock.AuditEvent
	for _, ev := range auditEvents(t, e) {
		if ev.Type == airlock.EventSignInFailed {
			failed = append(failed, ev)
		}
	}
	if len(failed) != 3 {
		t.Fatalf("%d failed sign-ins audited, want 3", len(failed))
	}
	if ev := failed[0]; ev.User != "nobody@example.org" || ev.Extra["address"] != "192.0.2.1" || ev.Extra["reason"] == "" {
		t.Errorf("audit event = %+v", ev)
	}
	if n, err := e.db.VerifyAudit(context.Background()); err != nil || n == 0 {
		t.Fatalf("verify: %d events, %v", n, err)
	}
}

// TestSignInRefusesNamesThatAreNotText: a username that is not valid
// UTF-8, or too long for an email address, is refused before it reaches
// the jobs site, the limiter or the audit log.
func TestSignInRefusesNamesThatAreNotText(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.client()
	before := e.dump()
	for _, name := range []string{"caf\xe9", "a\uFFFDb", strings.Repeat("a", 255)} {
		rec := c.signInWith(name, "some token words")
		wantCode(t, rec, http.StatusUnprocessableEntity)
		if !strings.Contains(rec.Body.String(), "not a username or email address") {
			t.Errorf("%q: the page does not say what is wrong", name)
		}
	}
	if e.dump() != before {
		t.Error("a refused username was stored or audited")
	}
}
