package ui

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/airlock-project/airlock/airlock"
	"github.com/airlock-project/airlock/airlock/sqlite"
	"github.com/airlock-project/airlock/review"
	"github.com/airlock-project/airlock/workspaces"
	"github.com/airlock-project/airlock/workspaces/coderepo"
	"github.com/airlock-project/airlock/workspaces/content/compare"
)

// env is a complete web application for tests: real SQLite, real
// workspaces on disk, the real review service and dev-user sign-in.
type env struct {
	t     testing.TB
	srv   *Server
	db    *sqlite.DB
	svc   *review.Service
	root  *workspaces.Root
	users *TestUsers
	mu    sync.Mutex
	now   time.Time
	wsDir string
	store *workspaces.Store // the request-file store
	auth  *switchAuth
	// repoDir is the repository cache; it holds "repo", whose commit
	// testCommit produced every output of the test workspaces.
	repoDir string
}

// testRepoCommits is the source code of the test workspaces' repository.
var testRepoCommits = []coderepo.Commit{{
	Message: "Analysis", Author: "Ann Author", Email: "ann@example.org", When: time.Date(2026, 2, 1, 10, 0, 0, 0, time.UTC),
	Files: map[string]string{
		"project.yaml":       "version: '4.0'\nactions: {}\n",
		"analysis/model.R":   "fit <- lm(count ~ group)\n",
		"analysis/report.py": "print('<script>alert(1)</script>')\n",
		"docs/page.html":     "<html><body><script>document.title='ran'</script>x</body></html>",
	},
}}

// testCommit is the commit id of testRepoCommits, the same in every test.
var testCommit = sync.OnceValue(func() string {
	dir, err := os.MkdirTemp("", "airlock-repo-")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	ids, err := coderepo.Write(dir, "repo", testRepoCommits)
	if err != nil {
		panic(err)
	}
	return ids[0]
})

// TestUsers signs people in from a fixed set, each with their token, as
// the jobs site would: the tests' stand-in for it. It is exported for the
// browser tests in package ui_test. (The demo's dev users, read from a
// file, live with the demo in cmd/airlock.)
type TestUsers struct {
	Users  map[string]airlock.User
	Tokens map[string]string
}

// Authenticate implements Authenticator.
func (a *TestUsers) Authenticate(_ context.Context, user, token string) (*airlock.User, error) {
	u, ok := a.Users[user]
	if !ok || token == "" || a.Tokens[user] != token {
		return nil, airlock.Errorf(airlock.EFORBIDDEN, "Invalid user or token.")
	}
	return u.Clone(), nil
}

// Authorise implements Authenticator.
func (a *TestUsers) Authorise(_ context.Context, username string) (*airlock.User, error) {
	u, ok := a.Users[username]
	if !ok {
		return nil, airlock.Errorf(airlock.ENOTFOUND, "Unknown user %q.", username)
	}
	return u.Clone(), nil
}

// switchAuth wraps the test users so tests can make the jobs site refuse
// or fail role refreshes.
type switchAuth struct {
	*TestUsers
	mu   sync.Mutex
	fail error
}

func (a *switchAuth) setFail(err error) {
	a.mu.Lock()
	a.fail = err
	a.mu.Unlock()
}

// Authorise fails with the set error, else asks the dev users.
func (a *switchAuth) Authorise(ctx context.Context, username string) (*airlock.User, error) {
	a.mu.Lock()
	err := a.fail
	a.mu.Unlock()
	if err != nil {
		return nil, err
	}
	return a.TestUsers.Authorise(ctx, username)
}

func wsAccess(project string, ongoing, archived bool) airlock.WorkspaceAccess {
	return airlock.WorkspaceAccess{ProjectDetails: airlock.ProjectDetails{Name: project, Ongoing: &ongoing, Orgs: []string{"Org"}}, Archived: archived}
}

// testUsers are the people of the authorization matrix.
func testUsers() map[string]airlock.User {
	member := map[string]airlock.WorkspaceAccess{"ws1": wsAccess("Project One", true, false)}
	return map[string]airlock.User{
		"author":    {Username: "author", Fullname: "Ann Author", Workspaces: member},
		"member":    {Username: "member", Fullname: "Mem Member", Workspaces: member},
		"outsider":  {Username: "outsider", Fullname: "Out Sider", Workspaces: map[string]airlock.WorkspaceAccess{"ws2": wsAccess("Project Two", true, false)}},
		"checker":   {Username: "checker", Fullname: "Che Cker", OutputChecker: true},
		"checker2":  {Username: "checker2", Fullname: "Che Cker Two", OutputChecker: true},
		"selfcheck": {Username: "selfcheck", Fullname: "Self Checker", OutputChecker: true, Workspaces: member},
		"copilot":   {Username: "copilot", Fullname: "Co Pilot", CopilotedWorkspaces: member},
		"readonly":  {Username: "readonly", Fullname: "Read Only", ReadonlyAccess: true},
	}
}

func newEnv(t testing.TB) *env {
	t.Helper()
	return newEnvWith(t, nil)
}

