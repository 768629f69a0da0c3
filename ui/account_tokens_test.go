package ui

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

var tokenSecretRE = regexp.MustCompile(`value="(airlock_[A-Za-z0-9_-]{43})"`)

// TestAccountTokens makes, lists, uses and revokes a token on the account
// page, as its owner and as someone else.
func TestAccountTokens(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.as("author")
	if rec := c.get("/account/"); !strings.Contains(rec.Body.String(), `data-testid="no-api-tokens"`) {
		t.Fatalf("account page without tokens: %d", rec.Code)
	}

	rec := c.post("/account/tokens", url.Values{"name": {"nightly pipeline"}, "scope": {"read", "author"}, "days": {"30"}})
	m := tokenSecretRE.FindStringSubmatch(rec.Body.String())
	if rec.Code != http.StatusOK || m == nil {
		t.Fatalf("make a token: %d, secret shown: %v", rec.Code, m != nil)
	}
	secret := m[1]
	for _, ck := range rec.Result().Cookies() {
		if strings.Contains(ck.Value, secret) {
			t.Error("the secret went into a cookie")
		}
	}
	if dump := e.dump(); strings.Contains(dump, secret) {
		t.Error("the database holds the secret")
	}
	if rec := e.api(secret, "GET", apiPrefix+"/workspaces", ""); rec.Code != http.StatusOK {
		t.Errorf("the new token: %d %s", rec.Code, rec.Body.String())
	}
	page := c.get("/account/").Body.String()
	if strings.Contains(page, secret) || !strings.Contains(page, "nightly pipeline") || !strings.Contains(page, "read, author") {
		t.Errorf("account page after making a token: shows secret %v", strings.Contains(page, secret))
	}

	// Refused forms say why, keep what was typed, and change nothing.
	before := e.dump()
	for _, tc := range []struct {
		form   url.Values
		status int
		says   string
	}{
		{url.Values{"name": {"nightly pipeline"}, "scope": {"read"}, "days": {"30"}}, http.StatusConflict, "already have a token with this name"},
		{url.Values{"name": {"other"}, "days": {"30"}}, http.StatusUnprocessableEntity, "at least one scope"},
		{url.Values{"name": {"other"}, "scope": {"read"}, "days": {"1000"}}, http.StatusUnprocessableEntity, "at most 366 days"},
		{url.Values{"name": {"other"}, "scope": {"admin"}, "days": {"30"}}, http.StatusUnprocessableEntity, "not a token scope"},
		{url.Values{"name": {""}, "scope": {"read"}, "days": {"30"}}, http.StatusUnprocessableEntity, "Please name the token"},
	} {
		rec := c.post("/account/tokens", tc.form)
		body := rec.Body.String()
		if rec.Code != tc.status || !strings.Contains(htmlUnescape(body), tc.says) || tokenSecretRE.MatchString(body) {
			t.Errorf("%v: %d, want %d with %q", tc.form, rec.Code, tc.status, tc.says)
		}
		if n := tc.form.Get("name"); n != "" && !strings.Contains(body, `value="`+n+`"`) {
			t.Errorf("%v: the name typed is lost", tc.form)
		}
	}
	if e.dump() != before {
		t.Error("refused token forms changed the database")
	}

	list, err := e.db.UserTokens(context.Background(), "author")
	if err != nil || len(list) != 1 {
		t.Fatalf("tokens: %v %v", list, err)
	}
	id := list[0].ID
	// Nobody else sees or revokes it.
	other := e.as("checker")
	before = withoutSessions(e.dump())
	if rec := other.get("/account/tokens/revoke/" + id); rec.Code != http.StatusNotFound {
		t.Errorf("checker's confirmation page for author's token: %d", rec.Code)
	}
	if rec := other.post("/account/tokens/revoke/"+id, nil); rec.Code != http.StatusNotFound {
		t.Errorf("checker revoking author's token: %d", rec.Code)
	}
	if strings.Contains(other.get("/account/").Body.String(), "nightly pipeline") {
		t.Error("checker's account page lists author's token")
	}
	if withoutSessions(e.dump()) != before {
		t.Error("refused revocations changed the database")
	}

	// The owner confirms, then revokes: the token stops working at once.
	if rec := c.get("/account/tokens/revoke/" + id); rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "nightly pipeline") {
		t.Errorf("confirmation page: %d", rec.Code)
	}
	if rec := c.post("/account/tokens/revoke/"+id, nil); rec.Code != http.StatusSeeOther {
		t.Errorf("revoke: %d %s", rec.Code, rec.Body.String())
	}
	if rec := e.api(secret, "GET", apiPrefix+"/workspaces", ""); rec.Code != http.StatusUnauthorized {
		t.Errorf("revoked token: %d", rec.Code)
	}
	if page := c.get("/account/").Body.String(); strings.Contains(page, `data-testid="api-token"`) || !strings.Contains(page, "is revoked") {
		t.Error("account page after revoking still lists the token, or does not say it was revoked")
	}
}
