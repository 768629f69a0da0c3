package content

import (
	"bytes"
	"io"
	"math/rand/v2"
	"testing"
	"testing/iotest"
	"unicode/utf8"
)

// TestGuardReaderUTF8 checks the UTF-8 check done per read against the
// whole stream, whatever the read sizes: characters cut between reads,
// bad bytes at the start, middle and end, and a file ending mid-character.
func TestGuardReaderUTF8(t *testing.T) {
	cases := [][]byte{
		[]byte("plain,ascii\n1,2\n"),
		[]byte("caf\xc3\xa9,\xe2\x82\xac,\xf0\x9f\x98\x80\n"),
		[]byte("caf\xe9,1\n"),
		[]byte("\xff"),
		[]byte("ok\xc3"),
		[]byte("ok\xe2\x82"),
		[]byte("\xed\xa0\x80 surrogate"),
		[]byte("a\xc3\xa9b\xc3"),
	}
	rng := rand.New(rand.NewPCG(1, 2))
	pieces := [][]byte{[]byte("a"), []byte(","), []byte("\xc3\xa9"), []byte("\xe2\x82\xac"), []byte("\xf0\x9f\x98\x80"), []byte("\n")}
	for range 200 {
		var b []byte
		for range rng.IntN(40) {
			b = append(b, pieces[rng.IntN(len(pieces))]...)
		}
		if rng.IntN(3) == 0 && len(b) > 0 {
			b[rng.IntN(len(b))] = byte(rng.IntN(256))
		}
		cases = append(cases, b)
	}
	for _, b := range cases {
		want := int64(-1)
		for i := 0; i < len(b); {
			r, size := utf8.DecodeRune(b[i:])
			if r == utf8.RuneError && size <= 1 {
				want = int64(i)
				break
			}
			i += size
		}
		for _, wrap := range []func(io.Reader) io.Reader{
			func(r io.Reader) io.Reader { return r },
			iotest.OneByteReader,
			iotest.HalfReader,
		} {
			g := &guardReader{r: wrap(bytes.NewReader(b)), max: 1 << 30, sep: []byte(","), maxSeps: 1 << 30, invalidAt: -1}
			if _, err := io.ReadAll(g); err != nil {
				t.Fatal(err)
			}
			if g.invalidAt != want {
				t.Errorf("%q: first invalid byte at %d, want %d", b, g.invalidAt, want)
			}
		}
	}
}
