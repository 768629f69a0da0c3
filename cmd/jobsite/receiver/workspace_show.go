package receiver

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
)

// workspaceView is a workspace's page: what it is, and its Releases
// section in the documentation's four stages. A stage the viewer may not
// see says why instead.
type workspaceView struct {
	workspaceItem
	CanEdit bool

	// 1. Level 4 outputs, in each backend's airlock.
	Level4        []level4Link
	Level4Refusal string

	// 2. Released outputs.
	Releases        []releaseSummary
	ReleasedRefusal string

	// 3. Draft public outputs.
	Drafts         []snapshotView
	DraftRefusal   string
	CanCreateDraft bool
	Publishable    int // latest outputs a draft would contain

	// 4. Published outputs, for everyone.
	Published []snapshotView
}

// level4Link is where one backend's airlock shows the workspace's
// Level 4 outputs; URL is empty when the backend has no airlock address.
type level4Link struct {
	Backend, URL string
}

// level4Links lists every backend with the address of the workspace in
// its airlock.
func (s *Server) level4Links(ws *WorkspaceConfig) []level4Link {
	var out []level4Link
	for _, b := range s.dir.backends {
		l := level4Link{Backend: b.Name}
		if l.Backend == "" {
			l.Backend = b.Slug
		}
		if b.AirlockURL != "" {
			l.URL = strings.TrimSuffix(b.AirlockURL, "/") + "/workspaces/view/" + ws.Name + "/"
		}
		out = append(out, l)
	}
	return out
}

// workspaceShow answers GET /workspaces/:workspace/.
func (s *Server) workspaceShow(c echo.Context) error {
	ws, p, item, err := s.workspaceFor(c, permAnyone)
	if err != nil {
		return err
	}
	ctx, u := c.Request().Context(), currentUser(c)
	v := workspaceView{
		workspaceItem:  item,
		CanEdit:        can(u, p, permEditProject),
		CanCreateDraft: can(u, p, permCreateDraft),
	}
	if can(u, p, permViewLevel4) {
		v.Level4 = s.level4Links(ws)
	} else {
		v.Level4Refusal = refusal(p, permViewLevel4)
	}
	if can(u, p, permViewReleased) {
		if v.Releases, err = s.releases(ctx, ws.Name); err != nil {
			return err
		}
	} else {
		v.ReleasedRefusal = refusal(p, permViewReleased)
	}
	snaps, err := s.snapshots(ctx, ws.Name)
	if err != nil {
		return err
	}
	viewDrafts := can(u, p, permViewDraft)
	if !viewDrafts {
		v.DraftRefusal = refusal(p, permViewDraft)
	}
	for _, sn := range snaps {
		switch {
		case sn.Published:
			v.Published = append(v.Published, sn)
		case viewDrafts:
			v.Drafts = append(v.Drafts, sn)
		}
	}
	if v.CanCreateDraft {
		if v.Publishable, err = s.publishable(c, ws); err != nil {
			return err
		}
	}
	return s.render(c, http.StatusOK, "workspace", page{Title: ws.Name,
		Crumbs: []crumb{{"Home", "/"}, {"Projects", "/projects/"}, {p.Name, "/projects/" + p.slug() + "/"}}, Data: v})
}

// publishable counts the latest outputs a draft would contain.
func (s *Server) publishable(c echo.Context, ws *WorkspaceConfig) (int, error) {
	latest, err := s.latestFiles(c.Request().Context(), ws.Name)
	n := 0
	for _, f := range latest {
		if f.Uploaded && !f.Deleted {
			n++
		}
	}
	return n, err
}
