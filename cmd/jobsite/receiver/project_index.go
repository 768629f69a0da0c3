package receiver

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// projectItem is one row of a list of projects.
type projectItem struct {
	projectRef
	Orgs       []string
	Workspaces int
	Role       string // the viewer's role on it, or ""
}

func (s *Server) projectItem(p *ProjectConfig, st projectState, u *UserConfig) projectItem {
	it := projectItem{projectRef: refOf(p, st), Orgs: p.Orgs, Workspaces: len(s.dir.wsOf[p.Name])}
	if u != nil {
		it.Role = roleLabel(p.projectRole(u.Username))
	}
	return it
}

// roleLabel names a project role as the jobs-site documentation does.
func roleLabel(role string) string {
	switch role {
	case ProjectDeveloper:
		return "ProjectDeveloper"
	case ProjectCollaborator:
		return "ProjectCollaborator"
	}
	return ""
}

// projectIndex answers GET /projects/: every project with its
// organisations and status.
func (s *Server) projectIndex(c echo.Context) error {
	states, err := s.projectStates(c.Request().Context())
	if err != nil {
		return err
	}
	var items []projectItem
	for _, p := range s.dir.projList {
		items = append(items, s.projectItem(p, states[p.slug()], currentUser(c)))
	}
	return s.render(c, http.StatusOK, "projects", page{Title: "Projects", Crumbs: []crumb{{"Home", "/"}}, Data: items})
}
