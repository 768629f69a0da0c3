package airlock

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"time"
)

// AuditEvent is one entry of the append-only, hash-chained audit log (D12).
type AuditEvent struct {
	ID        int64
	Type      EventType
	User      string
	Workspace string
	Request   string
	Path      string
	Extra     map[string]string
	CreatedAt time.Time
	// Hidden events (a turn reverted by an early return) are kept but never shown.
	Hidden   bool
	PrevHash string
	Hash     string
}

// Turn is the review turn the event happened in (0 when not recorded).
func (e *AuditEvent) Turn() int {
	n, _ := strconv.Atoi(e.Extra["review_turn"])
	return n
}

// Visibility is the event's visibility: PRIVATE only when it records so (D5).
func (e *AuditEvent) Visibility() Visibility {
	if Visibility(e.Extra["visibility"]) == Private {
		return Private
	}
	return Public
}

// AsItem describes the event for the visibility rule.
func (e *AuditEvent) AsItem() Item {
	return Item{Author: e.User, Turn: e.Turn(), Visibility: e.Visibility(), Hidden: e.Hidden}
}

// EncodeExtra is the JSON text an event's details are stored as (keys
// sorted), and the text its hash covers.
func EncodeExtra(extra map[string]string) (string, error) {
	if extra == nil {
		extra = map[string]string{}
	}
	b, err := json.Marshal(extra)
	return string(b), err
}

// ChainHash computes the event's hash from the previous hash, the event's
// fields and extraJSON, the exact text its details are stored as, so
// changing, inserting or removing any event, or any byte of one, breaks the
// chain. The fields must be valid UTF-8 (CheckText), which makes their JSON
// encoding one-to-one; the details are hashed as stored, never re-encoded.
func (e *AuditEvent) ChainHash(prev, extraJSON string) string {
	// The layout is that of json.Marshal of a struct with these fields in
	// this order, so chains written before the details were hashed as
	// stored still verify.
	var b []byte
	field := func(name string, v any) {
		if b == nil {
			b = append(b, '{')
		} else {
			b = append(b, ',')
		}
		b = strconv.AppendQuote(b, name)
		b = append(b, ':')
		if raw, ok := v.(json.RawMessage); ok {
			b = append(b, raw...)
			return
		}
		enc, _ := json.Marshal(v)
		b = append(b, enc...)
	}
	field("prev", prev)
	field("id", e.ID)
	field("type", e.Type)
	field("user", e.User)
	field("workspace", e.Workspace)
	field("request", e.Request)
	field("path", e.Path)
	field("extra", json.RawMessage(extraJSON))
	field("created_at", e.CreatedAt.UTC().Format(time.RFC3339Nano))
	b = append(b, '}')
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// AuditFilter selects audit events; zero fields match everything.
type AuditFilter struct {
	User      string
	Workspace string
	Request   string
	Group     string
	Exclude   []EventType
	Limit     int
}
