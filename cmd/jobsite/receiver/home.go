package receiver

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// homeView is the home page: the signed-in person's projects, and every
// workspace with published outputs.
type homeView struct {
	Mine      []projectItem
	Published []workspaceItem
	Projects  int
}

// home answers GET /.
func (s *Server) home(c echo.Context) error {
	ctx := c.Request().Context()
	states, err := s.projectStates(ctx)
	if err != nil {
		return err
	}
	published, err := s.publishedWorkspaces(ctx)
	if err != nil {
		return err
	}
	v := homeView{Projects: len(s.dir.projList)}
	u := currentUser(c)
	for _, p := range s.dir.projList {
		if u != nil && p.projectRole(u.Username) != "" {
			v.Mine = append(v.Mine, s.projectItem(p, states[p.slug()], u))
		}
		for _, w := range s.dir.wsOf[p.Name] {
			if published[w.Name] {
				v.Published = append(v.Published, workspaceItem{Name: w.Name, Project: refOf(p, states[p.slug()])})
			}
		}
	}
	return s.render(c, http.StatusOK, "home", page{Title: "Jobs site", Data: v})
}
