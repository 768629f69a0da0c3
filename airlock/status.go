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

// CheckRequestable returns nil if a workspace file may go on a request at
// all, else an EINVALID error saying why: only a job's outputs may, of a
// file type that can be released, with a name the jobs site accepts.
func CheckRequestable(f WorkspaceFile, types FileTypePolicy) error {
	if !f.InManifest {
		return Errorf(EINVALID, "%s is not an output of a job, so it cannot be added to a request.", f.Path)
	}
	if !types.Allowed(f.Path) {
		return Errorf(EINVALID, "%s is not a file type that can be released.", f.Path)
	}
	return CheckReleaseName(f.Path)
}

// CheckCanAdd returns nil if u may add files to their open request current
// in the workspace (nil if none, when adding starts one) now.
func CheckCanAdd(u *User, workspace string, current *Request) error {
	if err := CheckCanAuthor(u, workspace); err != nil {
		return err
	}
	if current != nil && !current.Status.IsEditing() {
		return Errorf(ESTATE, "Your request for this workspace is being reviewed, so you cannot change it or start a new one until it is returned to you.")
	}
	return nil
}

// CheckAddable returns nil if a workspace file may be added to its
// author's open request current (nil if none) now, given the file's status
// relative to that request (FileStatusFor): it must be requestable and not
// on the request already. A withdrawn file may be added again; content
// released before only as a supporting file (CheckAddAs).
func CheckAddable(f WorkspaceFile, st WorkspaceFileStatus, current *Request, types FileTypePolicy) error {
	if err := CheckRequestable(f, types); err != nil {
		return err
	}
	var on *RequestFile
	if current != nil {
		on = current.File(f.Path)
	}
	switch {
	case st == WorkspaceFileUpdated:
		return Errorf(ECONFLICT, "%s is already on your request and has changed since; update it there instead.", f.Path)
	case on != nil && on.Type != FileWithdrawn:
		return Errorf(ECONFLICT, "%s is already on your request (in file group %q).", f.Path, on.Group)
	}
	return nil
}

// CheckAddAs returns nil if a file of status st may be added as type t:
// content that was released before may only support a new request.
func CheckAddAs(f WorkspaceFile, st WorkspaceFileStatus, t FileType) error {
	if st == WorkspaceFileReleased && t == FileOutput {
		return Errorf(EINVALID, "%s has already been released; it can only be added as a supporting file.", f.Path)
	}
	return nil
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
	Update string
	Group  string
	User   string
}

// NotificationEvent is a status-change notification for the jobs site. The
// jobs-site client maps it to the API's JSON.
type NotificationEvent struct {
	EventType     string
	Workspace     string
	Request       string
	RequestAuthor string
	User          string
	Updates       []NotificationUpdate
}

// notificationPayload is how a queued notification is stored in the
// outbox. The keys are those notifications have always been stored with,
// so ones queued by an earlier version are still delivered.
type notificationPayload struct {
	EventType     string          `json:"event_type"`
	Workspace     string          `json:"workspace"`
	Request       string          `json:"request"`
	RequestAuthor string          `json:"request_author"`
	User          string          `json:"user"`
	Updates       []payloadUpdate `json:"updates"`
}

type payloadUpdate struct {
	Update string `json:"update"`
	Group  string `json:"group,omitempty"`
	User   string `json:"user,omitempty"`
}

// NewNotification builds the outbox payload of a request's status change by user.
func NewNotification(kind string, r *Request, user string, updates ...NotificationUpdate) ([]byte, error) {
	p := notificationPayload{EventType: kind, Workspace: r.Workspace, Request: r.ID, RequestAuthor: r.Author, User: user}
	for _, u := range updates {
		p.Updates = append(p.Updates, payloadUpdate(u))
	}
	b, err := json.Marshal(p)
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
	var p notificationPayload
	if err := json.Unmarshal(b, &p); err != nil {
		return NotificationEvent{}, fmt.Errorf("notification: %w", err)
	}
	ev := NotificationEvent{EventType: p.EventType, Workspace: p.Workspace, Request: p.Request, RequestAuthor: p.RequestAuthor, User: p.User}
	for _, u := range p.Updates {
		ev.Updates = append(ev.Updates, NotificationUpdate(u))
	}
	return ev, nil
}
