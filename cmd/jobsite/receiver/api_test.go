package receiver_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/airlock-project/airlock/cmd/jobsite/receiver"
	"github.com/airlock-project/airlock/cmd/jobsite/receiver/receivertest"
)

const (
	tppToken  = "0123456789abcdef0123456789abcdef01234567"
	emisToken = "fedcba9876543210fedcba9876543210fedcba98"
	releaseID = "01J2Z3Y4X5W6V7T8S9R0QPNMKJ"
)

func mustConfig(tb testing.TB) receiver.Config {
	tb.Helper()
	cfg, err := receiver.LoadConfig("testdata/config.json")
	if err != nil {
		tb.Fatal(err)
	}
	return cfg
}

// clock is an adjustable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func newHarness(tb testing.TB) (*receivertest.Harness, *clock) {
	tb.Helper()
	clk := &clock{t: time.Date(2026, 7, 1, 12, 0, 0, 0, time.UTC)}
	h := receivertest.New(tb, mustConfig(tb), receiver.Options{Now: clk.Now})
	return h, clk
}

type response struct {
	Status int
	Header http.Header
	Body   []byte
}

// post sends a raw request: headers as given (a nil value omits the header).
func post(tb testing.TB, h *receivertest.Harness, path string, headers map[string]string, body []byte) response {
	tb.Helper()
	req, err := http.NewRequest(http.MethodPost, h.HTTP.URL+path, bytes.NewReader(body))
	if err != nil {
		tb.Fatal(err)
	}
	for k, v := range headers {
		req.Header[k] = []string{v}
	}
	resp, err := h.HTTP.Client().Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return response{resp.StatusCode, resp.Header, data}
}

func jsonHeaders(token, osUser string) map[string]string {
	h := map[string]string{"Content-Type": "application/json", "Accept": "application/json"}
	if token != "" {
		h["Authorization"] = token
	}
	if osUser != "" {
		h["OS-User"] = osUser
	}
	return h
}

func uploadHeaders(token, osUser, name string) map[string]string {
	h := jsonHeaders(token, osUser)
	h["Content-Type"] = "application/octet-stream"
	if name != "" {
		h["Content-Disposition"] = `attachment; filename="` + name + `"`
	}
	return h
}

func expect(tb testing.TB, r response, status int, body string) {
	tb.Helper()
	if r.Status != status {
		tb.Fatalf("status=%d, want %d; body %s", r.Status, status, r.Body)
	}
	if body == "" {
		return
	}
	var got, want any
	if err := json.Unmarshal(r.Body, &got); err != nil {
		tb.Fatalf("body %q is not JSON: %v", r.Body, err)
	}
	if err := json.Unmarshal([]byte(body), &want); err != nil {
		tb.Fatalf("bad want %q: %v", body, err)
	}
	if !reflect.DeepEqual(got, want) {
		tb.Fatalf("body=%s, want %s", r.Body, body)
	}
}

func readFixture(tb testing.TB, name string) []byte {
	tb.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		tb.Fatal(err)
	}
	return data
}

// assertNothingStored checks no release, no file and no event exists.
func assertNothingStored(tb testing.TB, h *receivertest.Harness) {
	tb.Helper()
	ctx := context.Background()
	if n, err := h.Server.ReleaseCount(ctx); err != nil || n != 0 {
		tb.Fatalf("releases=%d (%v), want none", n, err)
	}
	if evs, err := h.Server.Events(ctx); err != nil || len(evs) != 0 {
		tb.Fatalf("events=%d (%v), want none", len(evs), err)
	}
}

