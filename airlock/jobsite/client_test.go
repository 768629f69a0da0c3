package jobsite_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/airlock-project/airlock/airlock"
	"github.com/airlock-project/airlock/airlock/jobsite"
	"github.com/airlock-project/airlock/cmd/jobsite/receiver"
	"github.com/airlock-project/airlock/cmd/jobsite/receiver/receivertest"
)

var update = flag.Bool("update", false, "rewrite golden files")

const requestID = "01J2Z3Y4X5W6V7T8S9R0QPNMKJ"

func sum(b []byte) string { h := sha256.Sum256(b); return hex.EncodeToString(h[:]) }

// recorded is one request as a peer saw it.
type recorded struct {
	Method, Path string
	Header       http.Header
	Body         []byte
}

// recorder is a loopback peer that records requests and answers with a
// canned status, headers and body.
type recorder struct {
	mu     sync.Mutex
	reqs   []recorded
	status int
	header map[string]string
	body   string
}

func (rc *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	rc.reqs = append(rc.reqs, recorded{r.Method, r.URL.Path, r.Header.Clone(), body})
	status, header, out := rc.status, rc.header, rc.body
	rc.mu.Unlock()
	for k, v := range header {
		w.Header().Set(k, v)
	}
	w.WriteHeader(status)
	io.WriteString(w, out)
}

func (rc *recorder) last(t *testing.T) recorded {
	t.Helper()
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if len(rc.reqs) == 0 {
		t.Fatal("no request arrived")
	}
	return rc.reqs[len(rc.reqs)-1]
}

func newRecorder(t *testing.T, status int, header map[string]string, body string) (*recorder, *jobsite.Client) {
	rc := &recorder{status: status, header: header, body: body}
	srv := httptest.NewServer(rc)
	t.Cleanup(srv.Close)
	return rc, &jobsite.Client{BaseURL: srv.URL + "/api/v2/", Token: "backend-secret", HTTP: srv.Client()}
}

func checkHeaders(t *testing.T, got http.Header, want map[string]string) {
	t.Helper()
	for k, v := range want {
		if got.Get(k) != v {
			t.Errorf("header %s=%q, want %q", k, got.Get(k), v)
		}
	}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, got, "", "  "); err != nil {
		t.Fatalf("body is not JSON: %s", got)
	}
	pretty.WriteByte('\n')
	path := "testdata/" + name
	if *update {
		os.WriteFile(path, pretty.Bytes(), 0o644)
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(pretty.Bytes(), want) {
		t.Fatalf("body differs from %s:\n%s", path, pretty.Bytes())
	}
}

