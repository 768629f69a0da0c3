package receiver

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/airlock-project/airlock/airlock"
)

// workspaceEditView is the "Edit workspace" page.
type workspaceEditView struct {
	workspaceItem
	Error string
}

func (s *Server) renderWorkspaceEdit(c echo.Context, status int, ws *WorkspaceConfig, p *ProjectConfig, purpose, msg string) error {
	st, err := s.projectState(c.Request().Context(), p)
	if err != nil {
		return err
	}
	v := workspaceEditView{workspaceItem: workspaceItem{Name: ws.Name, Repo: ws.Repo, Branch: ws.Branch, Purpose: purpose,
		Archived: ws.Archived, Project: refOf(p, st)}, Error: msg}
	return s.render(c, status, "workspace_edit", page{Title: "Edit workspace " + ws.Name,
		Crumbs: []crumb{{"Home", "/"}, {p.Name, "/projects/" + p.slug() + "/"}, {ws.Name, "/workspaces/" + ws.Name + "/"}}, Data: v})
}

// workspaceEdit answers GET /workspaces/:workspace/edit.
func (s *Server) workspaceEdit(c echo.Context) error {
	ws, p, err := s.findWorkspace(c)
	if err != nil {
		return err
	}
	if err := allow(c, p, permEditProject); err != nil {
		return err
	}
	purposes, err := s.workspacePurposes(c.Request().Context())
	if err != nil {
		return err
	}
	return s.renderWorkspaceEdit(c, http.StatusOK, ws, p, purposes[ws.Name], "")
}

// workspaceUpdate answers POST /workspaces/:workspace/edit.
func (s *Server) workspaceUpdate(c echo.Context) error {
	ws, p, err := s.findWorkspace(c)
	if err != nil {
		return err
	}
	if err := allow(c, p, permEditProject); err != nil {
		return err
	}
	purpose := strings.TrimSpace(strings.ReplaceAll(c.FormValue("purpose"), "\r\n", "\n"))
	err = s.setPurpose(c.Request().Context(), ws, currentUser(c).Username, purpose)
	if airlock.ErrorCode(err) == airlock.EINVALID {
		return s.renderWorkspaceEdit(c, http.StatusUnprocessableEntity, ws, p, purpose, airlock.ErrorMessage(err))
	} else if err != nil {
		return err
	}
	if err := flash(c, "The purpose of "+ws.Name+" is saved."); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/workspaces/"+ws.Name+"/")
}
