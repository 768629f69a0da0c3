package airlock

import (
	"strings"
	"sync"
	"time"
)

// SignInForgetAfter is how long a user and address must go without a
// failed sign-in before their failures are forgotten.
const SignInForgetAfter = 24 * time.Hour

// maxSignInPairs bounds a SignInLimiter's memory under a flood of
// distinct names or addresses.
const maxSignInPairs = 100_000

// SignInLimiter counts consecutive failed sign-ins per user and client
// address, in memory, and locks that pair as SignInBackoff says. Keying on
// the pair means a flood of wrong tokens or passwords for one person never
// refuses anyone else, even when everyone arrives through one proxy, nor
// that person signing in from elsewhere; and a locked pair waits out its
// lock even with the right secret, so guessing gains nothing from the lock
// ending on a success. A correct sign-in forgets the pair's failures, as
// does a day without one. Both airlock and the reference jobs site use
// it. It is safe for concurrent use.
type SignInLimiter struct {
	lockAt     int
	first, max time.Duration

	mu    sync.Mutex
	pairs map[signInPair]*signInFailures
}

type signInPair struct{ user, addr string }

// signInFailures is the record of one pair.
type signInFailures struct {
	count int
	last  time.Time // the last failure
	until time.Time // locked until then
}

// NewSignInLimiter locks a pair at its lockAt-th consecutive failure for
// first, doubling with each further failure up to max.
func NewSignInLimiter(lockAt int, first, max time.Duration) *SignInLimiter {
	return &SignInLimiter{lockAt: lockAt, first: first, max: max, pairs: map[signInPair]*signInFailures{}}
}

// pairOf keys a pair: usernames are matched ignoring case and spaces
// around them, as sign-in forms are.
func pairOf(user, addr string) signInPair {
	return signInPair{strings.ToLower(strings.TrimSpace(user)), addr}
}

// LockedFor is how long sign-ins of user from addr stay refused; 0 when
// they may try.
func (l *SignInLimiter) LockedFor(now time.Time, user, addr string) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	if f := l.pairs[pairOf(user, addr)]; f != nil && now.Before(f.until) {
		return f.until.Sub(now)
	}
	return 0
}

// Fail records a failed sign-in of user from addr and returns the lock
// it starts (0 for none).
func (l *SignInLimiter) Fail(now time.Time, user, addr string) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	k := pairOf(user, addr)
	f := l.pairs[k]
	if f == nil || now.Sub(f.last) > SignInForgetAfter {
		if len(l.pairs) >= maxSignInPairs {
			l.prune(now)
		}
		f = &signInFailures{}
		l.pairs[k] = f
	}
	f.count++
	f.last = now
	lock := SignInBackoff(f.count, l.lockAt, l.first, l.max)
	if lock > 0 {
		f.until = now.Add(lock)
	}
	return lock
}

// Succeed forgets the failures of user from addr.
func (l *SignInLimiter) Succeed(user, addr string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.pairs, pairOf(user, addr))
}

// prune drops the pairs forgotten anyway and, if a flood leaves the map
// full of recent ones, all those not locked now (dropping just enough
// would make every later failure prune again), so memory stays bounded
// and no lock in force is lost.
func (l *SignInLimiter) prune(now time.Time) {
	for k, f := range l.pairs {
		if now.Sub(f.last) > SignInForgetAfter {
			delete(l.pairs, k)
		}
	}
	if len(l.pairs) < maxSignInPairs {
		return
	}
	for k, f := range l.pairs {
		if !now.Before(f.until) {
			delete(l.pairs, k)
		}
	}
}
