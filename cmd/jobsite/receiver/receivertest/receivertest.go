// Package receivertest runs the reference jobs-site receiver on a real
// loopback server for tests, and injects faults (errors, delays, dropped
// connections, lost answers) in front of it. It is for tests only; the
// production receiver has no fault hooks.
package receivertest

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/airlock-project/airlock/airlock/jobsite"
	"github.com/airlock-project/airlock/cmd/jobsite/receiver"
)

// Matcher selects the requests a fault applies to.
type Matcher func(*http.Request) bool

// Any matches every request.
func Any(*http.Request) bool { return true }

// Uploads matches file uploads (POST /api/v2/releases/release/{id}).
func Uploads(r *http.Request) bool {
	return r.Method == http.MethodPost && strings.HasPrefix(r.URL.Path, "/api/v2/releases/release/")
}

// Releases matches release creations (POST /api/v2/releases/workspace/{name}).
func Releases(r *http.Request) bool {
	return r.Method == http.MethodPost && strings.HasPrefix(r.URL.Path, "/api/v2/releases/workspace/")
}

// Events matches notification events.
func Events(r *http.Request) bool {
	return r.Method == http.MethodPost && r.URL.Path == "/api/v2/airlock/events/"
}

type faultKind int

const (
	failFault faultKind = iota
	delayFault
	dropFault
	loseFault
)

type fault struct {
	match     Matcher
	remaining int
	kind      faultKind
	status    int
	delay     time.Duration
}

// Faults is an http.Handler that injects faults into the next matching
// requests before (or instead of) passing them on. Safe for concurrent use.
type Faults struct {
	next   http.Handler
	mu     sync.Mutex
	faults []*fault
	seen   int
}

// NewFaults wraps next.
func NewFaults(next http.Handler) *Faults { return &Faults{next: next} }

func (f *Faults) add(ft *fault) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.faults = append(f.faults, ft)
}

// FailNext answers the next n matching requests with status and a JSON
// detail, without passing them on (nothing is stored).
func (f *Faults) FailNext(match Matcher, n, status int) {
	f.add(&fault{match: match, remaining: n, kind: failFault, status: status})
}

// DelayNext holds the next n matching requests for d (or until the client
// gives up) before passing them on.
func (f *Faults) DelayNext(match Matcher, n int, d time.Duration) {
	f.add(&fault{match: match, remaining: n, kind: delayFault, delay: d})
}

// DropNext closes the connection of the next n matching requests without
// an answer, as a crashed server or broken network would.
func (f *Faults) DropNext(match Matcher, n int) {
	f.add(&fault{match: match, remaining: n, kind: dropFault})
}

// LoseAnswerNext passes the next n matching requests on (so their effect
// happens) but answers status instead of the real answer, as when an
// answer is lost on the way back.
func (f *Faults) LoseAnswerNext(match Matcher, n, status int) {
	f.add(&fault{match: match, remaining: n, kind: loseFault, status: status})
}

// Requests returns how many requests passed through, faulted or not.
func (f *Faults) Requests() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.seen
}

func (f *Faults) take(r *http.Request) *fault {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.seen++
	for _, ft := range f.faults {
		if ft.remaining > 0 && ft.match(r) {
			ft.remaining--
			c := *ft
			return &c
		}
	}
	return nil
}

// ServeHTTP applies the first pending matching fault, if any.
func (f *Faults) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ft := f.take(r)
	if ft == nil {
		f.next.ServeHTTP(w, r)
		return
	}
	switch ft.kind {
	case failFault:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(ft.status)
		w.Write([]byte(`{"detail": "injected fault"}`))
	case delayFault:
		// Read the body first: the server notices a client that gave up
		// (and cancels r.Context) only once the body has been consumed.
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		t := time.NewTimer(ft.delay)
		defer t.Stop()
		select {
		case <-t.C:
			f.next.ServeHTTP(w, r)
		case <-r.Context().Done():
		}
	case dropFault:
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close()
				return
			}
		}
		panic(http.ErrAbortHandler) // closes the connection without an answer
	case loseFault:
		f.next.ServeHTTP(httptest.NewRecorder(), r)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(ft.status)
		w.Write([]byte(`{"detail": "injected lost answer"}`))
	}
}

// Harness is a receiver served on 127.0.0.1 behind Faults.
type Harness struct {
	Server *receiver.Server
	HTTP   *httptest.Server
	Faults *Faults
	URL    string // the API base URL, HTTP.URL + "/api/v2"
	Token  string // the token of the config's first backend
	// StorageDir is where the receiver stores released files.
	StorageDir string
}

// New starts cfg's receiver on a loopback server; opts.DBPath and
// opts.StorageDir default to a temp dir. Everything stops at test end.
func New(tb testing.TB, cfg receiver.Config, opts receiver.Options) *Harness {
	tb.Helper()
	dir := tb.TempDir()
	if opts.DBPath == "" {
		opts.DBPath = dir + "/receiver.db"
	}
	if opts.StorageDir == "" {
		opts.StorageDir = dir + "/releases"
	}
	srv, err := receiver.Open(context.Background(), cfg, opts)
	if err != nil {
		tb.Fatalf("open receiver: %v", err)
	}
	h := &Harness{Server: srv, Faults: NewFaults(srv), StorageDir: opts.StorageDir}
	h.HTTP = httptest.NewServer(h.Faults)
	tb.Cleanup(func() {
		h.HTTP.Close()
		srv.Close()
	})
	h.URL = h.HTTP.URL + "/api/v2"
	if len(cfg.Backends) > 0 {
		h.Token = cfg.Backends[0].Token
	}
	return h
}

// NewDemo starts the demo config's receiver (receiver.DemoConfig).
func NewDemo(tb testing.TB) *Harness {
	tb.Helper()
	return New(tb, receiver.DemoConfig(), receiver.Options{})
}

// Client returns a jobs-site client for the harness's first backend.
func (h *Harness) Client() *jobsite.Client {
	return &jobsite.Client{BaseURL: h.URL, Token: h.Token, HTTP: h.HTTP.Client()}
}

// IssueToken makes a login token for username or fails the test.
func (h *Harness) IssueToken(tb testing.TB, username string) string {
	tb.Helper()
	tok, err := h.Server.IssueToken(context.Background(), username)
	if err != nil {
		tb.Fatalf("issue token for %s: %v", username, err)
	}
	return tok
}
