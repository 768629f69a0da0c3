package ui

import (
	"strings"
	"sync"
	"time"

	"github.com/airlock-project/airlock/airlock"
)

// loginLimiter counts consecutive failed sign-ins per (user, address) in
// memory and locks that pair with a growing back-off (airlock.SignInBackoff).
// Keying on the pair means a flood of wrong tokens for one person never
// refuses anyone else, even when everyone arrives through one proxy; and
// the correct token never unlocks a locked pair early, so guessing gains
// nothing from the lock ending on a success.
type loginLimiter struct {
	mu       sync.Mutex
	lockAt   int
	first    time.Duration
	max      time.Duration
	attempts map[string]*loginAttempts
}

// loginAttempts is the failure record of one (user, address).
type loginAttempts struct {
	failures    int
	last        time.Time
	lockedUntil time.Time
}

// maxLimiterEntries bounds the limiter's memory under a flood of distinct
// names or addresses.
const maxLimiterEntries = 100_000

func newLoginLimiter(lockAt int, first, max time.Duration) *loginLimiter {
	return &loginLimiter{lockAt: lockAt, first: first, max: max, attempts: map[string]*loginAttempts{}}
}

func limiterKey(username, addr string) string {
	return strings.ToLower(strings.TrimSpace(username)) + "\x00" + addr
}

// lockedFor reports how long sign-ins of username from addr stay refused.
func (l *loginLimiter) lockedFor(now time.Time, username, addr string) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	if a := l.attempts[limiterKey(username, addr)]; a != nil && now.Before(a.lockedUntil) {
		return a.lockedUntil.Sub(now)
	}
	return 0
}

// fail records a failed sign-in and returns the lock it starts (0 for
// none). Failures are forgotten once a pair has been quiet for longer
// than the longest lock.
func (l *loginLimiter) fail(now time.Time, username, addr string) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	k := limiterKey(username, addr)
	a := l.attempts[k]
	if a == nil || now.Sub(a.last) > l.max {
		if len(l.attempts) >= maxLimiterEntries {
			l.prune(now)
		}
		a = &loginAttempts{}
		l.attempts[k] = a
	}
	a.failures++
	a.last = now
	lock := airlock.SignInBackoff(a.failures, l.lockAt, l.first, l.max)
	if lock > 0 {
		a.lockedUntil = now.Add(lock)
	}
	return lock
}

// succeed forgets the pair's failures.
func (l *loginLimiter) succeed(username, addr string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.attempts, limiterKey(username, addr))
}

// prune drops pairs that are neither locked nor recently failing; if a
// flood leaves the map full of live entries, it drops unlocked ones, so
// memory stays bounded while locks in force are kept.
func (l *loginLimiter) prune(now time.Time) {
	for k, a := range l.attempts {
		if now.After(a.lockedUntil) && now.Sub(a.last) > l.max {
			delete(l.attempts, k)
		}
	}
	for k, a := range l.attempts {
		if len(l.attempts) < maxLimiterEntries {
			return
		}
		if now.After(a.lockedUntil) {
			delete(l.attempts, k)
		}
	}
}
