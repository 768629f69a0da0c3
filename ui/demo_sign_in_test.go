package ui

import (
	"context"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/airlock-project/airlock/airlock"
)

// demoAuth offers the test users as demo users, as the demo's dev users
// file does in demo mode.
type demoAuth struct{ *TestUsers }

func (d demoAuth) DemoUsers(context.Context) ([]*airlock.User, error) {
	var out []*airlock.User
	for _, name := range slices.Sorted(maps.Keys(d.Users)) {
		u := d.Users[name]
		out = append(out, &u)
	}
	return out, nil
}

func (d demoAuth) DemoSignIn(ctx context.Context, username string) (*airlock.User, error) {
	u, err := d.Authorise(ctx, username)
	if err != nil {
		return nil, airlock.Errorf(airlock.EFORBIDDEN, "There is no demo user %q.", username)
	}
	return u, nil
}

// demoEnv is an environment whose server runs in demo mode.
func demoEnv(t *testing.T) *env {
	e := newEnv(t)
	srv, err := NewServer(Deps{Service: e.svc, Auth: demoAuth{e.users}, Sessions: e.db, Now: e.clock,
		SessionKeys: [][]byte{[]byte("0123456789abcdef0123456789abcdef")}, Settings: Settings{ExternalURL: "http://airlock.test"}})
	if err != nil {
		t.Fatal(err)
	}
	e.srv = srv
	return e
}

// TestDemoSwitcher checks the DEMO MODE switcher signs in by username and
// that no page carries a sign-in token: before, every page, the anonymous
// sign-in page included, held every dev user's token in hidden fields.
func TestDemoSwitcher(t *testing.T) {
	t.Parallel()
	e := demoEnv(t)
	anon := e.client()
	rec := anon.get("/login")
	body := rec.Body.String()
	switcher := between(body, `data-testid="demo-switcher"`, "</details>")
	for _, name := range []string{"author", "checker", "readonly"} {
		if !strings.Contains(switcher, `data-testid="demo-login-`+name+`"`) {
			t.Errorf("the switcher does not offer %s", name)
		}
	}
	if strings.Contains(switcher, `name="token"`) {
		t.Error("the switcher posts a token")
	}
	for name, token := range e.users.Tokens {
		if strings.Contains(body, token) {
			t.Errorf("the sign-in page carries %s's token", name)
		}
	}

	rec = anon.post("/demo/sign-in", url.Values{"user": {"checker"}, "next": {"/reviews/"}})
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/reviews/" {
		t.Fatalf("demo sign-in: %d to %q, want 303 to /reviews/", rec.Code, rec.Header().Get("Location"))
	}
	if page := anon.get("/workspaces/").Body.String(); !strings.Contains(page, "Signed in as Che Cker") {
		t.Error("the switcher did not sign in as checker")
	}
	// From the sign-in page the switcher goes to the person's start page
	// (home sends each to theirs), not back to sign-in.
	rec = e.client().post("/demo/sign-in", url.Values{"user": {"author"}, "next": {"/login?next=%2F"}})
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/" {
		t.Errorf("demo sign-in from the sign-in page: %d to %q", rec.Code, rec.Header().Get("Location"))
	}

	before := e.dump()
	for user, want := range map[string]int{"nobody": http.StatusForbidden, "": http.StatusUnprocessableEntity, "caf\xe9": http.StatusUnprocessableEntity} {
		c := e.client()
		if rec := c.post("/demo/sign-in", url.Values{"user": {user}}); rec.Code != want {
			t.Errorf("demo sign-in as %q: %d, want %d", user, rec.Code, want)
		}
		if rec := c.get("/workspaces/"); rec.Code != http.StatusFound {
			t.Errorf("a refused demo sign-in as %q signed someone in (%d)", user, rec.Code)
		}
	}
	if e.dump() != before {
		t.Error("refused demo sign-ins changed the database")
	}
}

// TestNoDemoSwitcherOutsideDemo checks that with a real authenticator (the
// jobs site) no page shows the switcher or mentions demo mode, and that
// the demo sign-in address does not exist.
func TestNoDemoSwitcherOutsideDemo(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for name, c := range map[string]*client{"anonymous": e.client(), "signed in": e.as("checker")} {
		for _, target := range []string{"/login", "/workspaces/"} {
			body := c.get(target).Body.String()
			if strings.Contains(body, "demo-switcher") || strings.Contains(body, "DEMO MODE") || strings.Contains(body, "demo mode") {
				t.Errorf("%s, %s: the page offers demo mode", name, target)
			}
		}
	}
	if rec := e.client().post("/demo/sign-in", url.Values{"user": {"checker"}}); rec.Code != http.StatusNotFound {
		t.Errorf("demo sign-in outside demo mode: %d, want 404", rec.Code)
	}
}
