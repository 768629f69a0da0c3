package review_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"math/rand/v2"
	"mime"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/airlock-project/airlock/airlock"
	"github.com/airlock-project/airlock/airlock/jobsite"
	"github.com/airlock-project/airlock/airlock/sqlite"
	"github.com/airlock-project/airlock/cmd/jobsite/receiver"
	"github.com/airlock-project/airlock/cmd/jobsite/receiver/receivertest"
	"github.com/airlock-project/airlock/review"
	"github.com/airlock-project/airlock/workspaces"
	"github.com/airlock-project/airlock/workspaces/wstest"
)

// The jobs site's directory as these tests configure it.
const (
	backendSlug  = "e2e"
	backendToken = "e2e0c0ffee0e2e0c0ffee0e2e0c0ffee0e2e0c0f"
	wsName       = "heart-study-main"
	projectName  = "Heart Study"
	researcher   = "researcher"
	checker1     = "checker1"
	checker2     = "checker2"
)

// receiverConfig knows the backend, the researcher (a developer on the
// project) and two output checkers.
func receiverConfig() receiver.Config {
	return receiver.Config{
		Backends: []receiver.BackendConfig{{Slug: backendSlug, Name: "End-to-end backend", Token: backendToken}},
		Users: []receiver.UserConfig{
			{Username: researcher, Email: "researcher@example.org", Fullname: "Rita Researcher", Backends: []string{backendSlug}},
			{Username: checker1, Email: "checker1@example.org", Fullname: "Cath Checker", Roles: []string{receiver.RoleOutputChecker}, Backends: []string{backendSlug}},
			{Username: checker2, Email: "checker2@example.org", Fullname: "Chris Checker", Roles: []string{receiver.RoleOutputChecker}, Backends: []string{backendSlug}},
		},
		Projects: []receiver.ProjectConfig{{Name: projectName, Ongoing: true, Orgs: []string{"Lead Org"},
			Members: []receiver.ProjectMember{{Username: researcher, Role: receiver.ProjectDeveloper}}}},
		Workspaces: []receiver.WorkspaceConfig{{Name: wsName, Project: projectName}},
	}
}

// uploadCounter sits in front of the receiver and counts, per file name,
// the upload requests that reached it and those it stored (201). It can
// also slow down reading of upload bodies, so that a client can be killed
// while bytes are in flight.
type uploadCounter struct {
	next http.Handler
	// pace is the pause per 32 KiB of upload body read (0: none).
	pace time.Duration

	mu       sync.Mutex
	requests map[string]int
	created  map[string]int
	total    int
	refused  int           // uploads answered 400, e.g. "already uploaded"
	arrived  chan struct{} // signalled (without blocking) on every upload request
}

func newUploadCounter(next http.Handler) *uploadCounter {
	return &uploadCounter{next: next, requests: map[string]int{}, created: map[string]int{}, arrived: make(chan struct{}, 1)}
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// pacedReader pauses after each 32 KiB it returns.
type pacedReader struct {
	r     io.ReadCloser
	pace  time.Duration
	count int
}

func (p *pacedReader) Read(b []byte) (int, error) {
	if len(b) > 32<<10 {
		b = b[:32<<10]
	}
	n, err := p.r.Read(b)
	p.count += n
	if p.count >= 32<<10 {
		p.count -= 32 << 10
		time.Sleep(p.pace)
	}
	return n, err
}

func (p *pacedReader) Close() error { return p.r.Close() }

func (c *uploadCounter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !receivertest.Uploads(r) {
		c.next.ServeHTTP(w, r)
		return
	}
	name := ""
	if _, params, err := mime.ParseMediaType(r.Header.Get("Content-Disposition")); err == nil {
		name = params["filename"]
	}
	c.mu.Lock()
	c.requests[name]++
	c.total++
	c.mu.Unlock()
	select {
	case c.arrived <- struct{}{}:
	default:
	}
	if c.pace > 0 {
		r.Body = &pacedReader{r: r.Body, pace: c.pace}
	}
	sw := &statusWriter{ResponseWriter: w}
	c.next.ServeHTTP(sw, r)
	c.mu.Lock()
	defer c.mu.Unlock()
	switch sw.status {
	case http.StatusCreated:
		c.created[name]++
	case http.StatusBadRequest:
		c.refused++
	}
}

// counts returns copies of the per-name request and stored counts.
func (c *uploadCounter) counts() (requests, created map[string]int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return copyCounts(c.requests), copyCounts(c.created)
}

func (c *uploadCounter) totalRequests() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.total
}

