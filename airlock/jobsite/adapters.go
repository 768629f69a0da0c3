package jobsite

import (
	"context"
	"errors"
	"io"

	"github.com/airlock-project/airlock/airlock"
)

// The adapters below present the client in the shapes the workflow service
// asks for, so that package review depends on the domain alone.

// Releaser registers releases for the review service.
type Releaser struct{ Client *Client }

// CreateRelease registers the request's output files as a release.
func (r Releaser) CreateRelease(ctx context.Context, workspace, osUser, airlockID string, files []airlock.ReleaseFile) (string, error) {
	list := make([]ReleaseFile, len(files))
	for i, f := range files {
		list[i] = ReleaseFile{Name: f.Name, Size: f.Size, SHA256: f.SHA256, Date: f.Date}
	}
	return r.Client.CreateRelease(ctx, workspace, osUser, list, airlockID)
}

// Destination uploads released files for the deliverer.
type Destination struct{ Client *Client }

// Upload sends one file; a file that had already arrived counts as delivered.
func (d Destination) Upload(ctx context.Context, requestID, osUser, name string, body io.Reader, size int64) error {
	err := d.Client.UploadFile(ctx, requestID, osUser, name, body, size)
	if errors.Is(err, ErrAlreadyUploaded) {
		return nil
	}
	return err
}

// Notifier sends status-change notifications for the deliverer.
type Notifier struct{ Client *Client }

// Notify posts one notification event.
func (n Notifier) Notify(ctx context.Context, ev airlock.NotificationEvent) error {
	updates := make([]EventUpdate, len(ev.Updates))
	for i, u := range ev.Updates {
		updates[i] = EventUpdate{Update: u.Update, Group: u.Group, User: u.User}
	}
	return n.Client.SendEvent(ctx, ev.User, Event{EventType: ev.EventType, Workspace: ev.Workspace, Request: ev.Request,
		RequestAuthor: ev.RequestAuthor, User: ev.User, Updates: updates})
}
