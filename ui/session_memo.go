package ui

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/airlock-project/airlock/airlock"
)

// ctxStateVersion is the store's state version as the request first read it.
const ctxStateVersion = "airlock.state_version"

// stateVersion returns the store's state version as this request first
// read it, reading it now if it has not yet. Everything the request reads
// from the store afterwards is at least as new, so what is kept under this
// version (a session, a page) is never older than the version says.
func (s *Server) stateVersion(c echo.Context) (uint64, error) {
	if v, ok := c.Get(ctxStateVersion).(uint64); ok {
		return v, nil
	}
	v, err := s.deps.Service.StateVersion(ctx(c))
	if err != nil {
		return 0, err
	}
	c.Set(ctxStateVersion, v)
	return v, nil
}

// signInMemoSize bounds the sessions the memo holds.
const signInMemoSize = 4096

// signIn is a session and its person's cached roles as the store held them.
type signIn struct {
	session   airlock.Session
	user      *airlock.User
	refreshed time.Time
}

// signInMemo remembers each session's row and its person's row as read
// under one state version. While the version is unchanged no write has
// been committed, so the store would read the same: a signed-in request
// then costs one read of the version instead of two transactions. The
// checks that depend on the time (idle sessions, roles to refresh) run on
// every request all the same, on copies.
type signInMemo struct {
	mu      sync.Mutex
	version uint64
	byID    map[string]signIn
	hits    atomic.Int64 // sign-ins answered from the memo, for tests
}

func newSignInMemo() *signInMemo { return &signInMemo{byID: map[string]signIn{}} }

// get returns copies of the session id's rows read under version.
func (m *signInMemo) get(version uint64, id string) (*airlock.Session, *airlock.User, time.Time, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	si, ok := m.byID[id]
	if !ok || m.version != version {
		return nil, nil, time.Time{}, false
	}
	m.hits.Add(1)
	sess := si.session
	return &sess, si.user.Clone(), si.refreshed, true
}

// put keeps copies of rows read under version; rows of any other version
// are dropped, as no longer what the store holds.
func (m *signInMemo) put(version uint64, sess *airlock.Session, u *airlock.User, refreshed time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.version != version || len(m.byID) >= signInMemoSize {
		clear(m.byID)
		m.version = version
	}
	m.byID[sess.ID] = signIn{session: *sess, user: u.Clone(), refreshed: refreshed}
}

// findSignIn returns the session of secret and its person's cached roles,
// from the memo when the store is unchanged since they were read. The
// person is nil when the store has the session but not them.
func (s *Server) findSignIn(c echo.Context, secret string) (*airlock.Session, *airlock.User, time.Time, error) {
	id := airlock.SessionID(secret)
	version, verr := s.stateVersion(c)
	if verr == nil {
		if sess, u, refreshed, ok := s.signIns.get(version, id); ok {
			return sess, u, refreshed, nil
		}
	}
	sess, err := s.deps.Sessions.FindSession(ctx(c), id)
	if err != nil {
		return nil, nil, time.Time{}, err
	}
	u, refreshed, err := s.deps.Service.User(ctx(c), sess.Username)
	if airlock.ErrorCode(err) == airlock.ENOTFOUND {
		return sess, nil, time.Time{}, nil
	} else if err != nil {
		return nil, nil, time.Time{}, err
	}
	if verr == nil {
		s.signIns.put(version, sess, u, refreshed)
	}
	return sess, u, refreshed, nil
}
