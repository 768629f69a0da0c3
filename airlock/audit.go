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

// ChainHash computes the event's hash from the previous hash and the event's
// content, so changing, inserting or removing any event breaks the chain.
func (e *AuditEvent) ChainHash(prev string) string {
	content, _ := json.Marshal(struct {
		Prev      string            `json:"prev"`
		ID        int64             `json:"id"`
		Type      EventType         `json:"type"`
		User      string            `json:"user"`
		Workspace string            `json:"workspace"`
		Request   string            `json:"request"`
		Path      string            `json:"path"`
		Extra     map[string]string `json:"extra"` // json sorts map keys
		CreatedAt string            `json:"created_at"`
	}{prev, e.ID, e.Type, e.User, e.Workspace, e.Request, e.Path, e.Extra, e.CreatedAt.UTC().Format(time.RFC3339Nano)})
	sum := sha256.Sum256(content)
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
