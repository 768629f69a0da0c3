package content

import (
	"io"
	"os"
	"sync"
)

// spool is a temporary file that one goroutine writes while others read
// it: ReadAt waits until the bytes it asks for have been published or the
// writer has finished, so a Table can page the beginning of a converted
// sheet while the rest is still being converted.
//
// The file is unlinked as soon as it is created where the system allows it
// (Unix), so it never outlives the process; its space is freed on Close.
type spool struct {
	f    *os.File
	path string // to remove on Close; "" once unlinked

	mu   sync.Mutex
	cond *sync.Cond
	size int64 // bytes readers may see
	done bool
	err  error // why reading past size fails; nil means io.EOF
}

func newSpool(dir string) (*spool, error) {
	f, err := os.CreateTemp(dir, "airlock-sheet-*.csv")
	if err != nil {
		return nil, err
	}
	s := &spool{f: f, path: f.Name()}
	if os.Remove(f.Name()) == nil {
		s.path = ""
	}
	s.cond = sync.NewCond(&s.mu)
	return s, nil
}

// publish lets readers see the first n bytes, which must have been written.
func (s *spool) publish(n int64) {
	s.mu.Lock()
	s.size = n
	s.mu.Unlock()
	s.cond.Broadcast()
}

// finish ends the writing; readers past the published size get err, or
// io.EOF when err is nil.
func (s *spool) finish(err error) {
	s.mu.Lock()
	s.done, s.err = true, err
	s.mu.Unlock()
	s.cond.Broadcast()
}

// state returns what is published, without waiting.
func (s *spool) state() (size int64, done bool, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.size, s.done, s.err
}

// waitFor blocks until at least n bytes are published or writing is over.
func (s *spool) waitFor(n int64) (size int64, done bool, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for !s.done && s.size < n {
		s.cond.Wait()
	}
	return s.size, s.done, s.err
}

// ReadAt implements io.ReaderAt over the published bytes.
func (s *spool) ReadAt(p []byte, off int64) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	size, _, werr := s.waitFor(off + int64(len(p)))
	if off >= size {
		if werr != nil {
			return 0, werr
		}
		return 0, io.EOF
	}
	want := p
	if rest := size - off; int64(len(want)) > rest {
		want = want[:rest]
	}
	n, err := s.f.ReadAt(want, off)
	if err == nil && n < len(p) {
		err = werr
		if err == nil {
			err = io.EOF
		}
	}
	return n, err
}

// Close closes (and if need be removes) the file. The writer must have
// stopped.
func (s *spool) Close() error {
	err := s.f.Close()
	if s.path != "" {
		if rerr := os.Remove(s.path); err == nil {
			err = rerr
		}
		s.path = ""
	}
	return err
}
