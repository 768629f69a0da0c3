package ui

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/airlock-project/airlock/workspaces/content/bombtest"
)

// bombChildEnv names the file the child server of TestBombServerMemory
// puts in its workspace.
const bombChildEnv = "AIRLOCK_BOMB_CHILD"

// maxServerRSS is what the whole server may take while it opens a hostile
// file.
const maxServerRSS = 512 << 20

// TestBombServerMemory opens every bomb of package bombtest (workbooks,
// images, text, tables, logs, SVG) through the real web
// application in a child process, over HTTP on 127.0.0.1, as a member of
// the workspace, and reads the child's peak resident memory (VmHWM in
// /proc/<pid>/status): each must stay under 512 MB and get a page that
// says why the file cannot be shown, or shows what can be with a note
// (an SVG is served as it is, under the sandbox). The
// child is this package's tests, built without the race detector (whose
// shadow memory would be measured too): the running binary when it is
// such a build, otherwise a copy built with `go test -c`.
//
//	go test -run TestBombServerMemory -v ./ui/
func TestBombServerMemory(t *testing.T) {
	if os.Getenv(bombChildEnv) != "" {
		t.Skip("running as the child server")
	}
	if runtime.GOOS != "linux" {
		t.Skip("reads the peak memory from /proc")
	}
	if testing.Short() {
		t.Skip("starts a server per bomb")
	}
	child := os.Args[0]
	if raceEnabled {
		child = filepath.Join(t.TempDir(), "ui.test")
		build := exec.Command("go", "test", "-c", "-o", child, ".")
		if out, err := build.CombinedOutput(); err != nil {
			t.Skipf("cannot build the tests without -race: %v\n%s", err, out)
		}
	}
	bombs := append(bombtest.Workbooks(), bombtest.Images()...)
	bombs = append(bombs, bombtest.Texts()...)
	// The plain-text view pages by 10,000 lines rather than 1,000.
	query := map[string]string{"brackets.txt": "?plaintext=1"}
	// What the page says about the files that are not workbooks (the
	// workbooks' notes are checked in ui/preview).
	want := map[string]string{
		"huge.png": "more than the 100 megapixels", "gigapixel.png": "more than the 100 megapixels",
		"huge.jpg": "more than the 100 megapixels", "deep.json": "too long to colour", "records.json": "too long to colour",
		"brackets.txt": "This page stops after line", "one-line.txt": "cut short",
		"wide.csv": "has more than 262,144 cells", "wide-header.csv": "has more than 262,144 cells",
		"long-row.csv": "longer than 8 MB", "deep.svg": "</svg>", "summary.log": "ansi-green",
	}
	for _, b := range bombs {
		t.Run(b.Name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), b.Name)
			if err := os.WriteFile(path, b.Data, 0o644); err != nil {
				t.Fatal(err)
			}
			s := startBombServer(t, child, path)
			start := time.Now()
			status, body := s.get(t, "/workspaces/content/ws1/output/"+url.PathEscape(b.Name)+query[b.Name])
			took := time.Since(start)
			peak := s.stop(t)
			t.Logf("%s (%s): %d in %v; server peak RSS %d MB (%d MB before the request)",
				b.Name, b.Does, status, took.Round(time.Millisecond), peak>>20, s.idle>>20)
			if peak > maxServerRSS {
				t.Errorf("peak RSS %d MB, over %d MB", peak>>20, maxServerRSS>>20)
			}
			if w, ok := want[b.Name]; ok {
				if status >= 500 || !strings.Contains(body, w) {
					t.Errorf("status %d without %q: %.1000s", status, w, body)
				}
			} else if status >= 500 || !strings.Contains(body, "content-note") && !strings.Contains(body, "table-notes") {
				t.Errorf("status %d without a note: %.1000s", status, body)
			}
		})
	}
}

// bombServer is the child process serving a workspace with one file.
type bombServer struct {
	cmd    *exec.Cmd
	stdin  io.Closer
	url    string
	cookie string
	idle   uint64 // VmHWM once it is ready
	killed atomic.Bool
	done   chan struct{}
}

