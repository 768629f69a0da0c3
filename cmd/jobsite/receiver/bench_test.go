package receiver_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/airlock-project/airlock/cmd/jobsite/receiver"
	"github.com/airlock-project/airlock/cmd/jobsite/receiver/receivertest"
)

// benchFiles is how many files the benchmark's release holds: a large
// release of one study.
const benchFiles = 2000

// bigRelease registers and uploads a release of n small files to
// heart-main and returns a collaborator's session cookie.
func bigRelease(b *testing.B, n int) (*receivertest.Harness, []*http.Cookie) {
	b.Helper()
	h := receivertest.New(b, mustConfig(b), receiver.Options{NoSync: true})
	type file struct {
		Name     string         `json:"name"`
		URL      string         `json:"url"`
		Size     int            `json:"size"`
		SHA256   string         `json:"sha256"`
		Date     string         `json:"date"`
		Metadata map[string]any `json:"metadata"`
		Review   any            `json:"review"`
	}
	var files []file
	bodies := map[string][]byte{}
	for i := range n {
		name := fmt.Sprintf("output/tables/table_%04d.csv", i)
		body := []byte("group,count\nA," + strconv.Itoa(i) + "\n")
		sum := sha256.Sum256(body)
		files = append(files, file{Name: name, URL: name, Size: len(body), SHA256: hex.EncodeToString(sum[:]),
			Date: "2026-07-01T12:00:00+00:00", Metadata: map[string]any{"tool": "airlock"}})
		bodies[name] = body
	}
	rel, _ := json.Marshal(map[string]any{"files": files, "metadata": map[string]any{"tool": "airlock", "airlock_id": releaseID}, "review": nil})
	expect(b, post(b, h, "/api/v2/releases/workspace/heart-main", jsonHeaders(tppToken, "alice"), rel), http.StatusCreated, "")
	for name, body := range bodies {
		expect(b, post(b, h, "/api/v2/releases/release/"+releaseID, uploadHeaders(tppToken, "alice", name), body), http.StatusCreated, "")
	}
	br := newBrowser(b, h)
	br.signIn("frank")
	u, _ := http.NewRequest(http.MethodGet, h.HTTP.URL+"/", nil)
	return h, br.c.Jar.Cookies(u.URL)
}

// cpuTime is the process's user and system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkReleasedPages times the pages and indexes a collaborator opens
// on a workspace with one release of benchFiles files.
//
//	go test -run '^$' -bench ReleasedPages -benchtime 20x ./cmd/jobsite/receiver
func BenchmarkReleasedPages(b *testing.B) {
	h, cookies := bigRelease(b, benchFiles)
	for _, path := range []string{
		"/workspaces/heart-main/",
		"/workspaces/heart-main/releases/" + releaseID + "/",
		"/workspaces/heart-main/outputs/latest/",
		"/api/v2/releases/workspace/heart-main",
	} {
		b.Run(path, func(b *testing.B) {
			cpu := cpuTime()
			for b.Loop() {
				req := httptest.NewRequest(http.MethodGet, path, nil)
				for _, c := range cookies {
					req.AddCookie(c)
				}
				rec := httptest.NewRecorder()
				h.Server.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatalf("%s: %d", path, rec.Code)
				}
			}
			// The machine is shared, so wall time says more about the
			// neighbours than about us: report the CPU spent too.
			b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N), "cpu-ns/op")
		})
	}
}
