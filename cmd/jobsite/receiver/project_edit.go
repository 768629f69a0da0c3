package receiver

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/airlock-project/airlock/airlock"
)

// projectEditView is the Edit page of a project.
type projectEditView struct {
	projectRef
	Statuses       []statusInfo
	Chosen         ProjectStatus
	Description    string
	WithoutPurpose []string
	Error          string
}

func (s *Server) renderProjectEdit(c echo.Context, status int, p *ProjectConfig, v projectEditView) error {
	purposes, err := s.workspacePurposes(c.Request().Context())
	if err != nil {
		return err
	}
	v.Statuses, v.WithoutPurpose = projectStatuses, s.withoutPurpose(p, purposes)
	return s.render(c, status, "project_edit", page{Title: "Edit " + p.Name,
		Crumbs: []crumb{{"Home", "/"}, {"Projects", "/projects/"}, {p.Name, "/projects/" + p.slug() + "/"}}, Data: v})
}

// projectEdit answers GET /projects/:project/edit: the status form, with
// what each status needs.
func (s *Server) projectEdit(c echo.Context) error {
	p, err := s.findProject(c)
	if err != nil {
		return err
	}
	if err := allow(c, p, permEditProject); err != nil {
		return err
	}
	st, err := s.projectState(c.Request().Context(), p)
	if err != nil {
		return err
	}
	return s.renderProjectEdit(c, http.StatusOK, p, projectEditView{projectRef: refOf(p, st), Chosen: st.Status, Description: st.Description})
}

// projectUpdate answers POST /projects/:project/edit. A status whose needs
// are not met re-renders the form with the reason (422), keeping what was
// typed.
func (s *Server) projectUpdate(c echo.Context) error {
	p, err := s.findProject(c)
	if err != nil {
		return err
	}
	if err := allow(c, p, permEditProject); err != nil {
		return err
	}
	ctx := c.Request().Context()
	status := ProjectStatus(strings.TrimSpace(c.FormValue("status")))
	description := strings.ReplaceAll(c.FormValue("description"), "\r\n", "\n")
	err = s.setProjectStatus(ctx, p, currentUser(c).Username, status, description)
	if airlock.ErrorCode(err) == airlock.EINVALID {
		st, serr := s.projectState(ctx, p)
		if serr != nil {
			return serr
		}
		return s.renderProjectEdit(c, http.StatusUnprocessableEntity, p, projectEditView{projectRef: refOf(p, st),
			Chosen: status, Description: description, Error: airlock.ErrorMessage(err)})
	} else if err != nil {
		return err
	}
	if err := flash(c, fmt.Sprintf("%s is now %s.", p.Name, status.Label())); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/projects/"+p.slug()+"/")
}
