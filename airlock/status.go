package airlock

import (
	"encoding/json"
	"fmt"
	"time"
)

// FileStatusFor is a workspace file's status relative to the viewer's open
// request (reference §7): invalid paths first, then content already released
// from the workspace, then the file's state on the open request (nil if none).
// An unknown hash ("") never counts as released.
func FileStatusFor(path string, valid bool, contentHash string, released map[string]bool, current *Request) WorkspaceFileStatus {
	if !valid {
		return WorkspaceFileInvalid
	}
	if contentHash != "" && released[contentHash] {
		return WorkspaceFileReleased
	}
	if current != nil {
		if f := current.File(path); f != nil {
			switch {
			case f.Type == FileWithdrawn:
				return WorkspaceFileWithdrawn
			case f.FileID == contentHash:
				return WorkspaceFileUnderReview
			default:
				return WorkspaceFileUpdated
			}
		}
	}
	return WorkspaceFileUnreleased
}

// ReleaseFile is one entry of the file list sent to the jobs site.
type ReleaseFile struct {
	Name   string
	Size   int64
	SHA256 string
	Date   time.Time
}

// Notification kinds, named after the status a request moved to.
const (
	NotifySubmitted         = "request_submitted"
	NotifyResubmitted       = "request_resubmitted"
	NotifyPartiallyReviewed = "request_partially_reviewed"
	NotifyReviewed          = "request_reviewed"
	NotifyReturned          = "request_returned"
	NotifyRejected          = "request_rejected"
	NotifyWithdrawn         = "request_withdrawn"
	NotifyApproved          = "request_approved"
	NotifyReleased          = "request_released"
)

// NotificationUpdate is one line of extra information in a notification.
type NotificationUpdate struct {
	Update string `json:"update"`
	Group  string `json:"group,omitempty"`
	User   string `json:"user,omitempty"`
}

// NotificationEvent is the body of a status-change notification to the jobs site.
type NotificationEvent struct {
	EventType     string               `json:"event_type"`
	Workspace     string               `json:"workspace"`
	Request       string               `json:"request"`
	RequestAuthor string               `json:"request_author"`
	User          string               `json:"user"`
	Updates       []NotificationUpdate `json:"updates"`
}

// NewNotification builds the event for a request's status change by user.
func NewNotification(kind string, r *Request, user string, updates ...NotificationUpdate) ([]byte, error) {
	b, err := json.Marshal(NotificationEvent{EventType: kind, Workspace: r.Workspace, Request: r.ID,
		RequestAuthor: r.Author, User: user, Updates: updates})
	if err != nil {
		return nil, fmt.Errorf("notification: %w", err)
	}
	return b, nil
}

// Notification is a queued notification in the outbox.
type Notification struct {
	ID          int64
	Kind        string
	Payload     []byte
	Attempts    int
	NextAttempt time.Time
	LastError   string
	SentAt      *time.Time
}

// DecodeNotification parses a queued notification's payload.
func DecodeNotification(b []byte) (NotificationEvent, error) {
	var ev NotificationEvent
	if err := json.Unmarshal(b, &ev); err != nil {
		return ev, fmt.Errorf("notification: %w", err)
	}
	return ev, nil
}
