package sqlite

import (
	"database/sql"
	"errors"
	"time"

	"github.com/airlock-project/airlock/airlock"
)

// AddReleaseRegistration queues a request's registration with the jobs site.
func (t *tx) AddReleaseRegistration(r *airlock.ReleaseRegistration) error {
	return t.exec(`INSERT INTO release_registrations (request_id, workspace, released_by, attempts, next_attempt, last_error,
		done_at, jobsite_id, created_at) VALUES (?,?,?,?,?,?,?,?,?)`,
		r.Request, r.Workspace, r.ReleasedBy, r.Attempts, formatTime(r.NextAttempt), r.LastError, formatTimePtr(r.DoneAt),
		r.JobsiteID, formatTime(r.CreatedAt))
}

const registrationColumns = `request_id, workspace, released_by, attempts, next_attempt, last_error, done_at, jobsite_id, created_at`

func scanRegistration(s scanner) (*airlock.ReleaseRegistration, error) {
	var (
		r             airlock.ReleaseRegistration
		next, created string
		done          sql.NullString
	)
	if err := s.Scan(&r.Request, &r.Workspace, &r.ReleasedBy, &r.Attempts, &next, &r.LastError, &done, &r.JobsiteID, &created); err != nil {
		return nil, err
	}
	r.NextAttempt, r.DoneAt, r.CreatedAt = parseTime(next), parseTimePtr(done), parseTime(created)
	return &r, nil
}

// ReleaseRegistration returns a request's registration, or ENOTFOUND.
func (t *tx) ReleaseRegistration(requestID string) (*airlock.ReleaseRegistration, error) {
	r, err := scanRegistration(t.queryRow(`SELECT `+registrationColumns+` FROM release_registrations WHERE request_id = ?`, requestID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, airlock.Errorf(airlock.ENOTFOUND, "Request %q has no release registration.", requestID)
	}
	return r, err
}

// DueReleaseRegistrations returns unfinished registrations due now, oldest first.
func (t *tx) DueReleaseRegistrations(now time.Time, limit int) ([]*airlock.ReleaseRegistration, error) {
	var out []*airlock.ReleaseRegistration
	err := t.each(`SELECT `+registrationColumns+` FROM release_registrations WHERE done_at IS NULL AND next_attempt <= ?
		ORDER BY next_attempt, request_id LIMIT ?`, []any{formatTime(now), limit}, func(s scanner) error {
		r, err := scanRegistration(s)
		if err == nil {
			out = append(out, r)
		}
		return err
	})
	return out, err
}

// SaveReleaseRegistration updates a registration.
func (t *tx) SaveReleaseRegistration(r *airlock.ReleaseRegistration) error {
	return t.exec(`UPDATE release_registrations SET attempts = ?, next_attempt = ?, last_error = ?, done_at = ?, jobsite_id = ?
		WHERE request_id = ?`, r.Attempts, formatTime(r.NextAttempt), r.LastError, formatTimePtr(r.DoneAt), r.JobsiteID, r.Request)
}
