package ui_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/airlock-project/airlock/ui/browsertest"
)

// testSignOutEverywhere: a researcher signed in on two browsers opens the
// account menu, follows "Sign out everywhere…", confirms on the account
// page, and both browsers are signed out; a checker signed in meanwhile is
// not (D15).
func testSignOutEverywhere(t *testing.T, b *browsertest.Browser) {
	w := newWorld(t)
	base := w.serve()
	laptop := person(t, b, w, base, researcher)
	desktop := person(t, b, w, base, researcher)
	checker := person(t, b, w, base, checker1)

	laptop.Click("[data-testid=account-menu] summary")
	laptop.WaitVisible("[data-testid=sign-out-everywhere-link]")
	laptop.ClickNav("[data-testid=sign-out-everywhere-link]")
	if !strings.Contains(laptop.URL(), "/account/") {
		t.Fatalf("the link went to %s", laptop.URL())
	}
	if n := laptop.Count("[data-testid=account-session]"); n != 2 {
		t.Errorf("the account page lists %d browsers, want 2", n)
	}
	if text := laptop.PageText(); !strings.Contains(text, "signed in on 2 browsers") || !strings.Contains(text, "this browser") {
		t.Errorf("the account page does not say where you are signed in:\n%s", text)
	}
	laptop.Screenshot("account-sign-out-everywhere")
	if problems := laptop.AccessibilityProblems(); len(problems) > 0 {
		t.Errorf("account page accessibility: %q", problems)
	}

	resp := laptop.ClickNav("[data-testid=sign-out-everywhere]")
	if resp.Status != http.StatusOK || !strings.Contains(laptop.URL(), "/login") {
		t.Fatalf("after signing out everywhere: %d at %s", resp.Status, laptop.URL())
	}
	if text := laptop.PageText(); !strings.Contains(text, "signed out everywhere") {
		t.Errorf("the sign-in page does not confirm it:\n%s", text)
	}
	laptop.Screenshot("signed-out-everywhere")

	desktop.Navigate(base + "/workspaces/")
	if !strings.Contains(desktop.URL(), "/login") {
		t.Errorf("the other browser is still signed in, at %s", desktop.URL())
	}
	checker.Navigate(base + "/reviews/")
	if !strings.HasSuffix(checker.URL(), "/reviews/") || !checker.Has("[data-testid=account-menu]") {
		t.Errorf("someone else was signed out too: at %s", checker.URL())
	}
}
