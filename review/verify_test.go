package review_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"testing"
	"testing/iotest"

	"github.com/airlock-project/airlock/review"
)

// TestVerifyingReader: a stored copy with the reviewed size and hash is
// handed out whole, and one that changed anywhere, in length or in any
// byte, is never handed out whole, fails with a clear error, and is
// reported changed (D4), whatever the file's size against the buffer it is
// read through.
func TestVerifyingReader(t *testing.T) {
	const chunk = review.StoreReadSize
	changes := []struct {
		name   string
		change func([]byte) []byte
	}{
		{"unchanged", func(b []byte) []byte { return b }},
		{"first byte", func(b []byte) []byte { b[0] ^= 1; return b }},
		{"last byte", func(b []byte) []byte { b[len(b)-1] ^= 1; return b }},
		{"one byte shorter", func(b []byte) []byte { return b[:len(b)-1] }},
		{"a chunk shorter", func(b []byte) []byte { return b[:max(0, len(b)-chunk)] }},
		{"one byte longer", func(b []byte) []byte { return append(b, 'x') }},
	}
	for _, size := range []int{0, 1, chunk - 1, chunk, chunk + 1, 2*chunk + 5} {
		reviewed := make([]byte, size)
		for i := range reviewed {
			reviewed[i] = byte(i * 31 / 7)
		}
		sum := sha256.Sum256(reviewed)
		for _, c := range changes {
			if size == 0 && c.name != "unchanged" && c.name != "one byte longer" {
				continue
			}
			stored := c.change(bytes.Clone(reviewed))
			unchanged := bytes.Equal(stored, reviewed)
			// HalfReader: the store may return less than asked.
			body, changedFn := review.NewVerifyingReader(iotest.HalfReader(bytes.NewReader(stored)), int64(size), hex.EncodeToString(sum[:]))
			// As the HTTP transport reads a body of known length: up to it, then on to the end.
			var got bytes.Buffer
			_, err := io.Copy(&got, io.LimitReader(body, int64(size)))
			if err == nil {
				_, err = io.Copy(io.Discard, body)
			}
			changed := changedFn()
			switch {
			case unchanged && (err != nil || changed || !bytes.Equal(got.Bytes(), reviewed)):
				t.Fatalf("size %d, %s: read %d bytes, err %v, changed %v; want all, no error", size, c.name, got.Len(), err, changed)
			case !unchanged && (err == nil || !changed || (size > 0 && got.Len() >= size)):
				t.Fatalf("size %d, %s: read %d of %d bytes, err %v, changed %v; want fewer, an error, changed", size, c.name, got.Len(), size, err, changed)
			}
		}
	}
}
