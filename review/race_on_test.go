//go:build race

package review_test

// raceEnabled scales the longest tests down under the race detector, which
// slows this code about tenfold; the full sizes run without it.
const raceEnabled = true
