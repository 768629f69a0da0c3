package receiver

import (
	"net/http"
	"slices"

	"github.com/labstack/echo/v4"
)

// projectView is a project's page.
type projectView struct {
	projectRef
	Orgs           []string
	Copilot        string
	State          projectState
	Members        []memberView // shown to people signed in
	Workspaces     []workspaceItem
	WithoutPurpose []string
	CanEdit        bool
}

// memberView is a project member and every role they hold.
type memberView struct {
	Username, Name string
	Roles          []string
}

// workspaceItem is one row of a list of workspaces.
type workspaceItem struct {
	Name, Repo, Branch, Purpose string
	Archived                    bool
	Project                     projectRef
}

// members lists the project's members with their project role and the
// global roles that matter for releases.
func (s *Server) members(p *ProjectConfig) []memberView {
	var out []memberView
	for _, m := range p.Members {
		u := s.dir.users[m.Username]
		roles := []string{roleLabel(m.Role)}
		if u.hasRole(RoleOutputChecker) {
			roles = append(roles, "OutputChecker")
		}
		if u.hasRole(RolePublisher) {
			roles = append(roles, "OutputPublisher")
		}
		out = append(out, memberView{Username: m.Username, Name: s.dir.displayName(m.Username), Roles: roles})
	}
	slices.SortFunc(out, func(a, b memberView) int {
		if a.Name < b.Name {
			return -1
		} else if a.Name > b.Name {
			return 1
		}
		return 0
	})
	return out
}

// projectShow answers GET /projects/:project/.
func (s *Server) projectShow(c echo.Context) error {
	p, err := s.findProject(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	st, err := s.projectState(ctx, p)
	if err != nil {
		return err
	}
	purposes, err := s.workspacePurposes(ctx)
	if err != nil {
		return err
	}
	v := projectView{projectRef: refOf(p, st), Orgs: p.Orgs, State: st,
		WithoutPurpose: s.withoutPurpose(p, purposes), CanEdit: can(currentUser(c), p, permEditProject)}
	if p.Copilot != "" {
		v.Copilot = s.dir.displayName(p.Copilot)
	}
	if currentUser(c) != nil {
		v.Members = s.members(p)
	}
	for _, w := range s.dir.wsOf[p.Name] {
		v.Workspaces = append(v.Workspaces, workspaceItem{Name: w.Name, Repo: w.Repo, Branch: w.Branch,
			Purpose: purposes[w.Name], Archived: w.Archived, Project: v.projectRef})
	}
	return s.render(c, http.StatusOK, "project", page{Title: p.Name,
		Crumbs: []crumb{{"Home", "/"}, {"Projects", "/projects/"}}, Data: v})
}
