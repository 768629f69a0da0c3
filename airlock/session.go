package airlock

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"time"
)

// Session is one signed-in browser, kept on the server (D15) so that
// signing out, losing access and "sign out everywhere" end it at once. The
// browser holds a random secret; ID is that secret's SHA-256, so what is
// stored can never be replayed as a cookie.
type Session struct {
	ID         string
	Username   string
	CreatedAt  time.Time
	LastUsedAt time.Time
	// EndedAt is set once the session was ended, with why.
	EndedAt   *time.Time
	EndReason SessionEnd
}

// SessionEnd is why a session ended; it is recorded with the session and
// in the audit event.
type SessionEnd string

// The reasons a session ends.
const (
	SessionSignedOut     SessionEnd = "signed_out"      // the person signed out in this browser
	SessionEverywhere    SessionEnd = "everywhere"      // the person signed out everywhere
	SessionReplaced      SessionEnd = "replaced"        // the browser signed in again, maybe as someone else
	SessionAccessRevoked SessionEnd = "access_revoked"  // the jobs site says the person is gone or has no access (D6)
	SessionUnconfirmed   SessionEnd = "unconfirmed"     // the jobs site could not be asked for longer than the grace period (D6)
	SessionIdle          SessionEnd = "idle"            // not used for longer than the idle limit (D7)
	SessionUserUnknown   SessionEnd = "user_not_cached" // the person's cached roles are gone
)

// Message is what the person is told on the sign-in page afterwards.
func (r SessionEnd) Message() string {
	switch r {
	case SessionSignedOut:
		return "You have signed out."
	case SessionEverywhere:
		return "You have signed out everywhere: every browser signed in as you has to sign in again."
	case SessionAccessRevoked:
		return "Your access to airlock has ended. If you think this is a mistake, contact your project's team."
	case SessionUnconfirmed:
		return "We could not confirm your access with the jobs site for too long, so you have been signed out. Please sign in again later."
	case SessionIdle:
		return "Your session expired after a period without use. Please sign in again."
	}
	return "Your session has ended. Please sign in again."
}

// SessionTouchInterval is how stale a session's last-used time may get
// before a request records it again. Writing it on every request would turn
// every page view into a database write; idle expiry (measured in days)
// does not need better than a minute.
const SessionTouchInterval = time.Minute

// SessionID is the stored id of the session whose browser holds secret.
func SessionID(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// Check reports whether the session may be used at now, given the idle
// limit: nil, or an EUNAUTHORIZED error whose message says why not.
func (s *Session) Check(now time.Time, idle time.Duration) error {
	switch {
	case s.EndedAt != nil:
		return Errorf(EUNAUTHORIZED, "%s", s.EndReason.Message())
	case now.Sub(s.LastUsedAt) > idle:
		return Errorf(EUNAUTHORIZED, "%s", SessionIdle.Message())
	}
	return nil
}

// NeedsTouch reports whether a request at now should record the use.
func (s *Session) NeedsTouch(now time.Time) bool {
	return now.Sub(s.LastUsedAt) >= SessionTouchInterval
}

// SignInFailure is one refused sign-in, for the audit log.
type SignInFailure struct {
	User    string // the username or email address tried, as typed
	Address string // the client's address
	Reason  string // "wrong user or token"
	// LockedFor is how long further sign-ins of this user from this
	// address are refused because of this failure (0: not locked).
	LockedFor time.Duration
}

// SignInBackoff is how long sign-ins of one user from one address are
// refused after their failures-th consecutive failure: not at all below
// lockAt failures, then for first, doubling with each further failure up
// to max. A person who mistypes a few times is never held up; someone
// guessing tokens waits longer and longer.
func SignInBackoff(failures, lockAt int, first, max time.Duration) time.Duration {
	if failures < lockAt {
		return 0
	}
	d := first
	for range failures - lockAt {
		if d >= max/2 {
			return max
		}
		d *= 2
	}
	return min(d, max)
}

// SessionStore keeps sessions on the server (D15). Every method is one
// transaction; those that start or end sessions write their audit event
// in it (D12).
type SessionStore interface {
	// StartSession stores a new session and audits the sign-in from
	// address.
	StartSession(ctx context.Context, s *Session, address string) error
	// FindSession returns the session with the id, ended or not; ENOTFOUND
	// if there is none.
	FindSession(ctx context.Context, id string) (*Session, error)
	// TouchSession records that a live session was used at `at`.
	TouchSession(ctx context.Context, id string, at time.Time) error
	// EndSession ends one session, if it is still live, and audits why.
	EndSession(ctx context.Context, id string, why SessionEnd) error
	// EndUserSessions ends every live session of a person, audits why,
	// and returns how many there were.
	EndUserSessions(ctx context.Context, username string, why SessionEnd) (int, error)
	// UserSessions returns a person's live sessions used at or after
	// since, most recently used first.
	UserSessions(ctx context.Context, username string, since time.Time) ([]*Session, error)
	// PruneSessions deletes the sessions, live or ended, not used since
	// before, and returns how many there were.
	PruneSessions(ctx context.Context, before time.Time) (int, error)
	// RecordSignInFailure audits a refused sign-in.
	RecordSignInFailure(ctx context.Context, f SignInFailure) error
	// ShowsOutOfDate reports whether a session shows the outputs of
	// out-of-date actions in a workspace; they are hidden until asked for.
	ShowsOutOfDate(ctx context.Context, sessionID, workspace string) (bool, error)
	// SetShowOutOfDate records that choice for the rest of the session.
	SetShowOutOfDate(ctx context.Context, sessionID, workspace string, show bool) error
}
