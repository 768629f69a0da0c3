package airlock_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/airlock-project/airlock/airlock"
)

// TestSignInLimiter: failures lock only their own user and address, the
// lock grows to its cap, the right secret waits it out and then forgets
// the failures, and a day without a failure forgets them too.
func TestSignInLimiter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 7, 1, 12, 0, 0, 0, time.UTC)
	l := airlock.NewSignInLimiter(3, time.Minute, 10*time.Minute)
	var locks []time.Duration
	for range 7 {
		if wait := l.LockedFor(now, "Ann", "192.0.2.1"); wait > 0 {
			now = now.Add(wait)
		}
		locks = append(locks, l.Fail(now, " ann ", "192.0.2.1"))
	}
	want := []time.Duration{0, 0, time.Minute, 2 * time.Minute, 4 * time.Minute, 8 * time.Minute, 10 * time.Minute}
	if !slices.Equal(locks, want) {
		t.Fatalf("locks %v, want %v", locks, want)
	}
	if got := l.LockedFor(now, "ANN", "192.0.2.1"); got != 10*time.Minute {
		t.Errorf("the same user in other case waits %v, want 10m", got)
	}
	for _, other := range [][2]string{{"bob", "192.0.2.1"}, {"ann", "198.51.100.7"}} {
		if got := l.LockedFor(now, other[0], other[1]); got != 0 {
			t.Errorf("%s at %s waits %v, want nothing", other[0], other[1], got)
		}
	}
	now = now.Add(10 * time.Minute)
	l.Succeed("ann", "192.0.2.1")
	if got := l.Fail(now, "ann", "192.0.2.1"); got != 0 {
		t.Errorf("after a correct sign-in the first failure locks for %v", got)
	}
	l.Fail(now, "ann", "192.0.2.1")
	now = now.Add(airlock.SignInForgetAfter + time.Second)
	if got := l.Fail(now, "ann", "192.0.2.1"); got != 0 {
		t.Errorf("after a quiet day the first failure locks for %v", got)
	}
}

// TestSignInLimiterBounded: a flood of distinct names keeps the limiter
// bounded and cheap, and a lock in force survives it.
func TestSignInLimiterBounded(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 7, 1, 12, 0, 0, 0, time.UTC)
	l := airlock.NewSignInLimiter(2, time.Hour, time.Hour)
	l.Fail(now, "victim", "192.0.2.1")
	l.Fail(now, "victim", "192.0.2.1")
	for i := range 250_000 {
		if lock := l.Fail(now, fmt.Sprint("name", i), "192.0.2.9"); lock != 0 {
			t.Fatalf("one failure of a fresh name locks for %v", lock)
		}
	}
	if got := l.LockedFor(now, "victim", "192.0.2.1"); got != time.Hour {
		t.Errorf("the victim's lock is %v after the flood, want 1h", got)
	}
}
