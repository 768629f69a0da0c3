package ui

import (
	"sort"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/airlock-project/airlock/airlock"
)

// projectGroup is one project on the workspace index.
type projectGroup struct {
	Name       string
	Display    string
	Ongoing    bool
	Orgs       []string
	Workspaces []workspaceItem
}

// workspaceItem is one workspace on the workspace index.
type workspaceItem struct {
	Name     string
	Archived bool
	Inactive bool
	Missing  bool // listed by the jobs site but not on this backend
	// Unavailable says why the workspace's files cannot be listed (its
	// manifest is missing or damaged); "" when they can.
	Unavailable string
	Requests    []*airlock.Request
	ShowLinks   bool
}

// indexPage is the data of the workspace index and the copiloted page.
type indexPage struct {
	Heading  string
	Intro    string
	Projects []projectGroup
	Copilot  bool
}

// groupByProject builds the project list: ongoing projects first, then by
// name; within a project, active workspaces first, then by name.
func groupByProject(access map[string]airlock.WorkspaceAccess, onDisk map[string]bool, requests map[string][]*airlock.Request) []projectGroup {
	byName := map[string]*projectGroup{}
	for name, a := range access {
		pd := a.ProjectDetails
		g := byName[pd.Name]
		if g == nil {
			g = &projectGroup{Name: pd.Name, Display: pd.DisplayName(), Ongoing: pd.IsOngoing(), Orgs: pd.Orgs}
			byName[pd.Name] = g
		}
		g.Workspaces = append(g.Workspaces, workspaceItem{
			Name: name, Archived: a.Archived, Inactive: !pd.IsOngoing(), Missing: !onDisk[name], Requests: requests[name],
		})
	}
	out := make([]projectGroup, 0, len(byName))
	for _, g := range byName {
		sort.Slice(g.Workspaces, func(i, j int) bool {
			a, b := g.Workspaces[i], g.Workspaces[j]
			if a.Archived != b.Archived {
				return !a.Archived
			}
			return a.Name < b.Name
		})
		out = append(out, *g)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Ongoing != out[j].Ongoing {
			return out[i].Ongoing
		}
		return out[i].Name < out[j].Name
	})
	return out
}

// onDisk returns the set of the workspaces on this backend the user may view.
func (s *Server) onDisk(c echo.Context) (map[string]bool, error) {
	names, err := s.deps.Service.Workspaces(ctx(c), currentUser(c))
	if err != nil {
		return nil, err
	}
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m, nil
}

// markUnavailable notes which listed workspaces cannot show their files,
// so the index says why instead of linking to them as if they were fine.
func (s *Server) markUnavailable(c echo.Context, projects []projectGroup) {
	for i := range projects {
		for j := range projects[i].Workspaces {
			w := &projects[i].Workspaces[j]
			if w.Missing {
				continue
			}
			if err := s.deps.Service.WorkspaceUnavailable(ctx(c), currentUser(c), w.Name); err != nil {
				w.Unavailable = airlock.ErrorMessage(err)
			}
		}
	}
}

// workspaceIndex answers GET /workspaces/: the user's workspaces grouped by
// project, each with the user's own requests.
func (s *Server) workspaceIndex(c echo.Context) error {
	u := currentUser(c)
	disk, err := s.onDisk(c)
	if err != nil {
		return err
	}
	reqs, err := s.deps.Service.Requests(ctx(c), u, airlock.RequestFilter{Author: u.Username})
	if err != nil {
		return err
	}
	byWS := map[string][]*airlock.Request{}
	for _, r := range reqs {
		byWS[r.Workspace] = append(byWS[r.Workspace], r)
	}
	page := indexPage{
		Heading:  "Workspaces & requests for " + u.DisplayName(),
		Intro:    "Browse the output files of your workspaces and build release requests from them.",
		Projects: groupByProject(u.Workspaces, disk, byWS),
	}
	s.markUnavailable(c, page.Projects)
	return s.render(c, "workspaces", "Workspaces", page)
}

// copilotedIndex answers GET /copiloted-workspaces/.
func (s *Server) copilotedIndex(c echo.Context) error {
	u := currentUser(c)
	disk, err := s.onDisk(c)
	if err != nil {
		return err
	}
	page := indexPage{
		Heading:  "Copiloted workspaces",
		Intro:    "Workspaces you support as a copilot. You can view their files and requests, but not act on them.",
		Projects: groupByProject(u.CopilotedWorkspaces, disk, nil),
		Copilot:  true,
	}
	s.markUnavailable(c, page.Projects)
	return s.render(c, "workspaces", "Copiloted workspaces", page)
}

// allPage is the data of the all-workspaces page.
type allPage struct {
	Query   string
	Results []string
	Total   int
}

// maxAllResults bounds the all-workspaces list; the search narrows it.
const maxAllResults = 500

// allWorkspaces answers GET /workspaces/all/ for read-only users: every
// workspace on the backend, filtered by ?q= (htmx live search returns only
// the results).
func (s *Server) allWorkspaces(c echo.Context) error {
	names, err := s.deps.Service.Workspaces(ctx(c), currentUser(c))
	if err != nil {
		return err
	}
	q := strings.TrimSpace(c.QueryParam("q"))
	page := allPage{Query: q}
	lq := strings.ToLower(q)
	for _, n := range names {
		if lq == "" || strings.Contains(strings.ToLower(n), lq) {
			page.Total++
			if len(page.Results) < maxAllResults {
				page.Results = append(page.Results, n)
			}
		}
	}
	if isHTMX(c) {
		return s.renderFragment(c, "workspaces_all", "results", page)
	}
	return s.render(c, "workspaces_all", "All workspaces", page)
}
