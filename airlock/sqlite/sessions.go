package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"time"

	"github.com/airlock-project/airlock/airlock"
)

var _ airlock.SessionStore = (*DB)(nil)

// StartSession stores a new session and audits the sign-in.
func (db *DB) StartSession(ctx context.Context, s *airlock.Session, address string) error {
	return db.write(ctx, func(t *tx) error {
		if s.CreatedAt.IsZero() {
			s.CreatedAt = t.now
		}
		if s.LastUsedAt.IsZero() {
			s.LastUsedAt = s.CreatedAt
		}
		if err := t.exec(`INSERT INTO sessions (id, username, created_at, last_used_at) VALUES (?,?,?,?)`,
			s.ID, s.Username, formatTime(s.CreatedAt), formatTime(s.LastUsedAt)); err != nil {
			return err
		}
		return t.Audit(&airlock.AuditEvent{Type: airlock.EventSignIn, User: s.Username,
			Extra: map[string]string{"address": address, "session": shortSession(s.ID)}})
	})
}

// FindSession returns a session, ended or not.
func (db *DB) FindSession(ctx context.Context, id string) (*airlock.Session, error) {
	var s *airlock.Session
	err := db.read(ctx, func(t *tx) error {
		row := t.queryRow(`SELECT `+sessionColumns+` FROM sessions WHERE id = ?`, id)
		var err error
		if s, err = scanSession(row); errors.Is(err, sql.ErrNoRows) {
			return airlock.Errorf(airlock.ENOTFOUND, "There is no such session.")
		}
		return err
	})
	return s, err
}

// TouchSession records the use of a live session. It never moves the time
// back, so a slow request cannot undo a later one's touch.
func (db *DB) TouchSession(ctx context.Context, id string, at time.Time) error {
	return db.write(ctx, func(t *tx) error {
		return t.exec(`UPDATE sessions SET last_used_at = ? WHERE id = ? AND ended_at IS NULL AND last_used_at < ?`,
			formatTime(at), id, formatTime(at))
	})
}

// EndSession ends one live session and audits why; ending an ended or
// unknown session does nothing.
func (db *DB) EndSession(ctx context.Context, id string, why airlock.SessionEnd) error {
	return db.write(ctx, func(t *tx) error {
		var username string
		err := t.queryRow(`UPDATE sessions SET ended_at = ?, end_reason = ? WHERE id = ? AND ended_at IS NULL
			RETURNING username`, formatTime(t.now), string(why), id).Scan(&username)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		} else if err != nil {
			return err
		}
		return t.Audit(&airlock.AuditEvent{Type: airlock.EventSignOut, User: username,
			Extra: map[string]string{"reason": string(why), "session": shortSession(id), "sessions": "1"}})
	})
}

// EndUserSessions ends every live session of a person in one audited step.
func (db *DB) EndUserSessions(ctx context.Context, username string, why airlock.SessionEnd) (int, error) {
	var n int64
	err := db.write(ctx, func(t *tx) error {
		res, err := t.execResult(`UPDATE sessions SET ended_at = ?, end_reason = ? WHERE username = ? AND ended_at IS NULL`,
			formatTime(t.now), string(why), username)
		if err != nil {
			return err
		}
		if n, err = res.RowsAffected(); err != nil || n == 0 {
			return err
		}
		return t.Audit(&airlock.AuditEvent{Type: airlock.EventSignOut, User: username,
			Extra: map[string]string{"reason": string(why), "sessions": strconv.FormatInt(n, 10)}})
	})
	return int(n), err
}

// UserSessions returns a person's live sessions used since, most recent first.
func (db *DB) UserSessions(ctx context.Context, username string, since time.Time) ([]*airlock.Session, error) {
	var out []*airlock.Session
	err := db.read(ctx, func(t *tx) error {
		return t.each(`SELECT `+sessionColumns+` FROM sessions WHERE username = ? AND ended_at IS NULL AND last_used_at >= ?
			ORDER BY last_used_at DESC, created_at DESC`, []any{username, formatTime(since)}, func(row scanner) error {
			s, err := scanSession(row)
			out = append(out, s)
			return err
		})
	})
	return out, err
}

// PruneSessions deletes the sessions not used since before, live or
// ended: they can no longer be used, and their sign-ins and endings are in
// the audit log.
func (db *DB) PruneSessions(ctx context.Context, before time.Time) (int, error) {
	var n int64
	err := db.write(ctx, func(t *tx) error {
		res, err := t.execResult(`DELETE FROM sessions WHERE last_used_at < ?`, formatTime(before))
		if err == nil {
			n, err = res.RowsAffected()
		}
		return err
	})
	return int(n), err
}

// RecordSignInFailure audits a refused sign-in.
func (db *DB) RecordSignInFailure(ctx context.Context, f airlock.SignInFailure) error {
	return db.write(ctx, func(t *tx) error {
		extra := map[string]string{"address": f.Address, "reason": f.Reason}
		if f.LockedFor > 0 {
			extra["locked_for"] = f.LockedFor.String()
		}
		return t.Audit(&airlock.AuditEvent{Type: airlock.EventSignInFailed, User: f.User, Extra: extra})
	})
}

const sessionColumns = `id, username, created_at, last_used_at, ended_at, end_reason`

func scanSession(row scanner) (*airlock.Session, error) {
	var (
		s             airlock.Session
		created, used string
		ended         sql.NullString
		reason        string
	)
	if err := row.Scan(&s.ID, &s.Username, &created, &used, &ended, &reason); err != nil {
		return nil, err
	}
	s.CreatedAt, s.LastUsedAt, s.EndedAt, s.EndReason = parseTime(created), parseTime(used), parseTimePtr(ended), airlock.SessionEnd(reason)
	return &s, nil
}

// shortSession is enough of a session id to tell a person's sessions apart
// in the audit log; the whole id stays out of it.
func shortSession(id string) string { return id[:min(len(id), 12)] }

// ShowsOutOfDate reports whether the session asked to see the outputs of
// out-of-date actions in the workspace.
func (db *DB) ShowsOutOfDate(ctx context.Context, sessionID, workspace string) (bool, error) {
	var show bool
	err := db.read(ctx, func(t *tx) error {
		err := t.queryRow(`SELECT show_out_of_date FROM session_workspace_options WHERE session_id = ? AND workspace = ?`,
			sessionID, workspace).Scan(&show)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		return err
	})
	return show, err
}

// SetShowOutOfDate records the session's choice for the workspace.
func (db *DB) SetShowOutOfDate(ctx context.Context, sessionID, workspace string, show bool) error {
	return db.write(ctx, func(t *tx) error {
		return t.exec(`INSERT INTO session_workspace_options (session_id, workspace, show_out_of_date) VALUES (?,?,?)
			ON CONFLICT (session_id, workspace) DO UPDATE SET show_out_of_date = excluded.show_out_of_date`, sessionID, workspace, show)
	})
}
