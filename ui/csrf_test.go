package ui

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// commentForm is a public comment a checker may post on the matrix's
// submitted request.
func commentForm(text string) url.Values {
	return url.Values{"text": {text}, "visibility": {"PUBLIC"}}
}

// TestCSRFTokenIsBoundToTheSession: the victim's session cookie sent with
// another person's CSRF cookie and token is refused, and nothing is stored
// (issue 9, item 5; D15).
func TestCSRFTokenIsBoundToTheSession(t *testing.T) {
	t.Parallel()
	m := newMatrixState(t)
	e, id := m.e, m.byUser["author"]
	victim := e.as("checker")
	attacker := e.as("checker2")
	u, _ := url.Parse("http://airlock.test/")

	forged := e.client()
	for _, ck := range attacker.jar.Cookies(u) {
		if ck.Name != sessionCookie {
			forged.jar.SetCookies(u, []*http.Cookie{ck})
		}
	}
	for _, ck := range victim.jar.Cookies(u) {
		if ck.Name == sessionCookie {
			forged.jar.SetCookies(u, []*http.Cookie{ck})
		}
	}
	forged.csrf = attacker.csrf
	if attacker.csrf == victim.csrf {
		t.Fatal("two people's sessions have the same CSRF token")
	}
	before := e.dump()
	for name, rec := range map[string]*http.Response{
		"FormToken":   forged.post("/requests/comment/"+id+"/tables", commentForm("forged")).Result(),
		"HeaderToken": forged.do("POST", "/requests/comment/"+id+"/tables", commentForm("forged"), map[string]string{"X-CSRF-Token": attacker.csrf, "HX-Request": "true"}).Result(),
	} {
		if rec.StatusCode != http.StatusForbidden {
			t.Errorf("%s: status %d, want 403", name, rec.StatusCode)
		}
	}
	if e.dump() != before {
		t.Fatal("a forged request changed the database")
	}
	// The victim's own token still works, in the form and in the htmx header.
	wantCode(t, victim.post("/requests/comment/"+id+"/tables", commentForm("mine")), http.StatusSeeOther)
	rec := victim.do("POST", "/requests/comment/"+id+"/tables", commentForm("mine, by htmx"),
		map[string]string{"X-CSRF-Token": victim.csrf, "HX-Request": "true"})
	if rec.Code >= 400 {
		t.Fatalf("htmx POST with the header token: %d\n%s", rec.Code, rec.Body.String())
	}
}

// TestForeignOriginRefused: a state change with a valid token is refused
// when Origin (or, without it, Referer) names another site.
func TestForeignOriginRefused(t *testing.T) {
	t.Parallel()
	m := newMatrixState(t)
	e, id := m.e, m.byUser["author"]
	c := e.as("checker")
	target := "/requests/comment/" + id + "/tables"
	before := e.dump()
	for name, hdr := range map[string]map[string]string{
		"EvilOrigin":          {"Origin": "http://evil.example"},
		"NullOrigin":          {"Origin": "null"},
		"OtherPort":           {"Origin": "http://airlock.test:8080"},
		"OtherScheme":         {"Origin": "https://airlock.test"},
		"EvilReferer":         {"Referer": "http://evil.example/page"},
		"EvilOriginOkReferer": {"Origin": "http://evil.example", "Referer": "http://airlock.test/workspaces/"},
	} {
		t.Run(name, func(t *testing.T) {
			rec := c.do("POST", target, url.Values{"_csrf": {c.csrf}, "text": {"cross-site"}, "visibility": {"PUBLIC"}}, hdr)
			wantCode(t, rec, http.StatusForbidden)
			if !strings.Contains(rec.Body.String(), "another site") {
				t.Errorf("the refusal does not say why:\n%s", rec.Body.String())
			}
		})
	}
	if e.dump() != before {
		t.Fatal("a cross-site request changed the database")
	}
	for name, hdr := range map[string]map[string]string{
		"SameOrigin":  {"Origin": "http://airlock.test"},
		"SameReferer": {"Referer": "http://airlock.test/requests/group/x"},
		"Neither":     nil,
	} {
		t.Run(name, func(t *testing.T) {
			wantCode(t, c.do("POST", target, url.Values{"_csrf": {c.csrf}, "text": {name}, "visibility": {"PUBLIC"}}, hdr), http.StatusSeeOther)
		})
	}
}