func TestRequestShapes(t *testing.T) {
	ctx := context.Background()
	t.Run("Authenticate", func(t *testing.T) {
		rc, c := newRecorder(t, 200, nil, `{"username": "alice"}`)
		u, err := c.Authenticate(ctx, "alice@example.org", "apple banana cherry")
		if err != nil || u.Username != "alice" || u.Workspaces == nil || u.CopilotedWorkspaces == nil {
			t.Fatalf("u=%+v err=%v", u, err)
		}
		r := rc.last(t)
		if r.Method != "POST" || r.Path != "/api/v2/releases/authenticate" || r.Header.Get("OS-User") != "" {
			t.Fatalf("request %s %s %v", r.Method, r.Path, r.Header)
		}
		checkHeaders(t, r.Header, map[string]string{"Authorization": "backend-secret", "Content-Type": "application/json"})
		if string(r.Body) != `{"token":"apple banana cherry","user":"alice@example.org"}` {
			t.Fatalf("body=%s", r.Body)
		}
	})
	t.Run("Authorise", func(t *testing.T) {
		rc, c := newRecorder(t, 200, nil, `{"username": "alice", "fullname": "A", "workspaces": {"w": {"project_details": {"name": "P", "ongoing": false, "orgs": ["O"]}, "archived": true}}, "output_checker": true}`)
		u, err := c.Authorise(ctx, "alice")
		if err != nil || !u.OutputChecker || u.Workspaces["w"].Active() || !u.Workspaces["w"].Archived {
			t.Fatalf("u=%+v err=%v", u, err)
		}
		r := rc.last(t)
		if r.Path != "/api/v2/releases/authorise" || string(r.Body) != `{"user":"alice"}` {
			t.Fatalf("%s %s", r.Path, r.Body)
		}
	})
	t.Run("CreateRelease", func(t *testing.T) {
		rc, c := newRecorder(t, 201, map[string]string{"Release-Id": requestID}, `{"release_id": "x"}`)
		date := time.Date(2026, 7, 1, 13, 34, 56, 123456789, time.FixedZone("BST", 3600))
		id, err := c.CreateRelease(ctx, "heart main", "checker1", requestID, []airlock.ReleaseFile{
			{Name: "output/tables/table1.csv", Size: 1234, SHA256: strings.Repeat("ab", 32), Date: date},
			{Name: "output/plot.png", Size: 0, SHA256: strings.Repeat("cd", 32), Date: date},
		})
		if err != nil || id != requestID {
			t.Fatalf("id=%q err=%v", id, err)
		}
		r := rc.last(t)
		if r.Path != "/api/v2/releases/workspace/heart main" {
			t.Fatalf("path=%q", r.Path)
		}
		checkHeaders(t, r.Header, map[string]string{"Authorization": "backend-secret", "OS-User": "checker1",
			"Content-Type": "application/json", "Accept": "application/json"})
		golden(t, "create_release.golden.json", r.Body)
	})
	t.Run("CreateReleaseWithoutHeader", func(t *testing.T) {
		_, c := newRecorder(t, 201, nil, `{"release_id": "x"}`)
		if _, err := c.CreateRelease(ctx, "w", "u", requestID, nil); err == nil {
			t.Fatal("201 without Release-Id accepted")
		}
	})
	t.Run("Upload", func(t *testing.T) {
		rc, c := newRecorder(t, 201, map[string]string{"File-Id": "F1"}, "")
		data := []byte("a,b\n1,2\n")
		if err := c.Upload(ctx, requestID, "checker1", `output/we"ird\name.csv`, bytes.NewReader(data), int64(len(data))); err != nil {
			t.Fatal(err)
		}
		r := rc.last(t)
		if r.Path != "/api/v2/releases/release/"+requestID || !bytes.Equal(r.Body, data) {
			t.Fatalf("%s %q", r.Path, r.Body)
		}
		checkHeaders(t, r.Header, map[string]string{"Authorization": "backend-secret", "OS-User": "checker1",
			"Content-Type": "application/octet-stream", "Accept": "application/json", "Content-Length": "8",
			"Content-Disposition": `attachment; filename="output/we\"ird\\name.csv"`})
	})
	t.Run("Notify", func(t *testing.T) {
		rc, c := newRecorder(t, 201, nil, `{"status": "ok"}`)
		err := c.Notify(ctx, airlock.NotificationEvent{EventType: "request_approved", Workspace: "w", Request: requestID,
			RequestAuthor: "researcher", User: "checker1", Updates: []airlock.NotificationUpdate{{Update: "2 files will be uploaded"}}})
		if err != nil {
			t.Fatal(err)
		}
		r := rc.last(t)
		if r.Path != "/api/v2/airlock/events/" || r.Header.Get("OS-User") != "checker1" {
			t.Fatalf("%s %v", r.Path, r.Header)
		}
		golden(t, "event.golden.json", r.Body)
		if err := c.Notify(ctx, airlock.NotificationEvent{EventType: "request_submitted", Workspace: "w", Request: requestID,
			RequestAuthor: "researcher", User: "researcher", Updates: []airlock.NotificationUpdate{}}); err != nil {
			t.Fatal(err)
		}
		golden(t, "event_no_updates.golden.json", rc.last(t).Body)
		rc.body = `{"status": "error", "message": "no such workspace"}`
		var apiErr *jobsite.APIError
		if err := c.Notify(ctx, airlock.NotificationEvent{User: "u"}); !errors.As(err, &apiErr) || apiErr.Detail != "no such workspace" {
			t.Fatalf("err=%v", err)
		}
	})
}

