package review_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/airlock-project/airlock/airlock"
	"github.com/airlock-project/airlock/airlock/jobsite"
	"github.com/airlock-project/airlock/cmd/jobsite/receiver"
)

// Benchmark settings, from the environment so that `go test -bench` stays
// quick by default:
//
//	AIRLOCK_BENCH_RELEASE_MB    total size released per iteration, in MiB (default 128)
//	AIRLOCK_BENCH_CONCURRENCY   the deliverer's concurrency (default 4, as in production)
//	AIRLOCK_BENCH_SYNC=1        let the receiver fsync each file (default off: measure the transfer)
//	AIRLOCK_BENCH_CURL=1        also upload the same bytes with curl and report its rate and our ratio
//	AIRLOCK_BENCH_WARM=1        read the stored copies from memory (default: from the disk, as days after adding)
//
// The full 1 GiB run (64 files of 16 MiB), compared with curl:
//
//	AIRLOCK_BENCH_RELEASE_MB=1024 AIRLOCK_BENCH_CURL=1 \
//	  go test -run='^$' -bench=BenchmarkRelease -benchtime=1x ./review/
const benchFileSize = 16 << 20 // the jobs site's largest accepted file

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// BenchmarkRelease measures delivery of a released request of 16 MiB files
// over loopback: from the first upload claim until the request is RELEASED,
// including the deliverer's re-verification of every stored copy, the
// receiver's hashing and its database writes. Building the request (writing
// the workspace, copying into the store, reviews, release registration) is
// not timed. It reports MB/s (10^6 bytes per second).
func BenchmarkRelease(b *testing.B) {
	totalMB := envInt("AIRLOCK_BENCH_RELEASE_MB", 128)
	n := max(1, totalMB<<20/benchFileSize)
	concurrency := envInt("AIRLOCK_BENCH_CONCURRENCY", 4)
	w := newWorld(b, worldOptions{receiver: receiver.Options{NoSync: os.Getenv("AIRLOCK_BENCH_SYNC") != "1"}})
	ws := w.generate(n)
	sizes := map[string]int{}
	for _, p := range ws.Paths {
		sizes[p] = benchFileSize
	}
	bytesPerOp := int64(n) * benchFileSize

	withCurl := os.Getenv("AIRLOCK_BENCH_CURL") == "1"
	var (
		elapsed, curlElapsed time.Duration
		cpu, curlCPU         time.Duration // CPU of the whole transfer: sender and receiver
		lastID               string
	)
	b.ResetTimer()
	b.StopTimer()
	for i := range b.N {
		if lastID != "" {
			w.forget(lastID)
		}
		resize(b, ws, sizes, uint64(i)+1) // new bytes: released ones cannot be released again
		id := w.reviewed(ws.Paths, nil)
		must(b, w.svc.Release(w.ctx, w.checker1, id))
		d := w.newDeliverer(nil, concurrency)
		w.setStoredCache(b, id)

		start, startCPU := time.Now(), cpuTime()
		b.StartTimer()
		for w.status(id) != airlock.StatusReleased {
			attempted, err := d.RunOnce(w.ctx)
			if err != nil {
				b.Fatal(err)
			}
			if attempted == 0 && w.status(id) != airlock.StatusReleased {
				b.Fatalf("nothing left to deliver but the request is %s: %q", w.status(id), w.view(w.checker1, id).LastUploadError())
			}
		}
		b.StopTimer()
		elapsed += time.Since(start)
		cpu += cpuTime() - startCPU

		if v := w.view(w.checker1, id); v.Uploaded() != n || v.LastUploadError() != "" {
			b.Fatalf("%d of %d files uploaded, last error %q", v.Uploaded(), n, v.LastUploadError())
		}
		lastID = id
		if withCurl {
			// Right after ours, so both see the same machine load.
			took, used := w.curlUpload(b, id)
			curlElapsed += took
			curlCPU += used
		}
	}
	ours := float64(bytesPerOp) * float64(b.N) / 1e6 / elapsed.Seconds()
	b.ReportMetric(ours, "MB/s")
	b.ReportMetric(0, "ns/op") // the setup dominates wall time; MB/s is the figure
	if !withCurl {
		return
	}
	curlRate := float64(bytesPerOp) * float64(b.N) / 1e6 / curlElapsed.Seconds()
	b.ReportMetric(curlRate, "curl-MB/s")
	b.ReportMetric(ours/curlRate, "ratio")
	// On a shared machine wall time mostly measures the neighbours; the
	// CPU both transfers cost (the in-process receiver's included, and
	// curl's own) is steadier. cpu-ratio below 1 means we cost more.
	gb := float64(bytesPerOp) * float64(b.N) / 1e9
	b.ReportMetric(cpu.Seconds()/gb, "cpu-s/GB")
	b.ReportMetric(curlCPU.Seconds()/gb, "curl-cpu-s/GB")
	b.ReportMetric(curlCPU.Seconds()/cpu.Seconds(), "cpu-ratio")
	b.Logf("%d files of %d MiB: deliverer (concurrency %d) %.0f MB/s, curl %.0f MB/s, ratio %.2f",
		n, benchFileSize>>20, concurrency, ours, curlRate, ours/curlRate)
}

