package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"strings"
	"unicode/utf8"

	"github.com/airlock-project/airlock/airlock"
)

// genesisHash is the previous hash of the first event.
const genesisHash = "0000000000000000000000000000000000000000000000000000000000000000"

// Audit appends an event to the chain. Writes are serialised by the single
// writer connection, so reading the last hash here cannot race.
func (t *tx) Audit(e *airlock.AuditEvent) error {
	if t.readonly {
		return errors.New("write in a read-only transaction")
	}
	// The service refuses such text where it arrives, with a message naming
	// the field; this is the backstop that keeps the chain exact.
	if err := e.CheckText(); err != nil {
		return err
	}
	var lastID int64
	prev := genesisHash
	err := t.queryRow(`SELECT id, hash FROM audit_events ORDER BY id DESC LIMIT 1`).Scan(&lastID, &prev)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("read chain head: %w", err)
	}
	e.ID = lastID + 1
	e.CreatedAt = t.now
	if e.Extra == nil {
		e.Extra = map[string]string{}
	}
	if name := airlock.APITokenOf(t.ctx); name != "" {
		e.Extra = maps.Clone(e.Extra) // the caller's map stays as it was
		e.Extra[airlock.APITokenExtra] = name
	}
	e.PrevHash = prev
	extra, err := airlock.EncodeExtra(e.Extra)
	if err != nil {
		return err
	}
	e.Hash = e.ChainHash(prev, extra)
	return t.exec(`INSERT INTO audit_events (id, type, user, workspace, request_id, path, extra, created_at, prev_hash, hash)
		VALUES (?,?,?,?,?,?,?,?,?,?)`, e.ID, string(e.Type), e.User, e.Workspace, e.Request, e.Path, extra,
		formatTime(e.CreatedAt), e.PrevHash, e.Hash)
}

// HideTurnEvents hides every event of a request recorded in one turn.
func (t *tx) HideTurnEvents(requestID string, turn int) error {
	return t.exec(`INSERT OR IGNORE INTO audit_hidden (event_id)
		SELECT id FROM audit_events WHERE request_id = ? AND json_extract(extra, '$.review_turn') = ?`,
		requestID, fmt.Sprint(turn))
}

// AuditEvents returns events matching the filter, newest first.
func (t *tx) AuditEvents(f airlock.AuditFilter) ([]*airlock.AuditEvent, error) {
	where, args := []string{"1 = 1"}, []any{}
	if f.User != "" {
		where, args = append(where, "e.user = ?"), append(args, f.User)
	}
	if f.Workspace != "" {
		where, args = append(where, "e.workspace = ?"), append(args, f.Workspace)
	}
	if f.Request != "" {
		where, args = append(where, "e.request_id = ?"), append(args, f.Request)
	}
	if f.Group != "" {
		where, args = append(where, "json_extract(e.extra, '$.group') = ?"), append(args, f.Group)
	}
	for _, ex := range f.Exclude {
		where, args = append(where, "e.type <> ?"), append(args, string(ex))
	}
	q := `SELECT e.id, e.type, e.user, e.workspace, e.request_id, e.path, e.extra, e.created_at, e.prev_hash, e.hash,
		h.event_id IS NOT NULL FROM audit_events e LEFT JOIN audit_hidden h ON h.event_id = e.id
		WHERE ` + strings.Join(where, " AND ") + ` ORDER BY e.id DESC`
	if f.Limit > 0 {
		q += fmt.Sprintf(" LIMIT %d", f.Limit)
	}
	var out []*airlock.AuditEvent
	err := t.each(q, args, func(s scanner) error {
		e, _, err := scanEvent(s)
		if err != nil {
			return err
		}
		out = append(out, e)
		return nil
	})
	return out, err
}

// scanEvent reads an event and the exact text its details are stored as.
func scanEvent(s scanner) (*airlock.AuditEvent, string, error) {
	var (
		e              airlock.AuditEvent
		extra, created string
	)
	if err := s.Scan(&e.ID, &e.Type, &e.User, &e.Workspace, &e.Request, &e.Path, &extra, &created, &e.PrevHash, &e.Hash, &e.Hidden); err != nil {
		return nil, "", err
	}
	e.CreatedAt = parseTime(created)
	if err := json.Unmarshal([]byte(extra), &e.Extra); err != nil {
		return nil, "", fmt.Errorf("audit event %d: %w", e.ID, err)
	}
	return &e, extra, nil
}

// ChainError reports the first audit event whose link is broken.
type ChainError struct {
	EventID int64
	Reason  string
}

func (e *ChainError) Error() string {
	return fmt.Sprintf("audit chain broken at event %d: %s", e.EventID, e.Reason)
}

// VerifyAudit walks the whole audit chain and returns the number of events
// checked, or a *ChainError naming the first broken link.
func (db *DB) VerifyAudit(ctx context.Context) (int, error) {
	rows, err := db.reader.QueryContext(ctx, `SELECT id, type, user, workspace, request_id, path, extra, created_at, prev_hash, hash, 0
		FROM audit_events ORDER BY id`)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	prev, n, wantID := genesisHash, 0, int64(1)
	for rows.Next() {
		e, extra, err := scanEvent(rows)
		if err != nil {
			return n, &ChainError{EventID: wantID, Reason: "unreadable: " + err.Error()}
		}
		// airlock never writes bytes that are not UTF-8 (Audit refuses
		// them), so any such byte was put there by someone else.
		if e.CheckText() != nil || !utf8.ValidString(extra) {
			return n, &ChainError{EventID: e.ID, Reason: "it holds bytes that are not valid UTF-8, which airlock never writes"}
		}
		if e.ID != wantID {
			return n, &ChainError{EventID: wantID, Reason: fmt.Sprintf("missing; next event is %d", e.ID)}
		}
		if e.PrevHash != prev {
			return n, &ChainError{EventID: e.ID, Reason: "does not link to the previous event"}
		}
		if got := e.ChainHash(prev, extra); got != e.Hash {
			return n, &ChainError{EventID: e.ID, Reason: "its content does not match its hash"}
		}
		prev, n, wantID = e.Hash, n+1, wantID+1
	}
	return n, rows.Err()
}
