// Package e2e holds the tests that need the real release pieces together:
// the review service, SQLite storage, workspace directories, the
// content-addressed request-file store, the durable deliverer and the
// reference jobs-site receiver, all on loopback. It has no code of its own;
// see the _test.go files:
//
//   - e2e_test.go: a request from a generated workspace to files stored on
//     the receiver, with its audit trail and notifications; awkward names;
//   - fault_test.go: server errors, hangs, lost answers, a corrupted stored
//     copy and a release attempt while the jobs site is down;
//   - crash_test.go: the uploading process killed with SIGKILL twenty times
//     (Linux only);
//   - bench_test.go: release throughput, and the same bytes sent with curl.
//
// Run them with
//
//	go test -race ./release/e2e/
//
// and the full throughput comparison (1 GiB in 64 files of 16 MiB, then curl
// on the same bytes; needs about 4 GiB of temporary disk) with
//
//	AIRLOCK_BENCH_RELEASE_MB=1024 AIRLOCK_BENCH_CURL=1 \
//	  go test -run='^$' -bench=BenchmarkRelease -benchtime=1x ./release/e2e/
//
// Known bugs have tests that skip unless AIRLOCK_E2E_KNOWN_BUGS=1.
package e2e
