package review_test

import (
	"testing"

	"github.com/airlock-project/airlock/airlock"
)

// BenchmarkCreateAutomatedRequest measures an automated request of a
// whole directory of AIRLOCK_BENCH_AUTOMATED_FILES small outputs (default
// 500, spread over 4 subdirectories): the walk, the checks and every file
// added as a person adds it (copied into the store, one transaction
// each). Between iterations the request is withdrawn, untimed, so each
// iteration starts a new one. It reports files/s.
func BenchmarkCreateAutomatedRequest(b *testing.B) {
	n := envInt("AIRLOCK_BENCH_AUTOMATED_FILES", 500)
	w := newWorld(b, worldOptions{})
	w.generate(n)
	ar := airlock.AutomatedRequest{Username: researcher, Workspace: wsName, Dirs: []string{"output"}}
	b.ResetTimer()
	for range b.N {
		out, err := w.svc.CreateAutomatedRequest(w.ctx, w.researcher, ar)
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		if added := len(out.Groups[0].Added) - out.Groups[0].Failed(); added != n {
			b.Fatalf("%d of %d files added", added, n)
		}
		must(b, w.svc.Withdraw(w.ctx, w.researcher, out.RequestID))
		b.StartTimer()
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "files/s")
}
