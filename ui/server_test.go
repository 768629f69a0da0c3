package ui

import (
	"fmt"
	"net/http/httptest"
	"sync"

	"github.com/airlock-project/airlock/airlock"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestHealthz(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	rec := e.client().get("/healthz")
	if rec.Code != http.StatusOK || rec.Body.String() != "ok" {
		t.Fatalf("healthz = %d %q", rec.Code, rec.Body.String())
	}
}

func TestSecurityHeaders(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	rec := e.client().get("/login")
	h := rec.Header()
	for k, want := range map[string]string{
		"Content-Security-Policy": pageCSP,
		"X-Frame-Options":         "DENY",
		"X-Content-Type-Options":  "nosniff",
		"Referrer-Policy":         "same-origin",
		"Cache-Control":           "no-store",
	} {
		if got := h.Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	body := rec.Body.String()
	if strings.Contains(body, "style=") || strings.Contains(body, "<script>") {
		t.Errorf("page has inline style or script")
	}
}

func TestLoginFlow(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.client()
	if rec := c.get("/workspaces/"); rec.Code != http.StatusFound || !strings.HasPrefix(rec.Header().Get("Location"), "/login?next=") {
		t.Fatalf("anonymous workspaces = %d %q", rec.Code, rec.Header().Get("Location"))
	}
	rec := c.post("/login", url.Values{"user": {"author"}, "token": {"token author"}, "next": {"/workspaces/"}})
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/workspaces/" {
		t.Fatalf("login = %d %q", rec.Code, rec.Header().Get("Location"))
	}
	for _, ck := range rec.Result().Cookies() {
		if ck.Name == sessionCookie && (!ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode) {
			t.Errorf("session cookie not hardened: %+v", ck)
		}
	}
	if rec := c.get("/workspaces/"); rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "Signed in as Ann Author") {
		t.Fatalf("after login = %d", rec.Code)
	}
	if rec := c.post("/logout", nil); rec.Code != http.StatusSeeOther {
		t.Fatalf("logout = %d", rec.Code)
	}
	if rec := c.get("/workspaces/"); rec.Code != http.StatusFound {
		t.Fatalf("after logout = %d", rec.Code)
	}
}

func TestLoginBadToken(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.client()
	rec := c.post("/login", url.Values{"user": {"author"}, "token": {"wrong"}})
	if rec.Code != http.StatusUnauthorized || !strings.Contains(rec.Body.String(), "Invalid user or token") {
		t.Fatalf("bad login = %d", rec.Code)
	}
}

func TestCSRFRequired(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.as("author")
	for _, tc := range []struct {
		name string
		form url.Values
		hdr  map[string]string
	}{
		{"NoToken", url.Values{}, nil},
		{"WrongToken", url.Values{"_csrf": {"nope"}}, nil},
		{"SameOriginFetchNoToken", url.Values{}, map[string]string{"Sec-Fetch-Site": "same-origin"}},
		{"CrossSite", url.Values{"_csrf": {c.csrf}}, map[string]string{"Sec-Fetch-Site": "cross-site"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := c.do("POST", "/logout", tc.form, tc.hdr)
			if rec.Code != http.StatusForbidden {
				t.Fatalf("status %d, want 403", rec.Code)
			}
		})
	}
	// Still signed in.
	if rec := c.get("/workspaces/"); rec.Code != http.StatusOK {
		t.Fatalf("after refused logout = %d", rec.Code)
	}
}

func TestSafeNext(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"":                    "/x",
		"/workspaces/":        "/workspaces/",
		"/requests/view/1/?a": "/requests/view/1/?a",
		"//evil.example":      "/x",
		"/\\evil.example":     "/x",
		"https://evil":        "/x",
		"evil":                "/x",
		"/\x09/evil":          "/x",
		"/ok/../../x":         "/x",
	} {
		if got := safeNext(in, "/x"); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestOpenRedirectRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.client()
	rec := c.post("/login", url.Values{"user": {"author"}, "token": {"token author"}, "next": {"//evil.example/x"}})
	if loc := rec.Header().Get("Location"); loc != "/" {
		t.Fatalf("redirect to %q", loc)
	}
	if rec := c.get("/login?next=https://evil.example"); rec.Code != http.StatusFound || rec.Header().Get("Location") != "/" {
		t.Fatalf("signed-in login redirect = %d %q", rec.Code, rec.Header().Get("Location"))
	}
}

