package receiver

import (
	"context"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/airlock-project/airlock/airlock"
)

// findProject is the project named by the :project slug. Returns ENOTFOUND.
func (s *Server) findProject(c echo.Context) (*ProjectConfig, error) {
	p := s.dir.bySlug[c.Param("project")]
	if p == nil {
		return nil, airlock.Errorf(airlock.ENOTFOUND, "There is no project %q.", c.Param("project"))
	}
	return p, nil
}

// findWorkspace is the workspace named by :workspace, with its project.
// Returns ENOTFOUND.
func (s *Server) findWorkspace(c echo.Context) (*WorkspaceConfig, *ProjectConfig, error) {
	ws := s.dir.workspaces[c.Param("workspace")]
	if ws == nil {
		return nil, nil, airlock.Errorf(airlock.ENOTFOUND, "There is no workspace %q.", c.Param("workspace"))
	}
	return ws, s.dir.project(ws), nil
}

// permAnyone marks a page anyone may see, for workspaceFor.
const permAnyone permission = -1

// workspaceFor is the :workspace of a page, after refusing (403, with the
// reason) anyone without perm, with its project and how pages show it.
func (s *Server) workspaceFor(c echo.Context, perm permission) (*WorkspaceConfig, *ProjectConfig, workspaceItem, error) {
	ws, p, err := s.findWorkspace(c)
	if err != nil {
		return nil, nil, workspaceItem{}, err
	}
	if perm != permAnyone {
		if err := allow(c, p, perm); err != nil {
			return nil, nil, workspaceItem{}, err
		}
	}
	item, err := s.workspaceItemOf(c.Request().Context(), ws, p)
	return ws, p, item, err
}

// workspaceItemOf is how pages show a workspace: with its project's current
// status and its current purpose.
func (s *Server) workspaceItemOf(ctx context.Context, ws *WorkspaceConfig, p *ProjectConfig) (workspaceItem, error) {
	st, err := s.projectState(ctx, p)
	if err != nil {
		return workspaceItem{}, err
	}
	purposes, err := s.workspacePurposes(ctx)
	if err != nil {
		return workspaceItem{}, err
	}
	return workspaceItem{Name: ws.Name, Repo: ws.Repo, Branch: ws.Branch, Purpose: purposes[ws.Name],
		Archived: ws.Archived, Project: refOf(p, st)}, nil
}

// wsCrumbs is the trail to a workspace, then more.
func wsCrumbs(p *ProjectConfig, ws *WorkspaceConfig, more ...crumb) []crumb {
	return append([]crumb{{"Home", "/"}, {p.Name, "/projects/" + p.slug() + "/"}, {ws.Name, "/workspaces/" + ws.Name + "/"}}, more...)
}

// allow refuses with 403 and the reason unless the signed-in person may do
// perm on p.
func allow(c echo.Context, p *ProjectConfig, perm permission) error {
	if can(currentUser(c), p, perm) {
		return nil
	}
	return echo.NewHTTPError(http.StatusForbidden, refusal(p, perm))
}

// projectRef is how pages name a project and link to it.
type projectRef struct {
	Name, Slug string
	Status     ProjectStatus
}

func refOf(p *ProjectConfig, st projectState) projectRef {
	return projectRef{Name: p.Name, Slug: p.slug(), Status: st.Status}
}

// Class is the badge colour of the status.
func (r projectRef) Class() string { return statusClass(r.Status) }

func statusClass(st ProjectStatus) string {
	switch {
	case st.Ongoing():
		return "ok"
	case st.Completed():
		return "done"
	}
	return "stopped"
}