// forget removes a delivered request's bytes from airlock's store and the
// receiver's storage, so long runs do not fill the disk.
func (w *world) forget(id string) {
	w.t.Helper()
	dir := filepath.Join(w.storeDir, wsName, id)
	_ = filepath.WalkDir(dir, func(p string, _ os.DirEntry, err error) error {
		if err == nil {
			os.Chmod(p, 0o750)
		}
		return nil
	})
	must(w.t, os.RemoveAll(dir))
	must(w.t, os.RemoveAll(filepath.Join(w.rcvStorage, wsName, "releases", id)))
}

// curlUpload registers a fresh release of the same files as request id
// and uploads them with one curl process, one transfer after another on a
// reused connection, as an operator would by hand. It returns how long curl
// took and the CPU the transfer cost (curl's and this process's, which
// runs the receiver), after checking that every file arrived.
func (w *world) curlUpload(b *testing.B, id string) (time.Duration, time.Duration) {
	b.Helper()
	curl, err := exec.LookPath("curl")
	if err != nil {
		b.Skip("curl is not installed (apt-get install -y curl)")
	}
	r := w.request(id)
	var files []airlock.ReleaseFile
	for _, f := range r.OutputFiles() {
		files = append(files, airlock.ReleaseFile{Name: f.Path, Size: f.Size, SHA256: f.FileID, Date: f.AddedAt})
	}
	relID := airlock.NewULID(time.Now())
	if _, err := w.client.CreateRelease(w.ctx, wsName, checker1, relID, files); err != nil {
		b.Fatal(err)
	}
	url := w.client.BaseURL + "/releases/release/" + relID
	var args []string
	for i, f := range r.OutputFiles() {
		path, err := w.store.Path(wsName, id, f.FileID)
		must(b, err)
		if i > 0 {
			args = append(args, "--next")
		}
		// -T streams the file with its size as Content-Length, as the
		// deliverer does; --data-binary would first read it into memory.
		args = append(args, "-s", "-o", "/dev/null", "-w", "%{http_code}\n", "-X", "POST", "-T", path,
			"-H", "Authorization: "+backendToken, "-H", "OS-User: "+checker1,
			"-H", "Content-Type: application/octet-stream",
			"-H", "Content-Disposition: "+jobsite.ContentDisposition(f.Path), url)
	}
	w.setStoredCache(b, id)
	var out bytes.Buffer
	cmd := exec.Command(curl, args...)
	cmd.Stdout, cmd.Stderr = &out, &out
	start, startCPU := time.Now(), cpuTime()
	err = cmd.Run()
	took, used := time.Since(start), cpuTime()-startCPU
	if cmd.ProcessState != nil {
		used += cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	}
	if err != nil {
		b.Fatalf("curl: %v\n%s", err, out.String())
	}
	if codes := strings.Fields(out.String()); len(codes) != len(files) || strings.Trim(strings.Join(codes, ""), "201") != "" {
		b.Fatalf("curl answers %v, want %d × 201", codes, len(files))
	}
	got, err := w.rcv.ReleasedFiles(w.ctx, relID)
	must(b, err)
	for _, f := range got {
		if !f.Uploaded {
			b.Fatalf("curl's upload of %s did not arrive", f.Name)
		}
	}
	must(b, os.RemoveAll(filepath.Join(w.rcvStorage, wsName, "releases", relID)))
	return took, used
}

// cpuTime is this process's user and system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