func TestBackendAuthRefusals(t *testing.T) {
	h, _ := newHarness(t)
	paths := []string{
		"/api/v2/releases/authenticate",
		"/api/v2/releases/authorise",
		"/api/v2/releases/workspace/heart-main",
		"/api/v2/airlock/events/",
	}
	cases := []struct {
		name   string
		header map[string]string
		detail string
	}{
		{"Missing", map[string]string{"Content-Type": "application/json"}, "Authorization header is missing"},
		{"Empty", map[string]string{"Authorization": ""}, "Authorization header is empty"},
		{"Invalid", map[string]string{"Authorization": "not-a-token"}, "Invalid token"},
		{"BearerPrefix", map[string]string{"Authorization": "Bearer " + tppToken}, "Invalid token"},
	}
	for _, p := range paths {
		for _, tc := range cases {
			t.Run(strings.TrimPrefix(p, "/api/v2/")+"/"+tc.name, func(t *testing.T) {
				hdr := map[string]string{"OS-User": "alice"}
				for k, v := range tc.header {
					hdr[k] = v
				}
				r := post(t, h, p, hdr, readFixture(t, "release.json"))
				expect(t, r, http.StatusForbidden, `{"detail": "`+tc.detail+`"}`)
			})
		}
	}
	assertNothingStored(t, h)
}