func (c *uploadCounter) refusedRequests() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.refused
}

func copyCounts(m map[string]int) map[string]int {
	out := make(map[string]int, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// requestCounter counts the requests that match, in front of everything
// else, so that requests a fault answers count too. It can also hold a
// matching request after the receiver has handled it, as a jobs site whose
// answer never comes back would.
type requestCounter struct {
	next  http.Handler
	match receivertest.Matcher

	mu        sync.Mutex
	n         int
	holdAfter bool
	arrived   chan struct{} // signalled (without blocking) on every matching request
}

func (c *requestCounter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !c.match(r) {
		c.next.ServeHTTP(w, r)
		return
	}
	c.mu.Lock()
	c.n++
	hold, arrived := c.holdAfter, c.arrived
	c.mu.Unlock()
	if arrived != nil {
		select {
		case arrived <- struct{}{}:
		default:
		}
	}
	if !hold {
		c.next.ServeHTTP(w, r)
		return
	}
	c.next.ServeHTTP(httptest.NewRecorder(), r)
	<-r.Context().Done() // the answer never leaves; the client gives up or dies
}

func (c *requestCounter) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

// hold makes matching requests take effect at the receiver and then hang
// without an answer (true), or pass normally again (false).
func (c *requestCounter) hold(on bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.holdAfter = on
}

// world is one test's installation: a workspace directory, airlock's
// database, workspace reader, request-file store and review service, and
// the reference receiver served on 127.0.0.1 behind fault injection and an
// upload counter.
type world struct {
	t   testing.TB
	ctx context.Context

	wsDir, storeDir, dbPath string
	rcv                     *receiver.Server
	rcvStorage              string
	http                    *httptest.Server
	faults                  *receivertest.Faults
	counter                 *uploadCounter
	registrations           *requestCounter // release registrations sent, faulted or not
	client                  *jobsite.Client

	db    *sqlite.DB
	root  *workspaces.Root
	store *workspaces.Store
	svc   *review.Service

	researcher, checker1, checker2 *airlock.User
}

// worldOptions tune newWorld.
type worldOptions struct {
	receiver receiver.Options
	// uploadTimeout bounds each upload (0: the client's default).
	uploadTimeout time.Duration
	// pace slows reading of upload bodies at the receiver.
	pace time.Duration
}

func newWorld(t testing.TB, opts worldOptions) *world {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	w := &world{t: t, ctx: ctx, wsDir: filepath.Join(dir, "workspaces"), storeDir: filepath.Join(dir, "requests"),
		dbPath: filepath.Join(dir, "airlock.db"), rcvStorage: filepath.Join(dir, "jobsite", "released")}

	ro := opts.receiver
	ro.DBPath = filepath.Join(dir, "jobsite", "jobsite.db")
	ro.StorageDir = w.rcvStorage
	if ro.Logger == nil {
		ro.Logger = quietLogger()
	}
	must(t, os.MkdirAll(filepath.Dir(ro.DBPath), 0o700))
	rcv, err := receiver.Open(ctx, receiverConfig(), ro)
	must(t, err)
	w.rcv = rcv
	w.counter = newUploadCounter(rcv)
	w.counter.pace = opts.pace
	w.faults = receivertest.NewFaults(w.counter)
	w.registrations = &requestCounter{next: w.faults, match: receivertest.Releases, arrived: make(chan struct{}, 1)}
	w.http = httptest.NewServer(w.registrations)
	t.Cleanup(func() {
		w.http.Close()
		rcv.Close()
	})
	w.client = &jobsite.Client{BaseURL: w.http.URL + "/api/v2", Token: backendToken, HTTP: w.http.Client(),
		Timeout: 5 * time.Second, UploadTimeout: opts.uploadTimeout}

	must(t, os.MkdirAll(w.wsDir, 0o755))
	w.openAirlock()
	t.Cleanup(w.closeAirlock)

	// Roles come from the jobs site, as on a real backend.
	for _, p := range []struct {
		u    **airlock.User
		name string
	}{{&w.researcher, researcher}, {&w.checker1, checker1}, {&w.checker2, checker2}} {
		u, err := w.client.Authorise(ctx, p.name)
		must(t, err)
		*p.u = u
	}
	return w
}

// openAirlock opens the database, the workspace reader, the store and the service.
func (w *world) openAirlock() {
	w.t.Helper()
	db, err := sqlite.Open(w.ctx, w.dbPath)
	must(w.t, err)
	root, err := workspaces.OpenRoot(w.wsDir)
	must(w.t, err)
	store, err := workspaces.OpenStore(w.storeDir)
	must(w.t, err)
	w.db, w.root, w.store = db, root, store
	w.svc = review.New(review.Config{Store: db, Workspaces: root, Files: store, Policy: airlock.NewPolicy(2, nil),
		Logger: quietLogger()})
}

// closeAirlock closes what openAirlock opened (idempotent).
func (w *world) closeAirlock() {
	if w.db == nil {
		return
	}
	w.db.Close()
	w.root.Close()
	w.store.Close()
	w.db, w.root, w.store, w.svc = nil, nil, nil, nil
}

// deliverer returns a deliverer on the world's database with small backoffs.
func (w *world) deliverer(now func() time.Time) *review.Deliverer { return w.newDeliverer(now, 4) }

// newDeliverer returns a deliverer with small backoffs and the given concurrency.
func (w *world) newDeliverer(now func() time.Time, concurrency int) *review.Deliverer {
	return review.NewDeliverer(review.DeliveryConfig{
		Store: w.db, Files: w.store, Logger: quietLogger(),
		Registrar: w.client, Destination: w.client, Notifier: w.client,
		Concurrency: concurrency, MinBackoff: 10 * time.Millisecond, MaxBackoff: 100 * time.Millisecond, Poll: 20 * time.Millisecond, Now: now,
	})
}

// deliverAll runs delivery rounds on a simulated clock, one minute apart so
// every backoff has passed, until the request is RELEASED and every
// notification has gone, or rounds run out.
func (w *world) deliverAll(d *review.Deliverer, clock *fakeClock, id string, rounds int) {
	w.t.Helper()
	for range rounds {
		if _, err := d.RunOnce(w.ctx); err != nil {
			w.t.Fatalf("delivery round: %v", err)
		}
		if w.status(id) == airlock.StatusReleased && w.pendingNotifications() == 0 {
			return
		}
		clock.advance(time.Minute)
	}
	w.t.Fatalf("request %s is %s after %d delivery rounds; last error: %q", id, w.status(id), rounds, w.view(w.checker1, id).LastUploadError())
}

// fakeClock is the deliverer's clock in tests that step through rounds.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{now: time.Now()} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// generate writes the world's workspace with n small CSV outputs and returns it.
func (w *world) generate(n int) wstest.Workspace {
	w.t.Helper()
	return wstest.MustGenerate(w.t, w.wsDir, wsName, n, wstest.Options{Fanout: 4, Depth: 1})
}

// resize replaces the named outputs' bytes with pseudo-random content of
// the given sizes and updates the manifest to match, as a job would.
// The bytes depend on seed, so another seed makes new versions.
func resize(t testing.TB, ws wstest.Workspace, sizes map[string]int, seed uint64) {
	t.Helper()
	mpath := filepath.Join(ws.Dir, filepath.FromSlash(workspaces.ManifestPath))
	data, err := os.ReadFile(mpath)
	must(t, err)
	var manifest map[string]any
	must(t, json.Unmarshal(data, &manifest))
	outputs, _ := manifest["outputs"].(map[string]any)
	for p, size := range sizes {
		out, ok := outputs[p].(map[string]any)
		if !ok {
			t.Fatalf("%s is not an output of the generated workspace", p)
		}
		b := randomBytes(size, seed, p)
		must(t, os.WriteFile(filepath.Join(ws.Dir, filepath.FromSlash(p)), b, 0o644))
		out["size"], out["content_hash"] = size, sha256Hex(b)
	}
	data, err = json.Marshal(manifest)
	must(t, err)
	must(t, os.WriteFile(mpath, data, 0o644))
}

// randomBytes returns size bytes determined by seed and name.
func randomBytes(size int, seed uint64, name string) []byte {
	var key [32]byte
	h := sha256.Sum256([]byte(name))
	copy(key[:], h[:])
	key[0] ^= byte(seed)
	key[1] ^= byte(seed >> 8)
	b := make([]byte, size)
	rand.NewChaCha8(key).Read(b)
	return b
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// fileHash hashes a file on disk.
func fileHash(t testing.TB, path string) string {
	t.Helper()
	f, err := os.Open(path)
	must(t, err)
	defer f.Close()
	h := sha256.New()
	_, err = io.Copy(h, f)
	must(t, err)
	return hex.EncodeToString(h.Sum(nil))
}

// reviewed has the researcher put outputs (group "results") and supporting
// files (group "notes") on a request and submit it, and both checkers
// approve every output and submit their reviews. It returns the request id.
func (w *world) reviewed(outputs, supporting []string) string {
	w.t.Helper()
	w.add(outputs, airlock.FileOutput, "results")
	if len(supporting) > 0 {
		w.add(supporting, airlock.FileSupporting, "notes")
	}
	st, err := w.svc.WorkspaceState(w.ctx, w.researcher, wsName)
	must(w.t, err)
	if st.Current == nil {
		w.t.Fatal("the researcher has no open request after adding files")
	}
	id := st.Current.ID
	must(w.t, w.svc.EditGroup(w.ctx, w.researcher, id, "results", "Counts of admissions by region.", "Counts rounded to 5; under 7 suppressed."))
	if len(supporting) > 0 {
		must(w.t, w.svc.EditGroup(w.ctx, w.researcher, id, "notes", "How the counts were made.", "No patient-level data."))
	}
	must(w.t, w.svc.Submit(w.ctx, w.researcher, id))
	for _, c := range []*airlock.User{w.checker1, w.checker2} {
		for _, p := range outputs {
			must(w.t, w.svc.Vote(w.ctx, c, id, p, airlock.VoteApproved))
		}
		must(w.t, w.svc.SubmitReview(w.ctx, c, id))
	}
	if got := w.status(id); got != airlock.StatusReviewed {
		w.t.Fatalf("status after two reviews = %s, want %s", got, airlock.StatusReviewed)
	}
	return id
}

func (w *world) add(paths []string, typ airlock.FileType, group string) {
	w.t.Helper()
	items := make([]review.AddItem, len(paths))
	for i, p := range paths {
		items[i] = review.AddItem{Path: p, Type: typ}
	}
	res, err := w.svc.AddFiles(w.ctx, w.researcher, wsName, items, group)
	must(w.t, err)
	for _, r := range res {
		if r.Err != nil {
			w.t.Fatalf("add %s: %v", r.Path, r.Err)
		}
	}
}

func (w *world) request(id string) *airlock.Request {
	w.t.Helper()
	var r *airlock.Request
	must(w.t, w.db.View(w.ctx, func(tx airlock.Tx) error {
		var err error
		r, err = tx.Request(id)
		return err
	}))
	return r
}

func (w *world) status(id string) airlock.RequestStatus { return w.request(id).Status }

func (w *world) view(u *airlock.User, id string) *review.RequestView {
	w.t.Helper()
	v, err := w.svc.View(w.ctx, u, id)
	must(w.t, err)
	return v
}

// pendingNotifications counts notifications not yet sent, due or not.
func (w *world) pendingNotifications() int {
	w.t.Helper()
	var n int
	must(w.t, w.db.View(w.ctx, func(tx airlock.Tx) error {
		due, err := tx.DueNotifications(time.Now().Add(24*time.Hour), 1000)
		n = len(due)
		return err
	}))
	return n
}

// events returns the request's audit events, oldest first.
func (w *world) events(id string) []*airlock.AuditEvent {
	w.t.Helper()
	var evs []*airlock.AuditEvent
	must(w.t, w.db.View(w.ctx, func(tx airlock.Tx) error {
		var err error
		evs, err = tx.AuditEvents(airlock.AuditFilter{Request: id})
		return err
	}))
	slices.Reverse(evs)
	return evs
}

// eventPaths returns, per event type, the paths of the request's events.
func eventPaths(evs []*airlock.AuditEvent) map[airlock.EventType][]string {
	out := map[airlock.EventType][]string{}
	for _, e := range evs {
		out[e.Type] = append(out[e.Type], e.Path)
	}
	for _, v := range out {
		slices.Sort(v)
	}
	return out
}

// inOrder fails unless events (oldest first) hold the given types in this
// order, other events in between.
func inOrder(t testing.TB, evs []*airlock.AuditEvent, order ...airlock.EventType) {
	t.Helper()
	pos := 0
	for _, e := range evs {
		if pos < len(order) && e.Type == order[pos] {
			pos++
		}
	}
	if pos != len(order) {
		t.Fatalf("audit events out of order; want the sequence %v", order)
	}
}

// dump is the whole airlock database as text.
func (w *world) dump() string {
	w.t.Helper()
	d, err := w.db.Dump(w.ctx)
	must(w.t, err)
	return d
}

// verifyAudit checks the hash chain of the whole audit log.
func (w *world) verifyAudit() {
	w.t.Helper()
	n, err := w.db.VerifyAudit(w.ctx)
	if err != nil {
		w.t.Fatalf("audit chain: %v", err)
	}
	if n == 0 {
		w.t.Fatal("audit chain is empty")
	}
}

// checkArrived asserts that the receiver holds exactly the given files of
// the release, each stored once with the hash of want's bytes, and nothing
// else on disk.
func (w *world) checkArrived(id string, want map[string]string) {
	w.t.Helper()
	files, err := w.rcv.ReleasedFiles(w.ctx, id)
	must(w.t, err)
	if len(files) != len(want) {
		w.t.Fatalf("receiver lists %d files for the release, want %d", len(files), len(want))
	}
	_, created := w.counter.counts()
	for _, f := range files {
		hash, ok := want[f.Name]
		if !ok {
			w.t.Fatalf("receiver holds %s, which was not released", f.Name)
		}
		if !f.Uploaded {
			w.t.Fatalf("%s has not arrived at the receiver", f.Name)
		}
		if f.SHA256 != hash {
			w.t.Fatalf("%s registered with hash %s, want %s", f.Name, f.SHA256, hash)
		}
		rc, err := w.rcv.OpenReleasedFile(w.ctx, id, f.Name)
		must(w.t, err)
		b, err := io.ReadAll(rc)
		rc.Close()
		must(w.t, err)
		if got := sha256Hex(b); got != hash {
			w.t.Fatalf("stored bytes of %s hash to %s, want %s", f.Name, got, hash)
		}
		if n := created[f.Name]; n != 1 {
			w.t.Fatalf("receiver stored %s %d times, want exactly once", f.Name, n)
		}
	}
	stored, tmp := w.storedFiles()
	if len(stored) != len(want) {
		w.t.Fatalf("receiver storage holds %d files, want %d: %v", len(stored), len(want), stored)
	}
	if len(tmp) > 0 {
		w.t.Errorf("receiver left %d partial uploads in its temp dir: %v", len(tmp), tmp)
	}
}

// storedFiles lists the files in the receiver's storage, and separately
// those left in its temp dir.
func (w *world) storedFiles() (stored, tmp []string) {
	w.t.Helper()
	err := filepath.WalkDir(w.rcvStorage, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if d.IsDir() {
			return nil
		}
		rel, _ := filepath.Rel(w.rcvStorage, p)
		if strings.HasPrefix(rel, ".tmp"+string(filepath.Separator)) {
			tmp = append(tmp, rel)
		} else {
			stored = append(stored, rel)
		}
		return nil
	})
	must(w.t, err)
	return stored, tmp
}

// workspaceHashes hashes the current workspace bytes of paths.
func (w *world) workspaceHashes(paths []string) map[string]string {
	w.t.Helper()
	out := map[string]string{}
	for _, p := range paths {
		out[p] = fileHash(w.t, filepath.Join(w.wsDir, wsName, filepath.FromSlash(p)))
	}
	return out
}

// receiverEvents returns the notification types the receiver got for a request.
func (w *world) receiverEvents(id string) []string {
	w.t.Helper()
	evs, err := w.rcv.Events(w.ctx)
	must(w.t, err)
	var out []string
	for _, e := range evs {
		if e.Request == id {
			out = append(out, e.EventType)
		}
	}
	return out
}

// quietLogger drops logs: failures show in assertions, not in log noise.
func quietLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("unexpected error: %v", err)
	}
}

// addOutputs adds outputs with the given bytes to a generated workspace,
// copying the other manifest fields from its first output.
func addOutputs(t testing.TB, ws wstest.Workspace, files map[string][]byte) {
	t.Helper()
	mpath := filepath.Join(ws.Dir, filepath.FromSlash(workspaces.ManifestPath))
	data, err := os.ReadFile(mpath)
	must(t, err)
	var manifest map[string]any
	must(t, json.Unmarshal(data, &manifest))
	outputs, _ := manifest["outputs"].(map[string]any)
	template, ok := outputs[ws.Paths[0]].(map[string]any)
	if !ok {
		t.Fatal("the generated workspace has no outputs to copy")
	}
	for p, b := range files {
		full := filepath.Join(ws.Dir, filepath.FromSlash(p))
		must(t, os.MkdirAll(filepath.Dir(full), 0o755))
		must(t, os.WriteFile(full, b, 0o644))
		entry := map[string]any{}
		for k, v := range template {
			entry[k] = v
		}
		entry["size"], entry["content_hash"] = len(b), sha256Hex(b)
		outputs[p] = entry
	}
	data, err = json.Marshal(manifest)
	must(t, err)
	must(t, os.WriteFile(mpath, data, 0o644))
}