func TestDefensiveDecoding(t *testing.T) {
	ctx := context.Background()
	for name, body := range map[string]string{
		"Malformed":  `{"username": `,
		"NoUsername": `{"fullname": "x"}`,
		"WrongType":  `{"username": "a", "workspaces": []}`,
		"Huge":       `{"username": "a", "fullname": "` + strings.Repeat("x", 9<<20) + `"}`,
	} {
		t.Run(name, func(t *testing.T) {
			_, c := newRecorder(t, 200, nil, body)
			if u, err := c.Authorise(ctx, "a"); err == nil {
				t.Fatalf("accepted %.40s as %+v", body, u)
			}
		})
	}
	for _, tc := range []struct{ body, detail string }{
		{`{"detail": "Invalid token"}`, "Invalid token"},
		{`["File is too large, it must be below 16.0Mb"]`, "File is too large, it must be below 16.0Mb"},
		{`{"files": [{"size": ["too big"]}]}`, `{"files": [{"size": ["too big"]}]}`},
		{`<html>Bad gateway</html>`, "<html>Bad gateway</html>"},
		{``, "(no details given)"},
	} {
		_, c := newRecorder(t, 400, nil, tc.body)
		err := c.Upload(ctx, "r", "u", "n", strings.NewReader("x"), 1)
		var apiErr *jobsite.APIError
		if !errors.As(err, &apiErr) || apiErr.Status != 400 || apiErr.Detail != tc.detail {
			t.Errorf("body %q: err=%v", tc.body, err)
		}
	}
}

// demo returns the demo receiver and a client for it.
func demo(t *testing.T) (*receivertest.Harness, *jobsite.Client) {
	h := receivertest.NewDemo(t)
	return h, h.Client()
}

