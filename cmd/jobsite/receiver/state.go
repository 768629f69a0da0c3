package receiver

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/airlock-project/airlock/airlock"
)

// projectState is a project's status as it stands now: the config's, or
// the last edit on the site.
type projectState struct {
	Status      ProjectStatus
	Description string
	UpdatedBy   string    // "" when never edited on the site
	UpdatedAt   time.Time // zero when never edited on the site
}

// projectStates returns the state of every project, by slug.
func (s *Server) projectStates(ctx context.Context) (map[string]projectState, error) {
	out := s.dir.initialStates()
	rows, err := s.db.QueryContext(ctx, `SELECT project, status, description, updated_by, updated_at FROM project_states`)
	if err != nil {
		return nil, fmt.Errorf("read project states: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var slug, at string
		var st projectState
		if err := rows.Scan(&slug, &st.Status, &st.Description, &st.UpdatedBy, &at); err != nil {
			return nil, err
		}
		if _, known := out[slug]; known { // a project removed from the config stays forgotten
			st.UpdatedAt = parseTime(at)
			out[slug] = st
		}
	}
	return out, rows.Err()
}

// initialStates is every project's state as the config gives it, by slug.
func (d *directory) initialStates() map[string]projectState {
	out := map[string]projectState{}
	for _, p := range d.projList {
		out[p.slug()] = projectState{Status: p.initialStatus(), Description: p.StatusDescription}
	}
	return out
}

// projectState returns one project's state.
func (s *Server) projectState(ctx context.Context, p *ProjectConfig) (projectState, error) {
	st := projectState{Status: p.initialStatus(), Description: p.StatusDescription}
	var at string
	err := s.db.QueryRowContext(ctx, `SELECT status, description, updated_by, updated_at FROM project_states WHERE project = ?`, p.slug()).
		Scan(&st.Status, &st.Description, &st.UpdatedBy, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return st, nil
	} else if err != nil {
		return st, fmt.Errorf("read project state: %w", err)
	}
	st.UpdatedAt = parseTime(at)
	return st, nil
}

// workspacePurposes returns every workspace's purpose, by name.
func (s *Server) workspacePurposes(ctx context.Context) (map[string]string, error) {
	out := map[string]string{}
	for name, w := range s.dir.workspaces {
		out[name] = w.Purpose
	}
	rows, err := s.db.QueryContext(ctx, `SELECT workspace, purpose FROM workspace_states`)
	if err != nil {
		return nil, fmt.Errorf("read workspace purposes: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var name, purpose string
		if err := rows.Scan(&name, &purpose); err != nil {
			return nil, err
		}
		if _, known := out[name]; known {
			out[name] = purpose
		}
	}
	return out, rows.Err()
}

// withoutPurpose lists the project's workspaces that have no purpose.
func (s *Server) withoutPurpose(p *ProjectConfig, purposes map[string]string) []string {
	var out []string
	for _, w := range s.dir.wsOf[p.Name] {
		if purposes[w.Name] == "" {
			out = append(out, w.Name)
		}
	}
	return out
}

// setProjectStatus records a member's edit of a project's status, after
// checking the status's needs (checkProjectStatus). Returns EINVALID with
// the reason when they are not met; nothing changes then.
func (s *Server) setProjectStatus(ctx context.Context, p *ProjectConfig, user string, status ProjectStatus, description string) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	purposes, err := s.workspacePurposes(ctx)
	if err != nil {
		return err
	}
	if msg := checkProjectStatus(status, description, s.withoutPurpose(p, purposes)); msg != "" {
		return airlock.Errorf(airlock.EINVALID, "%s", msg)
	}
	now := formatTime(s.now())
	if _, err := tx.ExecContext(ctx, `INSERT INTO project_states (project, status, description, updated_by, updated_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (project) DO UPDATE SET status = excluded.status, description = excluded.description,
			updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
		p.slug(), status, description, user, now); err != nil {
		return fmt.Errorf("store project state: %w", err)
	}
	if err := s.audit(ctx, tx, AuditEvent{Actor: user, Action: ActionProjectEdited, Project: p.slug(), Detail: "status " + status.Label()}); err != nil {
		return err
	}
	return tx.Commit()
}

// setPurpose records a member's edit of a workspace's purpose.
func (s *Server) setPurpose(ctx context.Context, ws *WorkspaceConfig, user, purpose string) error {
	if msg := checkPurpose(purpose); msg != "" {
		return airlock.Errorf(airlock.EINVALID, "%s", msg)
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `INSERT INTO workspace_states (workspace, purpose, updated_by, updated_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (workspace) DO UPDATE SET purpose = excluded.purpose, updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
		ws.Name, purpose, user, formatTime(s.now())); err != nil {
		return fmt.Errorf("store purpose: %w", err)
	}
	if err := s.audit(ctx, tx, AuditEvent{Actor: user, Action: ActionWorkspaceEdited, Project: s.dir.project(ws).slug(), Workspace: ws.Name}); err != nil {
		return err
	}
	return tx.Commit()
}
