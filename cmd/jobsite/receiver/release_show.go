package receiver

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/airlock-project/airlock/airlock"
)

// releaseView is one release's page: its files, who released them, and
// for output checkers a way to delete a file.
type releaseView struct {
	workspaceItem
	Release   releaseRow
	Backend   string
	Files     []ReleasedFile
	CanDelete bool
}

// backendName is the backend's name, or its slug.
func (d *directory) backendName(slug string) string {
	for _, b := range d.backends {
		if b.Slug == slug && b.Name != "" {
			return b.Name
		}
	}
	return slug
}

// releaseShow answers GET /workspaces/:workspace/releases/:release/, the
// release_url the API gives airlock.
func (s *Server) releaseShow(c echo.Context) error {
	ws, p, item, err := s.workspaceFor(c, permViewReleased)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	rel, err := s.findRelease(ctx, c.Param("release"))
	if err != nil {
		return err
	} else if rel == nil || rel.Workspace != ws.Name {
		return airlock.Errorf(airlock.ENOTFOUND, "Workspace %s has no release %q.", ws.Name, c.Param("release"))
	}
	v := releaseView{workspaceItem: item, Release: *rel, Backend: s.dir.backendName(rel.Backend), CanDelete: can(currentUser(c), p, permDeleteReleased)}
	if v.Files, err = s.ReleasedFiles(ctx, rel.ID); err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "release", page{Title: "Release " + airlock.ShortID(rel.ID),
		Crumbs: wsCrumbs(p, ws, crumb{"Released outputs", "/workspaces/" + ws.Name + "/releases/"}), Data: v})
}