func TestAuthenticate(t *testing.T) {
	h, clk := newHarness(t)
	ctx := context.Background()
	login := func(user, token string) response {
		body, _ := json.Marshal(map[string]string{"user": user, "token": token})
		return post(t, h, "/api/v2/releases/authenticate", jsonHeaders(emisToken, ""), body)
	}

	t.Run("OKByUsernameExactObject", func(t *testing.T) {
		tok := h.IssueToken(t, "bob")
		expect(t, login("bob", tok), http.StatusOK, `{
			"username": "bob", "fullname": "Bob Baker",
			"workspaces": {
				"heart-main": {"project_details": {"name": "Heart Study", "ongoing": true, "orgs": ["Lead Org", "Partner Org"]}, "archived": false},
				"heart-old": {"project_details": {"name": "Heart Study", "ongoing": true, "orgs": ["Lead Org", "Partner Org"]}, "archived": true},
				"old-study": {"project_details": {"name": "Old Study", "ongoing": false, "orgs": []}, "archived": false}
			},
			"copiloted_workspaces": {},
			"output_checker": false, "readonly_access": false}`)
	})
	t.Run("OKByEmailWithSpacesIgnored", func(t *testing.T) {
		tok := h.IssueToken(t, "erin")
		mangled := "  " + strings.ReplaceAll(tok, " ", "   ") + "\t\n"
		expect(t, login("erin@example.org", mangled), http.StatusOK, `{
			"username": "erin", "fullname": "Erin Editor", "workspaces": {},
			"copiloted_workspaces": {
				"heart-main": {"project_details": {"name": "Heart Study", "ongoing": true, "orgs": ["Lead Org", "Partner Org"]}, "archived": false},
				"heart-old": {"project_details": {"name": "Heart Study", "ongoing": true, "orgs": ["Lead Org", "Partner Org"]}, "archived": true}
			},
			"output_checker": false, "readonly_access": true}`)
	})
	t.Run("CheckerWhoIsCollaboratorSeesWorkspaces", func(t *testing.T) {
		tok := h.IssueToken(t, "alice")
		r := login("alice", strings.ReplaceAll(tok, " ", ""))
		expect(t, r, http.StatusOK, "")
		var u struct {
			Workspaces    map[string]any `json:"workspaces"`
			OutputChecker bool           `json:"output_checker"`
		}
		json.Unmarshal(r.Body, &u)
		if len(u.Workspaces) != 2 || !u.OutputChecker {
			t.Fatalf("alice=%s", r.Body)
		}
	})
	t.Run("SingleUse", func(t *testing.T) {
		tok := h.IssueToken(t, "bob")
		expect(t, login("bob", tok), http.StatusOK, "")
		expect(t, login("bob", tok), http.StatusForbidden, `{"detail": "No login token set for bob"}`)
	})
	t.Run("WrongTokenKeepsToken", func(t *testing.T) {
		tok := h.IssueToken(t, "bob")
		expect(t, login("bob", "wrong words here"), http.StatusForbidden, `{"detail": "Token for bob was invalid"}`)
		expect(t, login("bob", strings.ToUpper(tok)), http.StatusForbidden, `{"detail": "Token for bob was invalid"}`)
		expect(t, login("bob", tok), http.StatusOK, "")
	})
	t.Run("NewTokenReplacesOld", func(t *testing.T) {
		old := h.IssueToken(t, "bob")
		tok := h.IssueToken(t, "bob")
		if old == tok {
			t.Skip("two random tokens collided")
		}
		expect(t, login("bob", old), http.StatusForbidden, `{"detail": "Token for bob was invalid"}`)
		expect(t, login("bob", tok), http.StatusOK, "")
	})
	t.Run("Expired", func(t *testing.T) {
		tok := h.IssueToken(t, "bob")
		clk.Add(time.Hour)
		defer clk.Add(-time.Hour)
		expect(t, login("bob", tok), http.StatusForbidden, `{"detail": "Token for bob has expired"}`)
	})
	t.Run("JustBeforeExpiry", func(t *testing.T) {
		tok := h.IssueToken(t, "bob")
		clk.Add(time.Hour - time.Second)
		defer clk.Add(-time.Hour + time.Second)
		expect(t, login("bob", tok), http.StatusOK, "")
	})
	t.Run("UnknownUser", func(t *testing.T) {
		expect(t, login("nobody", "a b c"), http.StatusForbidden, `{"detail": "User matching query does not exist."}`)
	})
	t.Run("NoBackends", func(t *testing.T) {
		expect(t, login("dave", "a b c"), http.StatusForbidden, `{"detail": "User dave does not have access to any backends"}`)
		if _, err := h.Server.IssueToken(ctx, "dave"); err == nil {
			t.Fatal("token issued to a user with no backend")
		}
	})
	t.Run("NoTokenSet", func(t *testing.T) {
		expect(t, login("carol", "a b c"), http.StatusForbidden, `{"detail": "No login token set for carol"}`)
	})
	t.Run("MissingFields", func(t *testing.T) {
		r := post(t, h, "/api/v2/releases/authenticate", jsonHeaders(tppToken, ""), []byte(`{}`))
		expect(t, r, http.StatusBadRequest, `{"user": ["This field is required."], "token": ["This field is required."]}`)
		r = post(t, h, "/api/v2/releases/authenticate", jsonHeaders(tppToken, ""), []byte(`{"user": "bob"}`))
		expect(t, r, http.StatusBadRequest, `{"token": ["This field is required."]}`)
	})
	t.Run("MalformedJSON", func(t *testing.T) {
		r := post(t, h, "/api/v2/releases/authenticate", jsonHeaders(tppToken, ""), []byte(`{"user": `))
		if r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), "JSON parse error") {
			t.Fatalf("got %d %s", r.Status, r.Body)
		}
	})
	t.Run("ConcurrentUseSucceedsOnce", func(t *testing.T) {
		tok := h.IssueToken(t, "bob")
		var wg sync.WaitGroup
		codes := make([]int, 4)
		for i := range codes {
			wg.Go(func() { codes[i] = login("bob", tok).Status })
		}
		wg.Wait()
		ok := 0
		for _, c := range codes {
			if c == http.StatusOK {
				ok++
			}
		}
		if ok != 1 {
			t.Fatalf("codes=%v, want exactly one 200", codes)
		}
	})
}

func TestAuthorise(t *testing.T) {
	h, _ := newHarness(t)
	authorise := func(body string) response {
		return post(t, h, "/api/v2/releases/authorise", jsonHeaders(tppToken, ""), []byte(body))
	}
	expect(t, authorise(`{"user": "carol"}`), http.StatusOK, `{"username": "carol", "fullname": "", "workspaces": {},
		"copiloted_workspaces": {}, "output_checker": true, "readonly_access": false}`)
	expect(t, authorise(`{"user": "nobody"}`), http.StatusNotFound, `{"detail": "No User matches the given query."}`)
	expect(t, authorise(`{"user": "bob@example.org"}`), http.StatusNotFound, `{"detail": "No User matches the given query."}`)
	expect(t, authorise(`{"user": "dave"}`), http.StatusForbidden, `{"detail": "User dave does not have access to any backends"}`)
	expect(t, authorise(`{}`), http.StatusBadRequest, `{"user": ["This field is required."]}`)
}

