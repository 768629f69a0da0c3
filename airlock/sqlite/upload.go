package sqlite

import (
	"database/sql"
	"time"

	"github.com/airlock-project/airlock/airlock"
)

// AddUploadJob records an output file to deliver.
func (t *tx) AddUploadJob(j *airlock.UploadJob) error {
	return t.exec(`INSERT INTO upload_jobs (request_id, path, workspace, file_id, size, released_by, attempts, next_attempt,
		last_error, done_at, blocked) VALUES (?,?,?,?,?,?,?,?,?,?,?)
		ON CONFLICT (request_id, path) DO NOTHING`,
		j.Request, j.Path, j.Workspace, j.FileID, j.Size, j.ReleasedBy, j.Attempts, formatTime(j.NextAttempt),
		j.LastError, formatTimePtr(j.DoneAt), j.Blocked)
}

const uploadColumns = `request_id, path, workspace, file_id, size, released_by, attempts, next_attempt, last_error, done_at, blocked`

func scanUpload(s scanner) (*airlock.UploadJob, error) {
	var (
		j    airlock.UploadJob
		next string
		done sql.NullString
	)
	if err := s.Scan(&j.Request, &j.Path, &j.Workspace, &j.FileID, &j.Size, &j.ReleasedBy, &j.Attempts, &next, &j.LastError, &done, &j.Blocked); err != nil {
		return nil, err
	}
	j.NextAttempt, j.DoneAt = parseTime(next), parseTimePtr(done)
	return &j, nil
}

// UploadJobs returns a request's upload jobs, by path.
func (t *tx) UploadJobs(requestID string) ([]*airlock.UploadJob, error) {
	var out []*airlock.UploadJob
	err := t.each(`SELECT `+uploadColumns+` FROM upload_jobs WHERE request_id = ? ORDER BY path`, []any{requestID}, func(s scanner) error {
		j, err := scanUpload(s)
		if err == nil {
			out = append(out, j)
		}
		return err
	})
	return out, err
}

// DueUploadJobs returns undelivered, unblocked jobs due now, oldest first,
// leaving out requests not yet registered with the jobs site: it would
// refuse their files.
func (t *tx) DueUploadJobs(now time.Time, limit int) ([]*airlock.UploadJob, error) {
	var out []*airlock.UploadJob
	err := t.each(`SELECT `+uploadColumns+` FROM upload_jobs u WHERE done_at IS NULL AND blocked = 0 AND next_attempt <= ?
		AND NOT EXISTS (SELECT 1 FROM release_registrations r WHERE r.request_id = u.request_id AND r.done_at IS NULL)
		ORDER BY next_attempt, request_id, path LIMIT ?`, []any{formatTime(now), limit}, func(s scanner) error {
		j, err := scanUpload(s)
		if err == nil {
			out = append(out, j)
		}
		return err
	})
	return out, err
}

// SaveUploadJob updates a job.
func (t *tx) SaveUploadJob(j *airlock.UploadJob) error {
	return t.exec(`UPDATE upload_jobs SET attempts = ?, next_attempt = ?, last_error = ?, done_at = ?, blocked = ?
		WHERE request_id = ? AND path = ?`, j.Attempts, formatTime(j.NextAttempt), j.LastError, formatTimePtr(j.DoneAt),
		j.Blocked, j.Request, j.Path)
}