func TestSessionIdleExpiry(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.as("author")
	e.advance(13 * 24 * time.Hour)
	if rec := c.get("/workspaces/"); rec.Code != http.StatusOK {
		t.Fatalf("after 13 days = %d", rec.Code)
	}
	e.advance(13 * 24 * time.Hour) // sliding: 13 days since the last request
	if rec := c.get("/workspaces/"); rec.Code != http.StatusOK {
		t.Fatalf("after another 13 days = %d", rec.Code)
	}
	e.advance(15 * 24 * time.Hour)
	if rec := c.get("/workspaces/"); rec.Code != http.StatusFound {
		t.Fatalf("after 15 idle days = %d, want redirect to sign in", rec.Code)
	}
}

func TestStaticHashedAndImmutable(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	u, err := e.srv.static.URL("app.css")
	if err != nil {
		t.Fatal(err)
	}
	rec := e.client().get(u)
	if rec.Code != http.StatusOK || !strings.Contains(rec.Header().Get("Cache-Control"), "immutable") {
		t.Fatalf("static = %d %q", rec.Code, rec.Header().Get("Cache-Control"))
	}
	if rec := e.client().get("/static/0000/app.css"); rec.Header().Get("Cache-Control") != "no-cache" {
		t.Fatalf("stale hash cached: %q", rec.Header().Get("Cache-Control"))
	}
	if rec := e.client().get("/static/x/nope.js"); rec.Code != http.StatusNotFound {
		t.Fatalf("unknown static = %d", rec.Code)
	}
}

func TestRoleRefresh(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		fail    error
		advance time.Duration
		want    int
	}{
		{"FreshRolesNoCall", airlock.Errorf(airlock.EUNAVAILABLE, "down"), 10 * time.Minute, http.StatusOK},
		{"RefreshOK", nil, 20 * time.Minute, http.StatusOK},
		{"RevokedEndsSession", airlock.Errorf(airlock.EFORBIDDEN, "no access"), 20 * time.Minute, http.StatusFound},
		{"GoneEndsSession", airlock.Errorf(airlock.ENOTFOUND, "no such user"), 20 * time.Minute, http.StatusFound},
		{"OutageWithinGrace", airlock.Errorf(airlock.EUNAVAILABLE, "down"), 50 * time.Minute, http.StatusOK},
		{"OutagePastGrace", airlock.Errorf(airlock.EUNAVAILABLE, "down"), 80 * time.Minute, http.StatusFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			c := e.as("author")
			e.auth.setFail(tc.fail)
			e.advance(tc.advance)
			if rec := c.get("/workspaces/"); rec.Code != tc.want {
				t.Fatalf("status %d, want %d", rec.Code, tc.want)
			}
		})
	}
}

func TestTemplatesConcurrent(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.as("author")
	id := authorRequest(t, e, c)
	var wg sync.WaitGroup
	errs := make(chan string, 64)
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, p := range []string{"/workspaces/", "/workspaces/view/ws1/output/", "/requests/view/" + id + "/", "/requests/group/" + id + "/tables"} {
				rec := httptest.NewRecorder()
				req := httptest.NewRequest("GET", "http://airlock.test"+p, nil)
				for _, ck := range c.jar.Cookies(req.URL) {
					req.AddCookie(ck)
				}
				e.srv.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					errs <- fmt.Sprintf("%s: %d", p, rec.Code)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestNewServerErrors checks that a configuration mistake is an error
// returned to startup, never a panic.
func TestNewServerErrors(t *testing.T) {
	t.Parallel()
	for name, keys := range map[string][][]byte{
		"NoKeys":       nil,
		"ShortHashKey": {[]byte("too short")},
	} {
		t.Run(name, func(t *testing.T) {
			srv, err := NewServer(Deps{SessionKeys: keys})
			if err == nil || srv != nil || !strings.Contains(err.Error(), "session hash key of at least 32 bytes") {
				t.Fatalf("NewServer = %v, %v", srv, err)
			}
		})
	}
}
