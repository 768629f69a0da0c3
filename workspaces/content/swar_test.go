package content

import (
	"encoding/binary"
	"math/rand/v2"
	"testing"
)

// zeroBytesSlow is zeroBytes byte by byte.
func zeroBytesSlow(v uint64) uint64 {
	var m uint64
	for i := range 8 {
		if byte(v>>(8*i)) == 0 {
			m |= 0x80 << (8 * i)
		}
	}
	return m
}

func TestZeroBytes(t *testing.T) {
	word := func(b ...byte) uint64 { return binary.LittleEndian.Uint64(b) }
	for _, tc := range []struct {
		name string
		v    uint64
		want uint64
	}{
		{"none zero", word(1, 2, 3, 4, 5, 6, 7, 8), 0},
		{"all zero", 0, 0x8080808080808080},
		{"first byte", word(0, 1, 1, 1, 1, 1, 1, 1), 0x80},
		{"last byte", word(1, 1, 1, 1, 1, 1, 1, 0), 0x80 << 56},
		// A 0x01 just above a zero byte: the short trick marks it too.
		{"0x01 above zero", word(0, 1, 0xff, 0x80, 0x7f, 0, 1, 1), 0x80 | 0x80<<40},
		{"high bytes", word(0x80, 0xff, 0x80, 0, 0x81, 0xfe, 0x7f, 0), 0x80<<24 | 0x80<<56},
	} {
		if got := zeroBytes(tc.v); got != tc.want {
			t.Errorf("%s: zeroBytes(%#016x) = %#016x, want %#016x", tc.name, tc.v, got, tc.want)
		}
	}
	// Separators: the bytes equal to ',' of "a,b,,c,d".
	if got, want := zeroBytes(word('a', ',', 'b', ',', ',', 'c', ',', 'd')^repeat8(',')), uint64(0x80<<8|0x80<<24|0x80<<32|0x80<<48); got != want {
		t.Errorf("commas: %#016x, want %#016x", got, want)
	}
	// Words made of few distinct bytes, where borrows between bytes show.
	r := rand.New(rand.NewPCG(1, 2))
	pick := []byte{0, 1, 2, 0x7f, 0x80, 0x81, 0xfe, 0xff}
	for range 100_000 {
		var b [8]byte
		for i := range b {
			b[i] = pick[r.IntN(len(pick))]
		}
		v := binary.LittleEndian.Uint64(b[:])
		if got, want := zeroBytes(v), zeroBytesSlow(v); got != want {
			t.Fatalf("zeroBytes(%#016x) = %#016x, want %#016x", v, got, want)
		}
	}
}
