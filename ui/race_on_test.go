//go:build race

package ui

// raceEnabled reports whether the tests run with the race detector.
const raceEnabled = true