// newEnvWith is newEnv with settings changed by tune first.
func newEnvWith(t testing.TB, tune func(*Settings)) *env {
	t.Helper()
	dir := t.TempDir()
	e := &env{t: t, now: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC), wsDir: filepath.Join(dir, "workspaces"),
		repoDir: filepath.Join(dir, "repos")}
	if _, err := coderepo.Write(e.repoDir, "repo", testRepoCommits); err != nil {
		t.Fatal(err)
	}
	writeWorkspace(t, e.wsDir, "ws1", ws1Files())
	writeWorkspace(t, e.wsDir, "ws2", map[string]string{"out/a.txt": "a\n"})
	var err error
	ctx := context.Background()
	if e.db, err = sqlite.Open(ctx, filepath.Join(dir, "airlock.db")); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.db.Close() })
	e.db.Now = e.clock
	if e.root, err = workspaces.OpenRoot(e.wsDir); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.root.Close() })
	store, err := workspaces.OpenStore(filepath.Join(dir, "requests"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	e.store = store
	e.svc = review.New(review.Config{Store: e.db, Workspaces: e.root, Files: store, Policy: airlock.NewPolicy(2, nil),
		Code: coderepo.NewCache(e.repoDir), Differencing: compare.NewDifferencer(7)})

	e.users = &TestUsers{Users: testUsers(), Tokens: map[string]string{}}
	for name := range e.users.Users {
		e.users.Tokens[name] = "token " + name
	}
	e.auth = &switchAuth{TestUsers: e.users}
	set := Settings{ExternalURL: "http://airlock.test"}
	if tune != nil {
		tune(&set)
	}
	if e.srv, err = NewServer(Deps{
		Service:     e.svc,
		Auth:        e.auth,
		Sessions:    e.db,
		SessionKeys: [][]byte{[]byte("0123456789abcdef0123456789abcdef")},
		Settings:    set,
		Now:         e.clock,
	}); err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *env) clock() time.Time {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.now
}

func (e *env) advance(d time.Duration) {
	e.mu.Lock()
	e.now = e.now.Add(d)
	e.mu.Unlock()
}

// ws1Files are the files newEnv writes in workspace ws1, all outputs.
func ws1Files() map[string]string {
	return map[string]string{
		"output/summary.csv":     "group,count\na,10\nb,20\n",
		"output/notes.txt":       "Some notes\n",
		"output/deep/nested.csv": "x,y\n1,2\n",
		"output/page.html":       "<html><body><script>alert(1)</script><p>hi</p></body></html>",
		"output/binary.bin":      "\x00\x01",
	}
}

// writeWorkspace writes files and a manifest listing them as
// moderately_sensitive outputs with correct hashes.
func writeWorkspace(t testing.TB, root, name string, files map[string]string) {
	t.Helper()
	outputs := map[string]any{}
	for p, body := range files {
		full := filepath.Join(root, name, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256([]byte(body))
		outputs[p] = manifestOutput(hex.EncodeToString(sum[:]), int64(len(body)))
	}
	writeManifest(t, root, name, outputs)
}

// manifestOutput is a manifest's entry for an output with this hash and
// size.
func manifestOutput(hash string, size int64) map[string]any {
	return map[string]any{"level": "moderately_sensitive", "job_id": "job1", "action": "act", "repo": "https://github.com/example/repo",
		"commit": testCommit(), "user": "author", "content_hash": hash, "size": size, "timestamp": 1700000000}
}

// writeManifest writes a workspace's manifest listing outputs (path →
// manifestOutput).
func writeManifest(t testing.TB, root, name string, outputs map[string]any) {
	t.Helper()
	m, _ := json.Marshal(map[string]any{"workspace": name, "repo": "https://github.com/example/repo", "outputs": outputs})
	if err := os.MkdirAll(filepath.Join(root, name, "metadata"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, name, "metadata", "manifest.json"), m, 0o644); err != nil {
		t.Fatal(err)
	}
}

// client is one browser: it keeps cookies and the last CSRF token seen.
type client struct {
	e    *env
	jar  *cookiejar.Jar
	csrf string
	// remote is the client's address ("host:port"); "" keeps httptest's 192.0.2.1:1234.
	remote string
}

func (e *env) client() *client {
	jar, _ := cookiejar.New(nil)
	return &client{e: e, jar: jar}
}

var csrfRE = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// do sends a request through ServeHTTP without following redirects.
func (c *client) do(method, target string, form url.Values, hdr map[string]string) *httptest.ResponseRecorder {
	c.e.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req := httptest.NewRequest(method, "http://airlock.test"+target, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	if c.remote != "" {
		req.RemoteAddr = c.remote
	}
	for _, ck := range c.jar.Cookies(req.URL) {
		req.AddCookie(ck)
	}
	rec := httptest.NewRecorder()
	c.e.srv.ServeHTTP(rec, req)
	c.jar.SetCookies(req.URL, rec.Result().Cookies())
	if m := csrfRE.FindStringSubmatch(rec.Body.String()); m != nil {
		c.csrf = m[1]
	}
	return rec
}

func (c *client) get(target string) *httptest.ResponseRecorder { return c.do("GET", target, nil, nil) }

// post sends a form with the CSRF token (fetching a page first if needed).
func (c *client) post(target string, form url.Values) *httptest.ResponseRecorder {
	c.e.t.Helper()
	if c.csrf == "" {
		c.get("/login")
	}
	if form == nil {
		form = url.Values{}
	}
	form.Set("_csrf", c.csrf)
	return c.do("POST", target, form, nil)
}

// login signs in as a test user.
func (c *client) login(username string) *client {
	c.e.t.Helper()
	rec := c.post("/login", url.Values{"user": {username}, "token": {"token " + username}, "next": {"/workspaces/"}})
	if rec.Code != http.StatusSeeOther {
		c.e.t.Fatalf("login %s: status %d: %s", username, rec.Code, rec.Body.String())
	}
	c.get("/workspaces/")
	return c
}

// as returns a signed-in client.
func (e *env) as(username string) *client { return e.client().login(username) }

// user returns a test user's domain object.
func (e *env) user(name string) *airlock.User {
	u := testUsers()[name]
	return u.Clone()
}

// dump returns the whole database, to prove refused actions change nothing.
func (e *env) dump() string {
	e.t.Helper()
	s, err := e.db.Dump(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	return s
}
