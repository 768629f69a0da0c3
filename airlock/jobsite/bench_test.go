package jobsite_test

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/airlock-project/airlock/airlock"
	"github.com/airlock-project/airlock/airlock/jobsite"
	"github.com/airlock-project/airlock/cmd/jobsite/receiver"
	"github.com/airlock-project/airlock/cmd/jobsite/receiver/receivertest"
)

// benchFileSize is the size of each uploaded file: the jobs site's limit.
const benchFileSize = 16 << 20

// benchFiles returns how many 16 MiB files to upload per round:
// $JOBSITE_BENCH_BYTES (default 64 MiB; 1073741824 for the full 1 GiB).
func benchFiles(tb testing.TB) int {
	total := int64(64 << 20)
	if v := os.Getenv("JOBSITE_BENCH_BYTES"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			tb.Fatalf("JOBSITE_BENCH_BYTES=%q is not a positive number", v)
		}
		total = n
	}
	return int(max(1, total/benchFileSize))
}

func benchData() []byte {
	data := make([]byte, benchFileSize)
	r := rand.NewChaCha8([32]byte{1})
	r.Read(data)
	return data
}

// benchRelease registers n copies of data as one release.
func benchRelease(tb testing.TB, c *jobsite.Client, id string, n int, data []byte) {
	files := make([]airlock.ReleaseFile, n)
	for i := range files {
		files[i] = airlock.ReleaseFile{Name: fmt.Sprintf("output/part%04d.bin", i), Size: int64(len(data)), SHA256: sum(data), Date: time.Now()}
	}
	if _, err := c.CreateRelease(context.Background(), "cardiac-main", receiver.DemoChecker1, id, files); err != nil {
		tb.Fatal(err)
	}
}

// BenchmarkUpload uploads JOBSITE_BENCH_BYTES in 16 MiB files from the
// client to the receiver over loopback (hash, temp file, fsync, rename).
//
//	JOBSITE_BENCH_BYTES=1073741824 go test -run '^$' -bench BenchmarkUpload -benchtime 1x ./airlock/jobsite
func BenchmarkUpload(b *testing.B) {
	n := benchFiles(b)
	data := benchData()
	h := receivertest.NewDemo(b)
	c := h.Client()
	ctx := context.Background()
	b.SetBytes(int64(n) * benchFileSize)
	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		id := fmt.Sprintf("BENCH%d", i)
		benchRelease(b, c, id, n, data)
		b.StartTimer()
		for j := range n {
			name := fmt.Sprintf("output/part%04d.bin", j)
			if err := c.Upload(ctx, id, receiver.DemoChecker1, name, bytes.NewReader(data), int64(len(data))); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// TestCurlComparison times the same upload with this client and with curl
// --data-binary against one receiver, for a ratio. It runs only with
// JOBSITE_CURL=1 and curl installed:
//
//	JOBSITE_CURL=1 JOBSITE_BENCH_BYTES=1073741824 go test -run TestCurlComparison -v ./airlock/jobsite
func TestCurlComparison(t *testing.T) {
	if os.Getenv("JOBSITE_CURL") == "" {
		t.Skip("set JOBSITE_CURL=1 to compare upload speed with curl")
	}
	curl, err := exec.LookPath("curl")
	if err != nil {
		t.Skip("curl is not installed")
	}
	n := benchFiles(t)
	data := benchData()
	path := filepath.Join(t.TempDir(), "part.bin")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	h := receivertest.NewDemo(t)
	c := h.Client()
	ctx := context.Background()
	mb := float64(n) * benchFileSize / 1e6

	benchRelease(t, c, "CLIENT", n, data)
	start := time.Now()
	for j := range n {
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		err = c.Upload(ctx, "CLIENT", receiver.DemoChecker1, fmt.Sprintf("output/part%04d.bin", j), f, int64(len(data)))
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
	}
	client := time.Since(start)

	benchRelease(t, c, "CURL", n, data)
	start = time.Now()
	for j := range n {
		out, err := exec.Command(curl, "-sS", "-o", "/dev/null", "-w", "%{http_code}",
			"-H", "Authorization: "+h.Token, "-H", "OS-User: "+receiver.DemoChecker1,
			"-H", "Content-Type: application/octet-stream", "-H", "Accept: application/json",
			"-H", jobsiteHeader(fmt.Sprintf("output/part%04d.bin", j)),
			"--data-binary", "@"+path, h.URL+"/releases/release/CURL").CombinedOutput()
		if err != nil || strings.TrimSpace(string(out)) != "201" {
			t.Fatalf("curl: %v %s", err, out)
		}
	}
	viaCurl := time.Since(start)
	t.Logf("%d x 16 MiB (%.0f MB): client %v (%.0f MB/s), curl %v (%.0f MB/s), client/curl time ratio %.2f",
		n, mb, client.Round(time.Millisecond), mb/client.Seconds(), viaCurl.Round(time.Millisecond), mb/viaCurl.Seconds(),
		client.Seconds()/viaCurl.Seconds())
}

func jobsiteHeader(name string) string {
	return "Content-Disposition: " + jobsite.ContentDisposition(name)
}
