package review_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"hash/fnv"
	"io"
	"io/fs"
	"maps"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/airlock-project/airlock/airlock"
	"github.com/airlock-project/airlock/airlock/sqlite"
	"github.com/airlock-project/airlock/review"
)

// memWorkspaces is a workspace reader over files held in memory. The
// workspace reader itself is tested against real directories in package
// workspaces; here only its contract matters.
type memWorkspaces struct {
	mu    sync.Mutex
	files map[string]map[string][]byte // workspace → path → bytes
}

func newMemWorkspaces() *memWorkspaces {
	return &memWorkspaces{files: map[string]map[string][]byte{}}
}

func (m *memWorkspaces) put(ws, path, content string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.files[ws] == nil {
		m.files[ws] = map[string][]byte{}
	}
	m.files[ws][path] = []byte(content)
}

func (m *memWorkspaces) File(_ context.Context, ws, path string) (airlock.WorkspaceFile, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	b, ok := m.files[ws][path]
	if !ok {
		return airlock.WorkspaceFile{}, airlock.Errorf(airlock.ENOTFOUND, "%s not found", path)
	}
	return memFile(path, b), nil
}

func memFile(path string, b []byte) airlock.WorkspaceFile {
	return airlock.WorkspaceFile{Path: path, Size: int64(len(b)), ContentHash: hashOf(b), InManifest: !strings.HasPrefix(path, "metadata/"),
		Timestamp: time.Unix(1700000000, 0).UTC(), Commit: "abc123"}
}

func (m *memWorkspaces) Open(_ context.Context, ws, path string) (airlock.OpenedFile, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	b, ok := m.files[ws][path]
	if !ok {
		return nil, airlock.Errorf(airlock.ENOTFOUND, "%s not found", path)
	}
	return &memOpened{Reader: bytes.NewReader(b), info: memInfo{name: path, size: int64(len(b))}}, nil
}

func (m *memWorkspaces) Names(context.Context) ([]string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Sorted(maps.Keys(m.files)), nil
}

// Tree lists the workspace's files as they are now: folders are implied by
// the paths, as on disk.
func (m *memWorkspaces) Tree(_ context.Context, ws string) (airlock.WorkspaceTree, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.files[ws] == nil {
		return nil, airlock.Errorf(airlock.ENOTFOUND, "Workspace %q was not found.", ws)
	}
	return memTree(maps.Clone(m.files[ws])), nil
}

// memTree is a workspace's files by path.
type memTree map[string][]byte

func (t memTree) Repo() string              { return "https://github.com/example/mem" }
func (t memTree) OutOfDateActionCount() int { return 0 }

// Version hashes the paths and bytes, so it changes with any of them.
func (t memTree) Version() uint64 {
	h := fnv.New64a()
	for _, p := range slices.Sorted(maps.Keys(t)) {
		h.Write([]byte(p))
		h.Write([]byte{0})
		h.Write(t[p])
		h.Write([]byte{0})
	}
	return h.Sum64()
}
func (t memTree) IsValidPath(p string) bool { _, ok := t[p]; return ok || t.IsDir(p) }

func (t memTree) IsDir(p string) bool {
	for f := range t {
		if p == "" || strings.HasPrefix(f, p+"/") {
			return true
		}
	}
	return false
}

func (t memTree) NearestValid(p string) string {
	for p != "" && !t.IsValidPath(p) {
		p = path.Dir(p)
		if p == "." {
			p = ""
		}
	}
	return p
}

// Children lists folders first, then files, each by name.
func (t memTree) Children(_ context.Context, dir string, _ airlock.ChildrenOptions) ([]airlock.WorkspaceEntry, error) {
	if !t.IsDir(dir) {
		return nil, airlock.Errorf(airlock.ENOTFOUND, "Directory %q does not exist.", dir)
	}
	prefix := dir + "/"
	if dir == "" {
		prefix = ""
	}
	seen := map[string]airlock.WorkspaceEntry{}
	for f, b := range t {
		rest, ok := strings.CutPrefix(f, prefix)
		if !ok {
			continue
		}
		if name, _, isDir := strings.Cut(rest, "/"); isDir {
			seen[name] = airlock.WorkspaceEntry{Name: name, Path: prefix + name, IsDir: true}
		} else {
			seen[name] = airlock.WorkspaceEntry{Name: name, Path: f, File: memFile(f, b)}
		}
	}
	out := slices.Collect(maps.Values(seen))
	slices.SortFunc(out, func(a, b airlock.WorkspaceEntry) int {
		if a.IsDir != b.IsDir {
			if a.IsDir {
				return -1
			}
			return 1
		}
		return strings.Compare(a.Name, b.Name)
	})
	return out, nil
}

func (t memTree) File(_ context.Context, p string) (airlock.WorkspaceFile, error) {
	b, ok := t[p]
	if !ok {
		return airlock.WorkspaceFile{}, airlock.Errorf(airlock.ENOTFOUND, "File %q is not a visible file.", p)
	}
	return memFile(p, b), nil
}

