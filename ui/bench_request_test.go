package ui_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/airlock-project/airlock/airlock"
	"github.com/airlock-project/airlock/review"
	"github.com/airlock-project/airlock/workspaces/wstest"
)

// requestGroups is how many file groups manyFileRequest spreads its files over.
const requestGroups = 4

// manyFileRequest is the researcher's request of n outputs of a generated
// workspace, under review: the files in requestGroups groups, each group
// described and commented on by checker1, who has approved every other
// file. Outputs of out-of-date actions, which cannot be added, are skipped.
func manyFileRequest(tb testing.TB, w *world, ws wstest.Workspace, n int) string {
	tb.Helper()
	ctx := context.Background()
	rs, c1 := w.users[researcher], w.users[checker1]
	must := func(err error) {
		tb.Helper()
		if err != nil {
			tb.Fatal(err)
		}
	}
	byGroup := make([][]review.AddItem, requestGroups)
	var paths []string
	for i, p := range ws.Paths {
		if len(paths) == n {
			break
		}
		if i%50 == 49 { // wstest: an out-of-date action's output
			continue
		}
		g := len(paths) % requestGroups
		byGroup[g] = append(byGroup[g], review.AddItem{Path: p, Type: airlock.FileOutput})
		paths = append(paths, p)
	}
	if len(paths) < n {
		tb.Fatalf("the workspace has only %d outputs that can be added, want %d", len(paths), n)
	}
	name := func(g int) string { return fmt.Sprintf("tables-%d", g+1) }
	for g, items := range byGroup {
		res, err := w.svc.AddFiles(ctx, &rs, "generated", items, name(g))
		must(err)
		for _, r := range res {
			must(r.Err)
		}
	}
	id := w.request(researcher).Request.ID
	for g := range byGroup {
		must(w.svc.EditGroup(ctx, &rs, id, name(g), "Counts by region and year.", "Counts below 8 redacted, the rest rounded to 5."))
	}
	must(w.svc.Submit(ctx, &rs, id))
	for i, p := range paths {
		if i%2 == 0 {
			must(w.svc.Vote(ctx, &c1, id, p, airlock.VoteApproved))
		}
	}
	for g := range byGroup {
		must(w.svc.Comment(ctx, &c1, id, name(g), "Please say how the small counts were found.", airlock.Public))
	}
	return id
}

// BenchmarkRequestPage serves a request's overview page, of a request of
// 20 and of 200 outputs under review, to its reviewer and to its author,
// through the real handler with a signed-in session, rendered every time
// (the page cache is off). The overview lists every file with its
// decision, so bytes grow with the files; allocations and CPU per file
// show what each row costs.
//
//	go test -run='^$' -bench=BenchmarkRequestPage -benchmem ./ui/
func BenchmarkRequestPage(b *testing.B) { benchmarkRequestPage(b, false) }

// BenchmarkRequestPageCached is BenchmarkRequestPage with the page cache
// on: the same page seen again while nothing changed.
func BenchmarkRequestPageCached(b *testing.B) { benchmarkRequestPage(b, true) }

func benchmarkRequestPage(b *testing.B, cache bool) {
	for _, n := range []int{20, 200} {
		b.Run(fmt.Sprintf("files=%d", n), func(b *testing.B) {
			w := newWorld(b, "generated")
			w.srv.SetPageCache(cache)
			ws := wstest.MustGenerate(b, w.wsDir, "generated", n+n/49+1, wstest.Options{Fanout: 10, Depth: 2})
			backdate(b, ws.Dir)
			id := manyFileRequest(b, w, ws, n)
			page := "/requests/view/" + id + "/"
			for _, who := range []string{checker1, researcher} {
				c := signInBench(b, w, who)
				rec := c.do("GET", page, nil)
				if rec.Code != http.StatusOK || strings.Count(rec.Body.String(), "file"+"0") < n {
					b.Fatalf("%s as %s: status %d: %.300s", page, who, rec.Code, rec.Body.String())
				}
				role := "reviewer"
				if who == researcher {
					role = "author"
				}
				b.Run("by="+role, func(b *testing.B) {
					b.ReportAllocs()
					var bytes int
					cpu := cpuTime()
					defer func() { b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N), "cpu-ns/op") }()
					for b.Loop() {
						rec := c.do("GET", page, nil)
						if rec.Code != http.StatusOK {
							b.Fatalf("%s: status %d", page, rec.Code)
						}
						bytes = rec.Body.Len()
					}
					b.ReportMetric(float64(bytes), "page-bytes")
				})
			}
		})
	}
}
