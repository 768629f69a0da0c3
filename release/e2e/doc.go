// Package e2e holds the tests that need the real release pieces together:
// the review service, SQLite storage, workspace directories, the
// content-addressed request-file store, the durable deliverer and the
// reference jobs-site receiver, all on loopback. It has no code of its own;
// see the _test.go files:
//
//   - e2e_test.go: a request from a generated workspace to files stored on
//     the receiver, with its audit trail and notifications;
//   - fault_test.go: server errors, hangs, lost answers, a corrupted stored
//     copy and a release attempt while the jobs site is down;
//   - crash_test.go: the uploading process killed with SIGKILL twenty times;
//   - bench_test.go: release throughput, and the same bytes sent with curl.
package e2e