// memOpened is an open in-memory file.
type memOpened struct {
	*bytes.Reader
	info memInfo
}

func (f *memOpened) Close() error               { return nil }
func (f *memOpened) Stat() (fs.FileInfo, error) { return f.info, nil }

type memInfo struct {
	name string
	size int64
}

func (i memInfo) Name() string       { return path.Base(i.name) }
func (i memInfo) Size() int64        { return i.size }
func (i memInfo) Mode() fs.FileMode  { return 0o644 }
func (i memInfo) ModTime() time.Time { return time.Unix(1700000000, 0).UTC() }
func (i memInfo) IsDir() bool        { return false }
func (i memInfo) Sys() any           { return nil }

func hashOf(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// memFiles is a content-addressed store in memory, shared across test DBs.
type memFiles struct {
	mu    sync.Mutex
	blobs map[string][]byte
}

func (m *memFiles) Put(_ context.Context, ws, id string, src io.Reader, want string) (string, int64, error) {
	b, err := io.ReadAll(src)
	if err != nil {
		return "", 0, err
	}
	h := hashOf(b)
	if h != want {
		return "", 0, airlock.Errorf(airlock.EINVALID, "the file no longer matches its manifest")
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.blobs[h] = b
	return h, int64(len(b)), nil
}

func (m *memFiles) Open(_ context.Context, ws, id, hash string) (io.ReadSeekCloser, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	b, ok := m.blobs[hash]
	if !ok {
		return nil, airlock.Errorf(airlock.ENOTFOUND, "not stored")
	}
	return struct {
		io.ReadSeeker
		io.Closer
	}{bytes.NewReader(b), io.NopCloser(nil)}, nil
}

// fakeJobsite records releases registered by the deliverer.
type fakeJobsite struct {
	mu       sync.Mutex
	fail     error
	releases map[string][]airlock.ReleaseFile
}

func (j *fakeJobsite) CreateRelease(_ context.Context, ws, user, id string, files []airlock.ReleaseFile) (string, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.fail != nil {
		return "", j.fail
	}
	if j.releases == nil {
		j.releases = map[string][]airlock.ReleaseFile{}
	}
	j.releases[id] = files
	return id, nil
}

// registered returns the files registered for a release.
func (j *fakeJobsite) registered(id string) []airlock.ReleaseFile {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.releases[id]
}

// The cast: every kind of person the rules distinguish.
var (
	ongoing  = true
	inactive = false
	w1       = airlock.WorkspaceAccess{ProjectDetails: airlock.ProjectDetails{Name: "Project One", Ongoing: &ongoing, Orgs: []string{"Org A"}}}
	archived = airlock.WorkspaceAccess{ProjectDetails: airlock.ProjectDetails{Name: "Project One", Ongoing: &ongoing}, Archived: true}
	oldProj  = airlock.WorkspaceAccess{ProjectDetails: airlock.ProjectDetails{Name: "Old", Ongoing: &inactive}}

	alice = &airlock.User{Username: "alice", Workspaces: map[string]airlock.WorkspaceAccess{"w1": w1, "warch": archived, "wold": oldProj}}
	carol = &airlock.User{Username: "carol", Workspaces: map[string]airlock.WorkspaceAccess{"w1": w1}}
	chk1  = &airlock.User{Username: "chk1", OutputChecker: true}
	chk2  = &airlock.User{Username: "chk2", OutputChecker: true}
	chk3  = &airlock.User{Username: "chk3", OutputChecker: true}
	dana  = &airlock.User{Username: "dana", OutputChecker: true, Workspaces: map[string]airlock.WorkspaceAccess{"w1": w1}}
	cop   = &airlock.User{Username: "cop", CopilotedWorkspaces: map[string]airlock.WorkspaceAccess{"w1": w1}}
	ro    = &airlock.User{Username: "ro", ReadonlyAccess: true}
	nm    = &airlock.User{Username: "nm", Workspaces: map[string]airlock.WorkspaceAccess{"other": w1}}
)

// env is one test's world: a real SQLite database and the service.
type env struct {
	t       testing.TB
	ctx     context.Context
	db      *sqlite.DB
	svc     *review.Service
	ws      *memWorkspaces
	files   *memFiles
	jobsite *fakeJobsite
	clock   time.Time
}

func newEnv(t testing.TB) *env {
	return openEnv(t, filepath.Join(t.TempDir(), "airlock.db"), nil, nil)
}

func openEnv(t testing.TB, path string, ws *memWorkspaces, files *memFiles) *env {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if ws == nil {
		ws = newMemWorkspaces()
		for _, w := range []string{"w1", "warch", "wold"} {
			ws.put(w, "out/table.csv", "a,b\n1,2\n")
			ws.put(w, "out/chart.png", "png-bytes")
			ws.put(w, "out/notes.txt", "notes")
			ws.put(w, "out/code.exe", "nope")
			ws.put(w, "metadata/job.log", "log")
		}
	}
	if files == nil {
		files = &memFiles{blobs: map[string][]byte{}}
	}
	e := &env{t: t, ctx: ctx, db: db, ws: ws, files: files, jobsite: &fakeJobsite{}, clock: time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)}
	db.Now = func() time.Time { e.clock = e.clock.Add(time.Second); return e.clock }
	e.svc = review.New(review.Config{Store: db, Workspaces: ws, Files: files, Policy: airlock.NewPolicy(2, nil)})
	return e
}

// must fails the test on error.
func (e *env) must(err error) {
	e.t.Helper()
	if err != nil {
		e.t.Fatalf("unexpected error: %v", err)
	}
}

// add adds files and fails on any per-file error.
func (e *env) add(u *airlock.User, ws, group string, t airlock.FileType, paths ...string) string {
	e.t.Helper()
	var items []review.AddItem
	for _, p := range paths {
		items = append(items, review.AddItem{Path: p, Type: t})
	}
	res, err := e.svc.AddFiles(e.ctx, u, ws, items, group)
	e.must(err)
	for _, r := range res {
		e.must(r.Err)
	}
	return e.currentID(u, ws)
}

func (e *env) currentID(u *airlock.User, ws string) string {
	e.t.Helper()
	st, err := e.svc.WorkspaceState(e.ctx, u, ws)
	e.must(err)
	if st.Current == nil {
		e.t.Fatalf("%s has no open request in %s", u.Username, ws)
	}
	return st.Current.ID
}

func (e *env) request(id string) *airlock.Request {
	e.t.Helper()
	var r *airlock.Request
	e.must(e.db.View(e.ctx, func(tx airlock.Tx) error {
		var err error
		r, err = tx.Request(id)
		return err
	}))
	return r
}

func (e *env) dump() string {
	e.t.Helper()
	d, err := e.db.Dump(e.ctx)
	e.must(err)
	return d
}

// pending builds a complete pending request by author in w1: two output
// files in group "tables", a supporting file, context and controls.
func (e *env) pending(author *airlock.User) string {
	e.t.Helper()
	id := e.add(author, "w1", "tables", airlock.FileOutput, "out/table.csv", "out/chart.png")
	e.add(author, "w1", "tables", airlock.FileSupporting, "out/notes.txt")
	e.must(e.svc.EditGroup(e.ctx, author, id, "tables", "Counts of patients by region.", "Rounded to 5; suppressed under 7."))
	return id
}

// reviewAll has a checker vote on every output file and submit their review.
func (e *env) reviewAll(u *airlock.User, id string, v airlock.Vote) {
	e.t.Helper()
	r := e.request(id)
	for _, f := range r.OutputFiles() {
		e.must(e.svc.Vote(e.ctx, u, id, f.Path, v))
	}
	if v == airlock.VoteChangesRequested {
		for _, g := range r.Groups {
			if len(g.OutputFiles()) > 0 {
				e.must(e.svc.Comment(e.ctx, u, id, g.Name, "Please round these counts.", airlock.Public))
			}
		}
	}
	e.must(e.svc.SubmitReview(e.ctx, u, id))
}

// toStatus builds a request by author and takes it to the given status.
func (e *env) toStatus(author *airlock.User, s airlock.RequestStatus) string {
	e.t.Helper()
	return e.advance(author, e.pending(author), s)
}

// advance takes a complete pending request to the given status.
func (e *env) advance(author *airlock.User, id string, s airlock.RequestStatus) string {
	e.t.Helper()
	steps := map[airlock.RequestStatus]func(){
		airlock.StatusPending:           func() {},
		airlock.StatusSubmitted:         func() { e.must(e.svc.Submit(e.ctx, author, id)) },
		airlock.StatusPartiallyReviewed: func() { e.must(e.svc.Submit(e.ctx, author, id)); e.reviewAll(chk1, id, airlock.VoteApproved) },
		airlock.StatusReviewed: func() {
			e.must(e.svc.Submit(e.ctx, author, id))
			e.reviewAll(chk1, id, airlock.VoteApproved)
			e.reviewAll(chk2, id, airlock.VoteApproved)
		},
		airlock.StatusWithdrawn: func() { e.must(e.svc.Withdraw(e.ctx, author, id)) },
	}
	if step, ok := steps[s]; ok {
		step()
		return id
	}
	id2 := id
	steps[airlock.StatusReviewed]()
	switch s {
	case airlock.StatusReturned:
		e.must(e.svc.Return(e.ctx, chk1, id2))
	case airlock.StatusRejected:
		e.must(e.svc.Reject(e.ctx, chk1, id2))
	case airlock.StatusApproved:
		e.must(e.svc.Release(e.ctx, chk1, id2))
	default:
		e.t.Fatalf("no recipe for %s", s)
	}
	if got := e.request(id2).Status; got != s {
		e.t.Fatalf("status = %s, want %s", got, s)
	}
	return id2
}
