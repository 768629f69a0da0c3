package receiver

import (
	"strings"
	"sync"
	"time"
)

// The sign-in limiter's settings: freeFailures wrong passwords for one
// person from one address cost nothing; each one after that locks the pair
// for twice as long as the last, from firstLock up to maxLock. A pair
// forgotten for a day starts again.
const (
	freeFailures = 5
	firstLock    = time.Minute
	maxLock      = time.Hour
	forgetAfter  = 24 * time.Hour
	maxTracked   = 100_000
)

// signInLimiter slows password guessing on the sign-in page, as airlock's
// sign-in does: it counts failures per person and address together (every
// unknown name counts as one person), so
// someone guessing another person's password never locks out anyone else
// at that address (a whole office behind one proxy), nor that person
// signing in from elsewhere. A correct sign-in forgets the pair's failures.
// It is safe for concurrent use.
type signInLimiter struct {
	mu    sync.Mutex
	pairs map[limitKey]*limitState
}

type limitKey struct{ user, addr string }

type limitState struct {
	failures int
	lock     time.Duration // the last lock given
	until    time.Time     // locked until then
	last     time.Time     // the last failure
}

func newSignInLimiter() *signInLimiter {
	return &signInLimiter{pairs: map[limitKey]*limitState{}}
}

func limitKeyOf(user, addr string) limitKey {
	return limitKey{strings.ToLower(strings.TrimSpace(user)), addr}
}

// wait is how long the pair must wait before trying again; 0 when it may.
func (l *signInLimiter) wait(now time.Time, user, addr string) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	st := l.pairs[limitKeyOf(user, addr)]
	if st == nil || !now.Before(st.until) {
		return 0
	}
	return st.until.Sub(now)
}

// fail records a wrong password and returns the lock it earned (0 while
// the failures are free).
func (l *signInLimiter) fail(now time.Time, user, addr string) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	k := limitKeyOf(user, addr)
	st := l.pairs[k]
	if st == nil || now.Sub(st.last) > forgetAfter {
		if len(l.pairs) >= maxTracked {
			l.prune(now)
		}
		st = &limitState{}
		l.pairs[k] = st
	}
	st.failures++
	st.last = now
	if st.failures <= freeFailures {
		return 0
	}
	st.lock = min(max(2*st.lock, firstLock), maxLock)
	st.until = now.Add(st.lock)
	return st.lock
}

// succeed forgets the pair's failures.
func (l *signInLimiter) succeed(user, addr string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.pairs, limitKeyOf(user, addr))
}

// prune drops pairs whose last failure is older than forgetAfter and, if
// that is not enough, pairs not locked now, so memory stays bounded and
// no lock in force is ever lost.
func (l *signInLimiter) prune(now time.Time) {
	for k, st := range l.pairs {
		if now.Sub(st.last) > forgetAfter {
			delete(l.pairs, k)
		}
	}
	if len(l.pairs) < maxTracked {
		return
	}
	for k, st := range l.pairs {
		if !now.Before(st.until) {
			delete(l.pairs, k)
		}
	}
}