func TestAgainstReceiver(t *testing.T) {
	ctx := context.Background()
	h, c := demo(t)
	table := []byte("group,count\nA,10\nB,25\n")
	plot := []byte("<svg xmlns='http://www.w3.org/2000/svg'/>")
	files := []airlock.ReleaseFile{
		{Name: "output/table.csv", Size: int64(len(table)), SHA256: sum(table), Date: time.Now()},
		{Name: "output/plot.svg", Size: int64(len(plot)), SHA256: sum(plot), Date: time.Now()},
	}

	t.Run("Login", func(t *testing.T) {
		tok := h.IssueToken(t, receiver.DemoResearcher)
		u, err := c.Authenticate(ctx, receiver.DemoResearcher, strings.ToLower(" "+tok+" "))
		if err != nil || u.Username != receiver.DemoResearcher || !u.HasRole("cardiac-main") || u.Access("legacy-cohort").Active() {
			t.Fatalf("u=%+v err=%v", u, err)
		}
		_, err = c.Authenticate(ctx, receiver.DemoResearcher, tok)
		var apiErr *jobsite.APIError
		if airlock.ErrorCode(err) != airlock.EFORBIDDEN || airlock.ErrorMessage(err) != "Invalid user or token" ||
			!errors.As(err, &apiErr) || apiErr.Status != 403 || apiErr.Detail != "No login token set for researcher" {
			t.Fatalf("reused token: %v", err)
		}
		u, err = c.Authorise(ctx, receiver.DemoChecker1)
		if err != nil || !u.OutputChecker {
			t.Fatalf("authorise: %+v %v", u, err)
		}
		if _, err := c.Authorise(ctx, "ghost"); airlock.ErrorCode(err) != airlock.ENOTFOUND {
			t.Fatalf("unknown user: %v", err)
		}
	})
	t.Run("ReleaseAndUpload", func(t *testing.T) {
		if _, err := c.CreateRelease(ctx, "cardiac-main", receiver.DemoResearcher, requestID, files); airlock.ErrorCode(err) != airlock.EFORBIDDEN {
			t.Fatalf("non-checker release: %v", err)
		}
		if _, err := c.CreateRelease(ctx, "nope", receiver.DemoChecker1, requestID, files); airlock.ErrorCode(err) != airlock.ENOTFOUND {
			t.Fatalf("unknown workspace: %v", err)
		}
		id, err := c.CreateRelease(ctx, "cardiac-main", receiver.DemoChecker1, requestID, files)
		if err != nil || id != requestID {
			t.Fatalf("id=%q err=%v", id, err)
		}
		if id, err := c.CreateRelease(ctx, "cardiac-main", receiver.DemoChecker2, requestID, files); err != nil || id != requestID {
			t.Fatalf("repeat: id=%q err=%v", id, err)
		}
		changed := []airlock.ReleaseFile{files[0]}
		if _, err := c.CreateRelease(ctx, "cardiac-main", receiver.DemoChecker1, requestID, changed); airlock.ErrorCode(err) != airlock.ECONFLICT {
			t.Fatalf("changed files: %v", err)
		}
		bad := []airlock.ReleaseFile{{Name: "../escape.csv", Size: 1, SHA256: sum([]byte("x")), Date: time.Now()}}
		if _, err := c.CreateRelease(ctx, "cardiac-main", receiver.DemoChecker1, "01OTHER", bad); airlock.ErrorCode(err) != airlock.EINVALID {
			t.Fatalf("bad name: %v", err)
		}

		wrong := []byte("group,count\nA,10\nB,26\n")
		err = c.Upload(ctx, id, receiver.DemoChecker1, "output/table.csv", bytes.NewReader(wrong), int64(len(wrong)))
		var apiErr *jobsite.APIError
		if !errors.As(err, &apiErr) || apiErr.Status != 400 || !strings.Contains(apiErr.Detail, "does not match") {
			t.Fatalf("wrong bytes: %v", err)
		}
		if err := c.Upload(ctx, id, receiver.DemoChecker1, "output/table.csv", bytes.NewReader(table), int64(len(table))); err != nil {
			t.Fatal(err)
		}
		// The jobs site refuses a repeat ("already uploaded"): it counts as delivered.
		if err := c.Upload(ctx, id, receiver.DemoChecker1, "output/table.csv", bytes.NewReader(table), int64(len(table))); err != nil {
			t.Fatalf("repeat upload: %v", err)
		}
		got, err := h.Server.ReleasedFiles(ctx, id)
		if err != nil || len(got) != 2 || !got[1].Uploaded || got[1].SHA256 != sum(table) || got[0].Uploaded {
			t.Fatalf("released=%+v err=%v", got, err)
		}
	})
	t.Run("Event", func(t *testing.T) {
		ev := airlock.NotificationEvent{EventType: "request_submitted", Workspace: "cardiac-main", Request: requestID,
			RequestAuthor: receiver.DemoResearcher, User: receiver.DemoResearcher}
		if err := c.Notify(ctx, ev); err != nil {
			t.Fatal(err)
		}
		ev.EventType = "request_exploded"
		var apiErr *jobsite.APIError
		if err := c.Notify(ctx, ev); !errors.As(err, &apiErr) || apiErr.Status != 400 {
			t.Fatalf("bad event: %v", err)
		}
		evs, _ := h.Server.Events(ctx)
		if len(evs) != 1 || evs[0].EventType != "request_submitted" {
			t.Fatalf("events=%+v", evs)
		}
	})
	t.Run("WrongBackendToken", func(t *testing.T) {
		bad := *c
		bad.Token = "wrong"
		var apiErr *jobsite.APIError
		if _, err := bad.Authorise(ctx, receiver.DemoChecker1); !errors.As(err, &apiErr) || apiErr.Detail != "Invalid token" {
			t.Fatalf("err=%v", err)
		}
	})
}

