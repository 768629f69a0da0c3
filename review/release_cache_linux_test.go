package review_test

import (
	"io"
	"os"
	"testing"

	"golang.org/x/sys/unix"
)

// setStoredCache drops request id's stored copies from the page cache, so
// that each transfer reads them from the disk, as a release does days
// after the files were added; without it the second transfer would read
// what the first left in memory. With AIRLOCK_BENCH_WARM=1 it reads them
// into the page cache instead, so that both transfers read from memory.
func (w *world) setStoredCache(b *testing.B, id string) {
	b.Helper()
	for _, f := range w.request(id).OutputFiles() {
		path, err := w.store.Path(wsName, id, f.FileID)
		must(b, err)
		fd, err := os.Open(path)
		must(b, err)
		if os.Getenv("AIRLOCK_BENCH_WARM") == "1" {
			_, err = io.Copy(io.Discard, fd)
		} else {
			err = unix.Fadvise(int(fd.Fd()), 0, 0, unix.FADV_DONTNEED)
		}
		fd.Close()
		must(b, err)
	}
}
