package receiver

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// The actions the audit log records.
const (
	ActionSignIn          = "sign_in"
	ActionSignInFailed    = "sign_in_failed"
	ActionTokenCreated    = "token_created"
	ActionProjectEdited   = "project_edited"
	ActionWorkspaceEdited = "workspace_edited"
	ActionReleaseCreated  = "release_created"
	ActionFileDeleted     = "file_deleted"
	ActionDraftCreated    = "draft_created"
	ActionPublished       = "outputs_published"
)

// actionLabels are the actions as a workspace's history shows them.
var actionLabels = map[string]string{
	ActionWorkspaceEdited: "edited the workspace",
	ActionReleaseCreated:  "released files",
	ActionFileDeleted:     "deleted a released file",
	ActionDraftCreated:    "created a draft publication",
	ActionPublished:       "published outputs",
}

// AuditEvent is one entry of the jobs site's audit log.
type AuditEvent struct {
	ID        int64
	At        time.Time
	Actor     string
	Action    string
	Project   string // slug
	Workspace string
	Target    string // the release, file or draft acted on
	Detail    string
}

// Label is the action in words.
func (e AuditEvent) Label() string {
	if l, ok := actionLabels[e.Action]; ok {
		return l
	}
	return e.Action
}

// execer is a *sql.Tx, or the *sql.DB for an event that stands alone.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// audit appends ev, in the caller's transaction so the record and the
// change it describes are stored together or not at all.
func (s *Server) audit(ctx context.Context, tx execer, ev AuditEvent) error {
	if ev.At.IsZero() {
		ev.At = s.now()
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO audit_events (at, actor, action, project, workspace, target, detail) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		formatTime(ev.At), ev.Actor, ev.Action, ev.Project, ev.Workspace, ev.Target, ev.Detail); err != nil {
		return fmt.Errorf("audit %s: %w", ev.Action, err)
	}
	return nil
}

// AuditEvents returns the audit log, oldest first: every event, or only
// a workspace's when workspace is not empty.
func (s *Server) AuditEvents(ctx context.Context, workspace string) ([]AuditEvent, error) {
	q := `SELECT id, at, actor, action, project, workspace, target, detail FROM audit_events`
	var args []any
	if workspace != "" {
		q += ` WHERE workspace = ?`
		args = append(args, workspace)
	}
	rows, err := s.db.QueryContext(ctx, q+` ORDER BY id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []AuditEvent
	for rows.Next() {
		var ev AuditEvent
		var at string
		if err := rows.Scan(&ev.ID, &at, &ev.Actor, &ev.Action, &ev.Project, &ev.Workspace, &ev.Target, &ev.Detail); err != nil {
			return nil, err
		}
		ev.At = parseTime(at)
		out = append(out, ev)
	}
	return out, rows.Err()
}