func TestFailures(t *testing.T) {
	ctx := context.Background()
	data := []byte("a,b\n")
	files := []airlock.ReleaseFile{{Name: "a.csv", Size: int64(len(data)), SHA256: sum(data), Date: time.Now()}}

	t.Run("ServerError", func(t *testing.T) {
		h, c := demo(t)
		h.Faults.FailNext(receivertest.Releases, 1, http.StatusInternalServerError)
		_, err := c.CreateRelease(ctx, "cardiac-main", receiver.DemoChecker1, requestID, files)
		var apiErr *jobsite.APIError
		if airlock.ErrorCode(err) != airlock.EUNAVAILABLE || !errors.As(err, &apiErr) || apiErr.Status != 500 {
			t.Fatalf("err=%v", err)
		}
		if n, _ := h.Server.ReleaseCount(ctx); n != 0 {
			t.Fatalf("releases=%d", n)
		}
	})
	t.Run("Timeout", func(t *testing.T) {
		h, c := demo(t)
		c.UploadTimeout = 50 * time.Millisecond
		id, err := c.CreateRelease(ctx, "cardiac-main", receiver.DemoChecker1, requestID, files)
		if err != nil {
			t.Fatal(err)
		}
		h.Faults.DelayNext(receivertest.Uploads, 1, time.Minute)
		err = c.Upload(ctx, id, receiver.DemoChecker1, "a.csv", bytes.NewReader(data), int64(len(data)))
		if airlock.ErrorCode(err) != airlock.EUNAVAILABLE || !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err=%v", err)
		}
		c.UploadTimeout = 0 // the retry gets the default: 50 ms is too short for a loaded machine
		if err := c.Upload(ctx, id, receiver.DemoChecker1, "a.csv", bytes.NewReader(data), int64(len(data))); err != nil {
			t.Fatalf("retry: %v", err)
		}
	})
	t.Run("DroppedConnection", func(t *testing.T) {
		h, c := demo(t)
		h.Faults.DropNext(receivertest.Any, 1)
		if _, err := c.Authorise(ctx, receiver.DemoChecker1); airlock.ErrorCode(err) != airlock.EUNAVAILABLE {
			t.Fatalf("err=%v", err)
		}
	})
	t.Run("LostAnswerThenRetryIsAlreadyUploaded", func(t *testing.T) {
		h, c := demo(t)
		id, _ := c.CreateRelease(ctx, "cardiac-main", receiver.DemoChecker1, requestID, files)
		h.Faults.LoseAnswerNext(receivertest.Uploads, 1, http.StatusBadGateway)
		if err := c.Upload(ctx, id, receiver.DemoChecker1, "a.csv", bytes.NewReader(data), int64(len(data))); airlock.ErrorCode(err) != airlock.EUNAVAILABLE {
			t.Fatalf("lost answer: %v", err)
		}
		if err := c.Upload(ctx, id, receiver.DemoChecker1, "a.csv", bytes.NewReader(data), int64(len(data))); err != nil {
			t.Fatalf("retry after a lost answer: %v", err)
		}
	})
	t.Run("NoServer", func(t *testing.T) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := l.Addr().String()
		l.Close()
		c := &jobsite.Client{BaseURL: "http://" + addr + "/api/v2", Token: "x"}
		_, err = c.Authenticate(ctx, "a", "b c d")
		if airlock.ErrorCode(err) != airlock.EUNAVAILABLE {
			t.Fatalf("err=%v", err)
		}
	})
	t.Run("TooLargeUploadGetsAnswer", func(t *testing.T) {
		h := receivertest.New(t, receiver.DemoConfig(), receiver.Options{SizeLimit: 1 << 20})
		c := h.Client()
		big := make([]byte, 8<<20)
		err := c.Upload(ctx, "01ANY", receiver.DemoChecker1, "a.csv", bytes.NewReader(big), int64(len(big)))
		var apiErr *jobsite.APIError
		if !errors.As(err, &apiErr) || apiErr.Status != 404 {
			t.Fatalf("err=%v", err)
		}
		data := []byte("x")
		big2 := []airlock.ReleaseFile{{Name: "a.csv", Size: 1, SHA256: sum(data), Date: time.Now()}}
		id, err := c.CreateRelease(ctx, "cardiac-main", receiver.DemoChecker1, requestID, big2)
		if err != nil {
			t.Fatal(err)
		}
		err = c.Upload(ctx, id, receiver.DemoChecker1, "a.csv", bytes.NewReader(big), int64(len(big)))
		if !errors.As(err, &apiErr) || apiErr.Status != 400 || apiErr.Detail != "File is too large, it must be below 1.0Mb" {
			t.Fatalf("err=%v", err)
		}
	})
}

func TestContentDisposition(t *testing.T) {
	for in, want := range map[string]string{
		"output/a.csv": `attachment; filename="output/a.csv"`,
		`a"b`:          `attachment; filename="a\"b"`,
		"a\r\nX: y":    `attachment; filename="aX: y"`,
	} {
		if got := jobsite.ContentDisposition(in); got != want {
			t.Errorf("ContentDisposition(%q)=%q, want %q", in, got, want)
		}
	}
}
