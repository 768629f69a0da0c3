package ui_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/airlock-project/airlock/workspaces/wstest"
)

// loadClients, loadThreads and loadDuration are one wrk run: 200 clients
// sending their next request as soon as the last is answered.
const (
	loadClients  = 200
	loadThreads  = 2
	loadDuration = 10 * time.Second
)

// BenchmarkPagesUnderLoad serves the web application on 127.0.0.1, as
// airlock serves it (net/http, every middleware, real SQLite and
// workspaces), and runs wrk against it with 200 clients that never pause:
// /healthz, which touches neither the session nor the database, a
// directory page of 100 files of a workspace of 10,000 outputs, and the
// overview of a request of 200 outputs under review, one after the other
// in each iteration so that all three share the machine's load. It
// reports each one's p50 and p99 latency and requests a second, and each
// page's p99 as a multiple of /healthz's: the goal is at most 3.
// Iterations are whole rounds of 3 × 10 s, so run it with -benchtime=1x
// and repeat with -count:
//
//	apt-get install -y wrk
//	go test -run='^$' -bench=BenchmarkPagesUnderLoad -benchtime=1x -count=5 ./ui/ | tee load.txt
//	benchstat load.txt
//
// wrk's own threads need CPU too: on a machine of few cores the figures
// are of the pair, so note the load average beside them. The benchmark
// is skipped when wrk is not installed.
func BenchmarkPagesUnderLoad(b *testing.B) {
	wrk, err := exec.LookPath("wrk")
	if err != nil {
		b.Skip("wrk is not installed (apt-get install -y wrk)")
	}
	w := newWorld(b, "generated")
	ws := wstest.MustGenerate(b, w.wsDir, "generated", 10_000, wstest.Options{Fanout: 10, Depth: 2})
	backdate(b, ws.Dir)
	id := manyFileRequest(b, w, ws, 200)
	base := w.serve()
	pages := []struct{ name, path, who string }{
		{"healthz", "/healthz", ""},
		{"directory", "/workspaces/view/generated/" + ws.LeafDirs[len(ws.LeafDirs)/2] + "/", researcher},
		{"request", "/requests/view/" + id + "/", checker1},
	}
	cookies := map[string]string{}
	for _, pg := range pages {
		if pg.who != "" && cookies[pg.who] == "" {
			cookies[pg.who] = sessionCookieHeader(b, signInBench(b, w, pg.who))
		}
		// Warm the manifest cache, and check the page before timing it.
		req, _ := http.NewRequest("GET", base+pg.path, nil)
		if pg.who != "" {
			req.Header.Set("Cookie", cookies[pg.who])
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK || res.Request.URL.Path != pg.path {
			b.Fatalf("%s: status %d at %s", pg.path, res.StatusCode, res.Request.URL.Path)
		}
	}
	b.ResetTimer()
	results := map[string][]wrkResult{}
	for b.Loop() {
		for _, pg := range pages {
			args := []string{"-c", strconv.Itoa(loadClients), "-t", strconv.Itoa(loadThreads), "-d", loadDuration.String(),
				"--latency", "--timeout", "60s"}
			if pg.who != "" {
				args = append(args, "-H", "Cookie: "+cookies[pg.who])
			}
			r, err := runWrk(b.Context(), wrk, append(args, base+pg.path)...)
			if err != nil {
				b.Fatalf("%s: %v", pg.name, err)
			}
			results[pg.name] = append(results[pg.name], r)
		}
	}
	b.ReportMetric(0, "ns/op")
	health := mean(results["healthz"], func(r wrkResult) float64 { return ms(r.p99) })
	for _, pg := range pages {
		rs := results[pg.name]
		p99 := mean(rs, func(r wrkResult) float64 { return ms(r.p99) })
		b.ReportMetric(mean(rs, func(r wrkResult) float64 { return ms(r.p50) }), pg.name+"-p50-ms")
		b.ReportMetric(p99, pg.name+"-p99-ms")
		b.ReportMetric(mean(rs, func(r wrkResult) float64 { return r.perSecond }), pg.name+"-req/s")
		if pg.name != "healthz" {
			b.ReportMetric(p99/health, pg.name+"-p99/healthz")
		}
	}
}

// sessionCookieHeader is a Cookie header with a signed-in client's cookies.
func sessionCookieHeader(tb testing.TB, c *benchClient) string {
	tb.Helper()
	var parts []string
	for _, ck := range c.jar.Cookies(&url.URL{Scheme: "http", Host: "airlock.test", Path: "/"}) {
		parts = append(parts, ck.Name+"="+ck.Value)
	}
	if len(parts) == 0 {
		tb.Fatal("the signed-in client has no cookies")
	}
	return strings.Join(parts, "; ")
}

// wrkResult is what one wrk run measured.
type wrkResult struct {
	p50, p99  time.Duration
	perSecond float64
}

var (
	wrkPercentile = regexp.MustCompile(`^\s*(50|99)(?:\.0+)?%\s+(\S+)\s*$`)
	wrkRate       = regexp.MustCompile(`^Requests/sec:\s+(\S+)\s*$`)
	// Errors that make the run's figures meaningless.
	wrkErrors = regexp.MustCompile(`^\s*(Non-2xx or 3xx responses|Socket errors):.*$`)
)

// runWrk runs wrk and reads its --latency report.
func runWrk(ctx context.Context, wrk string, args ...string) (wrkResult, error) {
	out, err := exec.CommandContext(ctx, wrk, args...).CombinedOutput()
	if err != nil {
		return wrkResult{}, fmt.Errorf("wrk: %v: %s", err, out)
	}
	var r wrkResult
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		line := sc.Text()
		if m := wrkErrors.FindString(line); m != "" {
			return r, fmt.Errorf("wrk reports %q:\n%s", strings.TrimSpace(m), out)
		}
		if m := wrkPercentile.FindStringSubmatch(line); m != nil {
			d, err := time.ParseDuration(m[2])
			if err != nil {
				return r, fmt.Errorf("wrk latency %q: %v", m[2], err)
			}
			if m[1] == "50" {
				r.p50 = d
			} else {
				r.p99 = d
			}
		}
		if m := wrkRate.FindStringSubmatch(line); m != nil {
			if r.perSecond, err = strconv.ParseFloat(m[1], 64); err != nil {
				return r, fmt.Errorf("wrk rate %q: %v", m[1], err)
			}
		}
	}
	if r.p99 == 0 || r.perSecond == 0 {
		return r, fmt.Errorf("no latency distribution in wrk's report:\n%s", out)
	}
	return r, nil
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// mean is the mean of f over rs.
func mean(rs []wrkResult, f func(wrkResult) float64) float64 {
	t := 0.0
	for _, r := range rs {
		t += f(r)
	}
	return t / float64(len(rs))
}
