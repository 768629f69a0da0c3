package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe for the program and the test to share.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// program is the whole program running in-process, as started by startRun.
type program struct {
	base           string // http://127.0.0.1:port
	stdout, stderr *syncBuffer
	cancel         context.CancelFunc
	done           chan error
}

// startRun runs the program with the environment env (flags none) on port
// 0 and waits until /healthz answers.
func startRun(t *testing.T, env map[string]string) *program {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	p := &program{stdout: &syncBuffer{}, stderr: &syncBuffer{}, cancel: cancel, done: make(chan error, 1)}
	go func() {
		p.done <- run(ctx, []string{"airlock"}, func(k string) string { return env[k] }, p.stdout, p.stderr)
	}()
	t.Cleanup(func() {
		if p.cancel != nil {
			p.cancel()
			<-p.done
		}
	})
	re := regexp.MustCompile(`listening on (http://[^ ]+)/\n`)
	for p.base == "" {
		select {
		case err := <-p.done:
			p.cancel = nil
			t.Fatalf("run ended early: %v\n%s", err, p.stderr.String())
		case <-time.After(20 * time.Millisecond):
		}
		if m := re.FindStringSubmatch(p.stdout.String()); m != nil {
			p.base = m[1]
		}
	}
	for {
		resp, err := http.Get(p.base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return p
			}
		}
		select {
		case err := <-p.done:
			p.cancel = nil
			t.Fatalf("run ended: %v", err)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// stop shuts the program down and returns what run returned.
func (p *program) stop() error {
	p.cancel()
	p.cancel = nil
	return <-p.done
}

// TestRunDemo starts the whole program in demo mode on port 0 in a temp
// dir, waits for /healthz, checks a page and shuts it down.
func TestRunDemo(t *testing.T) {
	dir := t.TempDir()
	p := startRun(t, map[string]string{"AIRLOCK_WORK_DIR": filepath.Join(dir, "data"), "AIRLOCK_LISTEN": "127.0.0.1:0"})
	resp, err := http.Get(p.base + "/login")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("login page = %d", resp.StatusCode)
	}
	if !regexp.MustCompile(`researcher\s+token "demo [0-9a-f]+"`).MatchString(p.stdout.String()) {
		t.Errorf("demo sign-ins not printed:\n%s", p.stdout.String())
	}
	if err := p.stop(); err != nil {
		t.Fatalf("run: %v", err)
	}
}

func TestConfigValidation(t *testing.T) {
	for name, env := range map[string]map[string]string{
		"OneReview":      {"AIRLOCK_REQUIRED_REVIEWS": "1"},
		"URLNoToken":     {"AIRLOCK_JOBSITE_URL": "https://jobs.example.org/api/v2"},
		"BadSessionKeys": {"AIRLOCK_SESSION_KEYS": "zz"},
		"ShortHashKey":   {"AIRLOCK_SESSION_KEYS": "abcd"},
		"ZeroAPIRate":    {"AIRLOCK_API_RATE": "0"},
		"NaNAPIRate":     {"AIRLOCK_API_RATE": "NaN"},
		"ZeroAPIBurst":   {"AIRLOCK_API_BURST": "0"},
		"WordAPIBurst":   {"AIRLOCK_API_BURST": "many"},
	} {
		t.Run(name, func(t *testing.T) {
			var out bytes.Buffer
			if _, err := parseConfig([]string{"airlock"}, func(k string) string { return env[k] }, &out); err == nil {
				t.Fatal("config accepted")
			}
		})
	}
}

func TestConfigTrustedProxies(t *testing.T) {
	parse := func(v string) (*config, error) {
		return parseConfig([]string{"airlock"}, func(k string) string {
			return map[string]string{"AIRLOCK_TRUSTED_PROXIES": v}[k]
		}, io.Discard)
	}
	c, err := parse("")
	if err != nil || len(c.TrustedProxies) != 0 {
		t.Fatalf("default: %v %v, want no trusted proxies", c.TrustedProxies, err)
	}
	c, err = parse("10.0.0.5, 10.1.2.3/16,::1")
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(c.TrustedProxies); got != "[10.0.0.5/32 10.1.0.0/16 ::1/128]" {
		t.Errorf("trusted proxies = %s", got)
	}
	for _, bad := range []string{"proxy.example.org", "10.0.0.0/33", "10.0.0"} {
		if _, err := parse(bad); err == nil || !strings.Contains(err.Error(), "trusted proxies") {
			t.Errorf("%q: %v, want a trusted-proxies error", bad, err)
		}
	}
}
