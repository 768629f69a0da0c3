package content

import (
	"errors"
	"io"
	"sync"
)

// ReaderAt gives random access to a file's bytes: directly when rs is an
// io.ReaderAt (an *os.File reads with pread, so concurrent readers do not
// interfere), otherwise by seeking under a lock.
func ReaderAt(rs io.ReadSeeker) io.ReaderAt {
	if ra, ok := rs.(io.ReaderAt); ok {
		return ra
	}
	return &seekReaderAt{rs: rs}
}

// seekReaderAt adapts an io.ReadSeeker to io.ReaderAt.
type seekReaderAt struct {
	mu sync.Mutex
	rs io.ReadSeeker
}

// ReadAt implements io.ReaderAt.
func (s *seekReaderAt) ReadAt(p []byte, off int64) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.rs.Seek(off, io.SeekStart); err != nil {
		return 0, err
	}
	n, err := io.ReadFull(s.rs, p)
	if errors.Is(err, io.ErrUnexpectedEOF) {
		err = io.EOF // as io.ReaderAt reports a short read at the end
	}
	return n, err
}
