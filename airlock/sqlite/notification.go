package sqlite

import (
	"database/sql"
	"time"

	"github.com/airlock-project/airlock/airlock"
)

// Enqueue records a notification to send after commit.
func (t *tx) Enqueue(kind string, payload []byte) error {
	return t.exec(`INSERT INTO outbox (kind, payload, next_attempt, created_at) VALUES (?,?,?,?)`,
		kind, string(payload), formatTime(t.now), formatTime(t.now))
}

// DueNotifications returns unsent notifications due now, oldest first.
func (t *tx) DueNotifications(now time.Time, limit int) ([]*airlock.Notification, error) {
	var out []*airlock.Notification
	err := t.each(`SELECT id, kind, payload, attempts, next_attempt, last_error, sent_at FROM outbox
		WHERE sent_at IS NULL AND next_attempt <= ? ORDER BY id LIMIT ?`, []any{formatTime(now), limit}, func(s scanner) error {
		var (
			n             airlock.Notification
			payload, next string
			sent          sql.NullString
		)
		if err := s.Scan(&n.ID, &n.Kind, &payload, &n.Attempts, &next, &n.LastError, &sent); err != nil {
			return err
		}
		n.Payload, n.NextAttempt, n.SentAt = []byte(payload), parseTime(next), parseTimePtr(sent)
		out = append(out, &n)
		return nil
	})
	return out, err
}

// SaveNotification records an attempt or the sending of a notification.
func (t *tx) SaveNotification(n *airlock.Notification) error {
	return t.exec(`UPDATE outbox SET attempts = ?, next_attempt = ?, last_error = ?, sent_at = ? WHERE id = ?`,
		n.Attempts, formatTime(n.NextAttempt), n.LastError, formatTimePtr(n.SentAt), n.ID)
}