func createRelease(tb testing.TB, h *receivertest.Harness, token, osUser, ws string, body []byte) response {
	tb.Helper()
	return post(tb, h, "/api/v2/releases/workspace/"+ws, jsonHeaders(token, osUser), body)
}

func TestReleaseCreate(t *testing.T) {
	body := readFixture(t, "release.json")

	t.Run("OK", func(t *testing.T) {
		h, _ := newHarness(t)
		r := createRelease(t, h, tppToken, " alice ", "heart-main", body)
		expect(t, r, http.StatusCreated, `{"release_id": "`+releaseID+`",
			"release_url": "`+h.HTTP.URL+`/workspaces/heart-main/releases/`+releaseID+`/"}`)
		if got := r.Header.Get("Release-Id"); got != releaseID {
			t.Fatalf("Release-Id=%q", got)
		}
		files, err := h.Server.ReleasedFiles(context.Background(), releaseID)
		if err != nil || len(files) != 2 {
			t.Fatalf("files=%v err=%v", files, err)
		}
		if f := files[1]; f.Name != "output/table.csv" || f.Size != 22 || f.Uploaded || f.CreatedBy != "alice" ||
			f.Backend != "tpp" || !f.Mtime.Equal(time.Date(2026, 7, 1, 12, 34, 56, 123456000, time.UTC)) {
			t.Fatalf("file=%+v", f)
		}
	})
	t.Run("IdempotentOnAirlockID", func(t *testing.T) {
		h, _ := newHarness(t)
		expect(t, createRelease(t, h, tppToken, "alice", "heart-main", body), http.StatusCreated, "")
		r := createRelease(t, h, tppToken, "alice", "heart-main", body)
		expect(t, r, http.StatusCreated, "")
		if r.Header.Get("Release-Id") != releaseID {
			t.Fatalf("Release-Id=%q", r.Header.Get("Release-Id"))
		}
		if n, _ := h.Server.ReleaseCount(context.Background()); n != 1 {
			t.Fatalf("releases=%d", n)
		}
	})
	t.Run("ChangedFilesConflict", func(t *testing.T) {
		h, _ := newHarness(t)
		expect(t, createRelease(t, h, tppToken, "alice", "heart-main", body), http.StatusCreated, "")
		changed := bytes.Replace(body, []byte("38b6ade4"), []byte("00000000"), 1)
		r := createRelease(t, h, tppToken, "alice", "heart-main", changed)
		expect(t, r, http.StatusConflict, `{"detail": "Release `+releaseID+` already exists with different files. A release cannot be changed once created."}`)
		files, _ := h.Server.ReleasedFiles(context.Background(), releaseID)
		if files[1].SHA256[:8] != "38b6ade4" {
			t.Fatalf("stored hash changed: %s", files[1].SHA256)
		}
		r = createRelease(t, h, tppToken, "alice", "heart-old", body)
		expect(t, r, http.StatusConflict, `{"detail": "Release `+releaseID+` already exists for another workspace or backend."}`)
	})
	t.Run("WithoutAirlockIDMakesNewRelease", func(t *testing.T) {
		h, _ := newHarness(t)
		legacy := bytes.ReplaceAll(body, []byte(`"airlock_id": "`+releaseID+`"`), []byte(`"other": "x"`))
		a := createRelease(t, h, tppToken, "alice", "heart-main", legacy)
		b := createRelease(t, h, tppToken, "alice", "heart-main", legacy)
		expect(t, a, http.StatusCreated, "")
		if a.Header.Get("Release-Id") == b.Header.Get("Release-Id") || len(a.Header.Get("Release-Id")) != 26 {
			t.Fatalf("ids %q %q", a.Header.Get("Release-Id"), b.Header.Get("Release-Id"))
		}
	})

	refusals := []struct {
		name, token, osUser, ws string
		body                    []byte
		status                  int
		want                    string
	}{
		{"UnknownWorkspaceBeforeAuth", "", "", "nope", body, 404, `{"detail": "No Workspace matches the given query."}`},
		{"WorkspaceTrailingSlash", tppToken, "alice", "heart-main/", body, 404, ""},
		{"NoOSUser", tppToken, "", "heart-main", body, 403, `{"detail": "Authentication credentials were not provided."}`},
		{"UnknownOSUser", tppToken, "mallory", "heart-main", body, 403, `{"detail": "Authentication credentials were not provided."}`},
		{"NotBackendMember", emisToken, "alice", "heart-main", body, 403, `{"detail": "Authentication credentials were not provided."}`},
		{"NotChecker", tppToken, "bob", "heart-main", body, 403, `{"detail": "Authentication credentials were not provided."}`},
		{"Empty", tppToken, "alice", "heart-main", nil, 400, ""},
		{"NotObject", tppToken, "alice", "heart-main", []byte(`[]`), 400, ""},
		{"MissingFields", tppToken, "alice", "heart-main", []byte(`{}`), 400,
			`{"files": ["This field is required."], "metadata": ["This field is required."]}`},
		{"NoFiles", tppToken, "alice", "heart-main", []byte(`{"files": [], "metadata": {}, "review": null}`), 400,
			`{"files": ["A release needs at least one file."]}`},
		{"FileMissingFields", tppToken, "alice", "heart-main", []byte(`{"files": [{}], "metadata": {}, "review": null}`), 400,
			`{"files": [{"name": ["This field is required."], "url": ["This field is required."], "size": ["This field is required."],
			"sha256": ["This field is required."], "date": ["This field is required."], "metadata": ["This field is required."]}]}`},
		{"BadAirlockID", tppToken, "alice", "heart-main", bytes.ReplaceAll(body, []byte(`"`+releaseID+`"`), []byte(`"../x"`)), 400,
			`{"metadata": {"airlock_id": ["Must be 1 to 64 letters, digits, '-' or '_'."]}}`},
	}
	for _, tc := range refusals {
		t.Run(tc.name, func(t *testing.T) {
			h, _ := newHarness(t)
			r := createRelease(t, h, tc.token, tc.osUser, tc.ws, tc.body)
			expect(t, r, tc.status, tc.want)
			assertNothingStored(t, h)
		})
	}

	badNames := map[string]string{
		"DotDot":        "../etc/passwd",
		"DotDotInside":  "output/../../x.csv",
		"Absolute":      "/etc/passwd",
		"Backslash":     `output\\table.csv`,
		"NUL":           `output/a\u0000b.csv`,
		"EmptySegment":  "output//a.csv",
		"DotSegment":    "./a.csv",
		"TrailingSlash": "output/",
		"Empty":         "",
	}
	for name, bad := range badNames {
		t.Run("BadName/"+name, func(t *testing.T) {
			h, _ := newHarness(t)
			b := bytes.Replace(body, []byte(`"name": "output/table.csv"`), []byte(`"name": "`+bad+`"`), 1)
			r := createRelease(t, h, tppToken, "alice", "heart-main", b)
			if r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), `"name"`) {
				t.Fatalf("got %d %s", r.Status, r.Body)
			}
			assertNothingStored(t, h)
		})
	}
	t.Run("DuplicateName", func(t *testing.T) {
		h, _ := newHarness(t)
		b := bytes.Replace(body, []byte(`"name": "output/figs/plot.svg"`), []byte(`"name": "output/table.csv"`), 1)
		r := createRelease(t, h, tppToken, "alice", "heart-main", b)
		expect(t, r, 400, `{"files": [{}, {"name": ["File output/table.csv is listed twice."]}]}`)
		assertNothingStored(t, h)
	})
	t.Run("FileIsAlsoDirectory", func(t *testing.T) {
		h, _ := newHarness(t)
		b := bytes.Replace(body, []byte(`"name": "output/figs/plot.svg"`), []byte(`"name": "output/table.csv/x"`), 1)
		r := createRelease(t, h, tppToken, "alice", "heart-main", b)
		expect(t, r, 400, `{"files": [{}, {"name": ["File output/table.csv/x is inside output/table.csv, which is also a file in this release."]}]}`)
		assertNothingStored(t, h)
	})
	t.Run("SizeLimit", func(t *testing.T) {
		h, _ := newHarness(t)
		b := bytes.Replace(body, []byte(`"size": 22`), []byte(`"size": 16777217`), 1)
		r := createRelease(t, h, tppToken, "alice", "heart-main", b)
		expect(t, r, 400, `{"files": [{"size": ["File size should be <16.0Mb. output/table.csv is 16.0Mb"]}, {}]}`)
		assertNothingStored(t, h)
		b = bytes.Replace(body, []byte(`"size": 22`), []byte(`"size": 16777216`), 1)
		expect(t, createRelease(t, h, tppToken, "alice", "heart-main", b), 201, "")
	})
}

