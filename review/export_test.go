package review

import "io"

// NewVerifyingReader gives tests the deliverer's reader of stored copies
// and a function reporting whether it found the copy changed.
func NewVerifyingReader(r io.Reader, size int64, sha string) (io.Reader, func() bool) {
	v := newVerifyingReader(r, size, sha)
	return v, func() bool { return v.changed }
}

// StoreReadSize is the largest read of a stored copy.
const StoreReadSize = storeReadSize
