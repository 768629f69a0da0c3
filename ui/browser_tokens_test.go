package ui_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/airlock-project/airlock/ui/browsertest"
)

// testAPITokens: a researcher makes an API token on the account page,
// copies it from the one page that shows it, lists workspaces with it,
// then revokes it after a confirmation, and it stops working.
func testAPITokens(t *testing.T, b *browsertest.Browser) {
	w := newWorld(t)
	base := w.serve()
	p := person(t, b, w, base, researcher)
	p.Navigate(base + "/account/")
	if !p.Has("[data-testid=no-api-tokens]") {
		t.Fatalf("a new account lists tokens:\n%s", p.PageText())
	}
	p.SetValue("[data-testid=token-name]", "nightly export")
	p.Click("[data-testid=token-scope-author]")
	p.ClickNav("[data-testid=token-create]")
	p.WaitVisible("[data-testid=new-token-secret]")
	secret := browsertest.Eval[string](p, `document.querySelector("[data-testid=new-token-secret]").value`)
	if !strings.HasPrefix(secret, "airlock_") {
		t.Fatalf("the page shows %q as the token", secret)
	}
	if n := p.Count("[data-testid=api-token]"); n != 1 {
		t.Errorf("%d tokens listed, want 1", n)
	}
	p.Screenshot("account-api-token-made")
	if problems := p.AccessibilityProblems(); len(problems) > 0 {
		t.Errorf("account page accessibility: %q", problems)
	}

	call := func() int {
		req, _ := http.NewRequest("GET", base+"/api/v1/workspaces", nil)
		req.Header.Set("Authorization", "Bearer "+secret)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := call(); got != http.StatusOK {
		t.Fatalf("the new token: %d", got)
	}

	p.Navigate(base + "/account/")
	if strings.Contains(p.HTML(), secret) {
		t.Error("the token is shown again")
	}
	p.ClickNav("[data-testid=revoke-token]")
	p.WaitVisible("[data-testid=token-revoke-confirm]")
	p.Screenshot("account-api-token-revoke")
	p.ClickNav("[data-testid=token-revoke-confirm]")
	if !strings.Contains(p.PageText(), "is revoked") || p.Count("[data-testid=api-token]") != 0 {
		t.Errorf("after revoking:\n%s", p.PageText())
	}
	if got := call(); got != http.StatusUnauthorized {
		t.Errorf("the revoked token: %d", got)
	}
}