// startBombServer starts the child and waits until it serves.
func startBombServer(t *testing.T, child, path string) *bombServer {
	t.Helper()
	cmd := exec.Command(child, "-test.run=^TestBombServerChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), bombChildEnv+"="+path)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &bombServer{cmd: cmd, stdin: stdin, done: make(chan struct{})}
	t.Cleanup(func() { s.stop(t) })
	lines := bufio.NewScanner(stdout)
	for lines.Scan() {
		if f := strings.Fields(lines.Text()); len(f) == 3 && f[0] == "bomb-server" {
			s.url, s.cookie = f[1], f[2]
			break
		}
	}
	if s.url == "" {
		t.Fatal("the child server did not start")
	}
	go io.Copy(io.Discard, stdout)
	s.idle = procStatus(t, cmd.Process.Pid, "VmHWM")
	// Never let a server that loses the fight take the machine with it.
	go func() {
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-s.done:
				return
			case <-tick.C:
				if rss := procStatusOr(cmd.Process.Pid, "VmRSS"); rss > 3*maxServerRSS {
					s.killed.Store(true)
					cmd.Process.Kill()
					return
				}
			}
		}
	}()
	return s
}

// get fetches a page as the signed-in member.
func (s *bombServer) get(t *testing.T, path string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, s.url+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Cookie", s.cookie)
	client := &http.Client{Timeout: 3 * time.Minute}
	resp, err := client.Do(req)
	if err != nil {
		if s.killed.Load() {
			t.Fatalf("the server passed %d MB and was stopped", 3*maxServerRSS>>20)
		}
		t.Fatalf("no answer: %v", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(body)
}

// stop reads the child's peak memory, then ends it.
func (s *bombServer) stop(t *testing.T) uint64 {
	select {
	case <-s.done:
		return 0
	default:
	}
	peak := procStatusOr(s.cmd.Process.Pid, "VmHWM")
	close(s.done)
	s.stdin.Close()
	waited := make(chan error, 1)
	go func() { waited <- s.cmd.Wait() }()
	select {
	case <-waited:
	case <-time.After(10 * time.Second):
		s.cmd.Process.Kill()
		<-waited
	}
	return peak
}

// procStatus reads a memory line of /proc/<pid>/status, in bytes.
func procStatus(t *testing.T, pid int, key string) uint64 {
	t.Helper()
	v := procStatusOr(pid, key)
	if v == 0 {
		t.Fatalf("no %s for process %d", key, pid)
	}
	return v
}

func procStatusOr(pid int, key string) uint64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, key+":"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// TestBombServerChild is the child of TestBombServerMemory: the web
// application with workspace ws1 holding the file named by bombChildEnv,
// served on 127.0.0.1 until its standard input closes. It prints its
// address and a signed-in member's cookie.
func TestBombServerChild(t *testing.T) {
	path := os.Getenv(bombChildEnv)
	if path == "" {
		t.Skip("run by TestBombServerMemory")
	}
	e := newEnv(t)
	// Copied, not read whole: the peak measured must be the server's.
	out := "output/" + filepath.Base(path)
	hash, size := copyFile(t, path, filepath.Join(e.wsDir, "ws1", filepath.FromSlash(out)))
	writeManifest(t, e.wsDir, "ws1", map[string]any{out: manifestOutput(hash, size)})
	c := e.as("author")
	srv := httptest.NewServer(e.srv)
	defer srv.Close()
	u, _ := url.Parse("http://airlock.test/")
	var cookies []string
	for _, ck := range c.jar.Cookies(u) {
		cookies = append(cookies, ck.Name+"="+ck.Value)
	}
	runtime.GC()
	fmt.Printf("bomb-server %s %s\n", srv.URL, strings.Join(cookies, ";"))
	io.Copy(io.Discard, os.Stdin)
}

// copyFile copies src to dst, making dst's directory, and returns the
// SHA-256 and size of the bytes.
func copyFile(t *testing.T, src, dst string) (string, int64) {
	t.Helper()
	in, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		t.Fatal(err)
	}
	out, err := os.Create(dst)
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(out, h), in)
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil)), n
}
