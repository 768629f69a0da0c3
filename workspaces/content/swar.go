package content

// Eight bytes at a time ("SWAR"): a word's bytes are tested all at once.

const (
	swarOnes = 0x0101010101010101
	swarLow7 = 0x7f7f7f7f7f7f7f7f
)

// repeat8 is a word with c in each of its eight bytes.
func repeat8(c byte) uint64 { return swarOnes * uint64(c) }

// zeroBytes has the high bit of each zero byte of v set, and no other
// bit. Unlike the shorter (v - ones) &^ v & highs, it never marks a byte
// of 0x01 above a zero one, so every bit it sets is a match. The bytes of
// v equal to c are zeroBytes(v ^ repeat8(c)).
func zeroBytes(v uint64) uint64 { return ^((v&swarLow7 + swarLow7) | v | swarLow7) }
