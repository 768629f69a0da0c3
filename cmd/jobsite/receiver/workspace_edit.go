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

func (s *Server) renderWorkspaceEdit(c echo.Context, status int, ws *WorkspaceConfig, p *ProjectConfig, item workspaceItem, msg string) error {
	return s.render(c, status, "workspace_edit", page{Title: "Edit workspace " + ws.Name,
		Crumbs: wsCrumbs(p, ws), Data: workspaceEditView{workspaceItem: item, Error: msg}})
}

// workspaceEdit answers GET /workspaces/:workspace/edit.
func (s *Server) workspaceEdit(c echo.Context) error {
	ws, p, item, err := s.workspaceFor(c, permEditProject)
	if err != nil {
		return err
	}
	return s.renderWorkspaceEdit(c, http.StatusOK, ws, p, item, "")
}

// workspaceUpdate answers POST /workspaces/:workspace/edit.
func (s *Server) workspaceUpdate(c echo.Context) error {
	ws, p, item, err := s.workspaceFor(c, permEditProject)
	if err != nil {
		return err
	}
	purpose := strings.TrimSpace(strings.ReplaceAll(c.FormValue("purpose"), "\r\n", "\n"))
	err = s.setPurpose(c.Request().Context(), ws, currentUser(c).Username, purpose)
	if airlock.ErrorCode(err) == airlock.EINVALID {
		item.Purpose = purpose // keep what was typed
		return s.renderWorkspaceEdit(c, http.StatusUnprocessableEntity, ws, p, item, airlock.ErrorMessage(err))
	} else if err != nil {
		return err
	}
	if err := flash(c, "The purpose of "+ws.Name+" is saved."); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/workspaces/"+ws.Name+"/")
}