// released creates the fixture release as alice on tpp.
func released(tb testing.TB, h *receivertest.Harness) {
	tb.Helper()
	expect(tb, createRelease(tb, h, tppToken, "alice", "heart-main", readFixture(tb, "release.json")), http.StatusCreated, "")
}

func upload(tb testing.TB, h *receivertest.Harness, id string, headers map[string]string, body []byte) response {
	tb.Helper()
	return post(tb, h, "/api/v2/releases/release/"+id, headers, body)
}

func storedFiles(tb testing.TB, h *receivertest.Harness) []string {
	tb.Helper()
	var out []string
	root := h.StorageDir
	filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(root, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	return out
}

func TestUpload(t *testing.T) {
	table := readFixture(t, "files/output/table.csv")

	t.Run("OK", func(t *testing.T) {
		h, _ := newHarness(t)
		released(t, h)
		r := upload(t, h, releaseID, uploadHeaders(tppToken, "alice", "output/table.csv"), table)
		expect(t, r, http.StatusCreated, "")
		if len(r.Body) != 0 {
			t.Fatalf("body=%q, want empty", r.Body)
		}
		files, _ := h.Server.ReleasedFiles(context.Background(), releaseID)
		f := files[1]
		if !f.Uploaded || r.Header.Get("File-Id") != f.ID ||
			r.Header.Get("Location") != h.HTTP.URL+"/api/v2/releases/file/"+f.ID {
			t.Fatalf("headers=%v file=%+v", r.Header, f)
		}
		if got, want := storedFiles(t, h), []string{"heart-main/releases/" + releaseID + "/output/table.csv"}; !reflect.DeepEqual(got, want) {
			t.Fatalf("stored=%v, want %v", got, want)
		}
		rc, err := h.Server.OpenReleasedFile(context.Background(), releaseID, "output/table.csv")
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(rc)
		rc.Close()
		if !bytes.Equal(got, table) {
			t.Fatalf("stored bytes differ")
		}
	})
	t.Run("RepeatUpload", func(t *testing.T) {
		h, _ := newHarness(t)
		released(t, h)
		expect(t, upload(t, h, releaseID, uploadHeaders(tppToken, "alice", "output/table.csv"), table), 201, "")
		r := upload(t, h, releaseID, uploadHeaders(tppToken, "alice", "output/table.csv"), table)
		expect(t, r, 400, `{"detail": "This version of 'output/table.csv' has already been uploaded from backend 'tpp'"}`)
		r = upload(t, h, releaseID, uploadHeaders(tppToken, "alice", "output/table.csv"), []byte("other bytes"))
		expect(t, r, 400, `{"detail": "This version of 'output/table.csv' has already been uploaded from backend 'tpp'"}`)
	})
	t.Run("RFC2231Filename", func(t *testing.T) {
		h, _ := newHarness(t)
		released(t, h)
		hdr := uploadHeaders(tppToken, "alice", "")
		hdr["Content-Disposition"] = `attachment; filename*=UTF-8''output%2Ftable.csv`
		expect(t, upload(t, h, releaseID, hdr, table), 201, "")
	})
	t.Run("ConcurrentSameFile", func(t *testing.T) {
		h, _ := newHarness(t)
		released(t, h)
		var wg sync.WaitGroup
		codes := make([]int, 4)
		for i := range codes {
			wg.Go(func() {
				codes[i] = upload(t, h, releaseID, uploadHeaders(tppToken, "alice", "output/table.csv"), table).Status
			})
		}
		wg.Wait()
		created := 0
		for _, c := range codes {
			if c == 201 {
				created++
			} else if c != 400 {
				t.Fatalf("codes=%v", codes)
			}
		}
		if created != 1 || len(storedFiles(t, h)) != 1 {
			t.Fatalf("codes=%v stored=%v", codes, storedFiles(t, h))
		}
	})

	refusals := []struct {
		name    string
		id      string
		headers map[string]string
		body    []byte
		status  int
		want    string
	}{
		{"UnknownRelease", "01NOPE", uploadHeaders(tppToken, "alice", "output/table.csv"), table, 404, `{"detail": "No Release matches the given query."}`},
		{"NoToken", releaseID, uploadHeaders("", "alice", "output/table.csv"), table, 403, `{"detail": "Authorization header is missing"}`},
		{"WrongToken", releaseID, uploadHeaders("x", "alice", "output/table.csv"), table, 403, `{"detail": "Invalid token"}`},
		{"UnknownOSUser", releaseID, uploadHeaders(tppToken, "mallory", "output/table.csv"), table, 403, `{"detail": "Authentication credentials were not provided."}`},
		{"NotChecker", releaseID, uploadHeaders(tppToken, "bob", "output/table.csv"), table, 403, `{"detail": "Authentication credentials were not provided."}`},
		{"WrongBackend", releaseID, uploadHeaders(emisToken, "carol", "output/table.csv"), table, 400, `{"detail": "Release is from backend tpp not emis"}`},
		{"NoData", releaseID, uploadHeaders(tppToken, "alice", "output/table.csv"), nil, 400, `{"detail": "No data uploaded"}`},
		{"NoFilename", releaseID, uploadHeaders(tppToken, "alice", ""), table, 400,
			`{"detail": "Missing filename. Request should include a Content-Disposition header with a filename parameter."}`},
		{"NotRequested", releaseID, uploadHeaders(tppToken, "alice", "output/other.csv"), table, 400,
			`{"detail": "File output/other.csv not requested in release ` + releaseID + `"}`},
		{"TraversalName", releaseID, uploadHeaders(tppToken, "alice", "../../../etc/passwd"), table, 400,
			`{"detail": "File ../../../etc/passwd not requested in release ` + releaseID + `"}`},
		{"WrongHash", releaseID, uploadHeaders(tppToken, "alice", "output/table.csv"), []byte("group,count\nA,10\nB,26\n"), 400,
			`{"detail": "Contents of uploaded file does not match the file which a review was requested for"}`},
		{"WrongSize", releaseID, uploadHeaders(tppToken, "alice", "output/table.csv"), append(table, '\n'), 400,
			`{"detail": "Contents of uploaded file does not match the file which a review was requested for"}`},
	}
	for _, tc := range refusals {
		t.Run(tc.name, func(t *testing.T) {
			h, _ := newHarness(t)
			released(t, h)
			r := upload(t, h, tc.id, tc.headers, tc.body)
			expect(t, r, tc.status, tc.want)
			files, _ := h.Server.ReleasedFiles(context.Background(), releaseID)
			for _, f := range files {
				if f.Uploaded {
					t.Fatalf("%s marked uploaded", f.Name)
				}
			}
			if got := storedFiles(t, h); len(got) != 0 {
				t.Fatalf("stored %v", got)
			}
		})
	}

	t.Run("TooLarge", func(t *testing.T) {
		h := receivertest.New(t, mustConfig(t), receiver.Options{SizeLimit: 200})
		released(t, h)
		r := upload(t, h, releaseID, uploadHeaders(tppToken, "alice", "output/table.csv"), make([]byte, 201))
		expect(t, r, 400, `["File is too large, it must be below 0.0Mb"]`)
		// A chunked body (no Content-Length) is cut off at the limit too.
		req, _ := http.NewRequest(http.MethodPost, h.HTTP.URL+"/api/v2/releases/release/"+releaseID, io.MultiReader(bytes.NewReader(make([]byte, 300))))
		for k, v := range uploadHeaders(tppToken, "alice", "output/table.csv") {
			req.Header.Set(k, v)
		}
		req.ContentLength = -1
		resp, err := h.HTTP.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		expect(t, response{resp.StatusCode, resp.Header, data}, 400, `["File is too large, it must be below 0.0Mb"]`)
		if got := storedFiles(t, h); len(got) != 0 {
			t.Fatalf("stored %v", got)
		}
	})
	t.Run("EmptyFile", func(t *testing.T) {
		h, _ := newHarness(t)
		b := bytes.Replace(readFixture(t, "release.json"), []byte(`"size": 22`), []byte(`"size": 0`), 1)
		b = bytes.Replace(b, []byte("38b6ade48e31a59c05c9afde5ddc3713ad7bc09a865ef8d4344975eaaa0a6b4f"),
			[]byte("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"), 1)
		expect(t, createRelease(t, h, tppToken, "alice", "heart-main", b), 201, "")
		expect(t, upload(t, h, releaseID, uploadHeaders(tppToken, "alice", "output/table.csv"), nil), 201, "")
	})
}

func TestEvents(t *testing.T) {
	h, _ := newHarness(t)
	ev := `{"event_type": "request_approved", "workspace": "heart-main", "request": "` + releaseID + `",
		"request_author": "bob", "user": "alice", "updates": [{"update": "2 files will be uploaded"}]}`
	r := post(t, h, "/api/v2/airlock/events/", jsonHeaders(tppToken, "alice"), []byte(ev))
	expect(t, r, http.StatusCreated, `{"status": "ok"}`)
	evs, err := h.Server.Events(context.Background())
	if err != nil || len(evs) != 1 || evs[0].EventType != "request_approved" || evs[0].OSUser != "alice" || evs[0].Backend != "tpp" {
		t.Fatalf("events=%+v err=%v", evs, err)
	}
	bad := strings.Replace(ev, "request_approved", "request_exploded", 1)
	r = post(t, h, "/api/v2/airlock/events/", jsonHeaders(tppToken, "alice"), []byte(bad))
	expect(t, r, http.StatusBadRequest, `{"event_type": ["\"request_exploded\" is not a valid event type."]}`)
	if evs, _ := h.Server.Events(context.Background()); len(evs) != 1 {
		t.Fatalf("events=%d, want 1", len(evs))
	}
}

func TestStateSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	opts := receiver.Options{DBPath: filepath.Join(dir, "db.sqlite"), StorageDir: filepath.Join(dir, "store")}
	ctx := context.Background()
	h := receivertest.New(t, mustConfig(t), opts)
	released(t, h)
	expect(t, upload(t, h, releaseID, uploadHeaders(tppToken, "alice", "output/table.csv"), readFixture(t, "files/output/table.csv")), 201, "")
	tok := h.IssueToken(t, "bob")
	h.HTTP.Close()
	h.Server.Close()

	h2 := receivertest.New(t, mustConfig(t), opts)
	files, err := h2.Server.ReleasedFiles(ctx, releaseID)
	if err != nil || len(files) != 2 || !files[1].Uploaded || files[0].Uploaded {
		t.Fatalf("files=%+v err=%v", files, err)
	}
	body, _ := json.Marshal(map[string]string{"user": "bob", "token": tok})
	expect(t, post(t, h2, "/api/v2/releases/authenticate", jsonHeaders(tppToken, ""), body), 200, "")
	expect(t, upload(t, h2, releaseID, uploadHeaders(tppToken, "alice", "output/table.csv"), readFixture(t, "files/output/table.csv")), 400, "")
}
