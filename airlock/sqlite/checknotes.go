package sqlite

import (
	"errors"

	"github.com/airlock-project/airlock/airlock"
)

// AddCheckNote records what an author said about a request file's checks.
func (t *tx) AddCheckNote(requestID string, n *airlock.CheckNote) error {
	if t.readonly {
		return errors.New("write in a read-only transaction")
	}
	res, err := t.execResult(`INSERT INTO check_notes (request_id, path, kind, sheet, column_name, role, rule,
		row_number, header, reason, author, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)`,
		requestID, n.Path, string(n.Kind), n.Sheet, n.Column, n.Role, n.Rule, n.Row, n.Header, n.Reason, n.Author,
		formatTime(n.CreatedAt))
	if err != nil {
		return err
	}
	n.ID, err = res.LastInsertId()
	return err
}

// CheckNotes returns the notes on a request's files, oldest first: on one
// file, or on all when path is "".
func (t *tx) CheckNotes(requestID, path string) ([]*airlock.CheckNote, error) {
	var out []*airlock.CheckNote
	err := t.each(`SELECT id, path, kind, sheet, column_name, role, rule, row_number, header, reason, author, created_at
		FROM check_notes WHERE request_id = ? AND (? = '' OR path = ?) ORDER BY id`, []any{requestID, path, path},
		func(s scanner) error {
			var (
				n       airlock.CheckNote
				kind    string
				created string
			)
			if err := s.Scan(&n.ID, &n.Path, &kind, &n.Sheet, &n.Column, &n.Role, &n.Rule, &n.Row, &n.Header, &n.Reason,
				&n.Author, &created); err != nil {
				return err
			}
			n.Kind, n.CreatedAt = airlock.CheckNoteKind(kind), parseTime(created)
			out = append(out, &n)
			return nil
		})
	return out, err
}
