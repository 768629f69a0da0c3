package receiver

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/airlock-project/airlock/airlock"
)

// The read API (jobsite-api.md §9.2): indexes of a workspace's latest
// outputs, of a release and of a snapshot, and file downloads, for people
// signed in to these pages with the same permissions as the pages.
// Personal access tokens are not offered.

// indexFile is one entry of an index, as the jobs site writes it.
type indexFile struct {
	Name      string          `json:"name"`
	ID        string          `json:"id"`
	URL       string          `json:"url"`
	User      string          `json:"user"`
	Date      string          `json:"date"`
	SHA256    string          `json:"sha256"`
	Size      int64           `json:"size"`
	IsDeleted bool            `json:"is_deleted"`
	Backend   string          `json:"backend"`
	Metadata  json.RawMessage `json:"metadata"`
	Review    json.RawMessage `json:"review"`
}

type index struct {
	Files []indexFile `json:"files"`
}

// indexOf builds an index. keyed names files "<backend slug>/<name>", as
// the latest-outputs index does; published links to the public address.
func (s *Server) indexOf(files []ReleasedFile, keyed, published bool) index {
	out := index{Files: []indexFile{}}
	for _, f := range files {
		e := indexFile{Name: f.Name, ID: f.ID, URL: "/api/v2/releases/file/" + f.ID, User: f.CreatedBy,
			Date: f.CreatedAt.UTC().Format(time.RFC3339Nano), SHA256: f.SHA256, Size: f.Size, IsDeleted: f.Deleted,
			Backend: s.dir.backendName(f.Backend), Metadata: json.RawMessage(f.Metadata), Review: json.RawMessage("null")}
		if keyed {
			e.Name = f.Backend + "/" + f.Name
		}
		if published {
			e.URL = "/published/" + f.ID
		}
		if len(e.Metadata) == 0 {
			e.Metadata = json.RawMessage("{}")
		}
		out.Files = append(out.Files, e)
	}
	return out
}

// apiRefuse is the API's 403: DRF's words for someone not signed in, and
// for someone without the permission.
func apiRefuse(c echo.Context) error {
	if currentUser(c) == nil {
		return writeDetail(c, http.StatusForbidden, msgNotAllowed)
	}
	return writeDetail(c, http.StatusForbidden, "You do not have permission to perform this action.")
}

// apiLatestIndex answers GET /api/v2/releases/workspace/:workspace.
func (s *Server) apiLatestIndex(c echo.Context) error {
	ws := s.dir.workspaces[c.Param("workspace")]
	if ws == nil {
		return writeDetail(c, http.StatusNotFound, "No Workspace matches the given query.")
	}
	if !can(currentUser(c), s.dir.project(ws), permViewReleased) {
		return apiRefuse(c)
	}
	files, err := s.latestFiles(c.Request().Context(), ws.Name)
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, s.indexOf(files, true, false))
}

// apiReleaseIndex answers GET /api/v2/releases/release/:release.
func (s *Server) apiReleaseIndex(c echo.Context) error {
	ctx := c.Request().Context()
	rel, err := s.findRelease(ctx, c.Param("release"))
	if err != nil {
		return err
	} else if rel == nil {
		return writeDetail(c, http.StatusNotFound, "No Release matches the given query.")
	}
	if !can(currentUser(c), s.projectOfFile(&ReleasedFile{Workspace: rel.Workspace}), permViewReleased) {
		return apiRefuse(c)
	}
	files, err := s.ReleasedFiles(ctx, rel.ID)
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, s.indexOf(files, false, false))
}

// apiSnapshotIndex answers GET /api/v2/workspaces/:workspace/snapshots/:snapshot:
// public once published.
func (s *Server) apiSnapshotIndex(c echo.Context) error {
	ws := s.dir.workspaces[c.Param("workspace")]
	if ws == nil {
		return writeDetail(c, http.StatusNotFound, "No Workspace matches the given query.")
	}
	v, err := s.snapshot(c.Request().Context(), ws.Name, c.Param("snapshot"))
	if airlock.ErrorCode(err) == airlock.ENOTFOUND {
		return writeDetail(c, http.StatusNotFound, "No Snapshot matches the given query.")
	} else if err != nil {
		return err
	}
	if !v.Published && !can(currentUser(c), s.dir.project(ws), permViewDraft) {
		return apiRefuse(c)
	}
	files := v.Files
	if v.Published { // a deleted file is no longer public
		files = nil
		for _, f := range v.Files {
			if !f.Deleted {
				files = append(files, f)
			}
		}
	}
	return writeJSON(c, http.StatusOK, s.indexOf(files, false, v.Published))
}

// apiFileShow answers GET /api/v2/releases/file/:file: the bytes, for
// those who may see the workspace's released outputs. A deleted file is
// 404; one still on its way is 200 with "File not yet uploaded".
func (s *Server) apiFileShow(c echo.Context) error {
	f, err := s.FindFile(c.Request().Context(), c.Param("file"))
	if airlock.ErrorCode(err) == airlock.ENOTFOUND {
		return writeDetail(c, http.StatusNotFound, "No ReleaseFile matches the given query.")
	} else if err != nil {
		return err
	}
	if !can(currentUser(c), s.projectOfFile(f), permViewReleased) {
		return apiRefuse(c)
	}
	if f.Deleted {
		return writeDetail(c, http.StatusNotFound, "This file was deleted.")
	}
	return s.serveFile(c, f)
}
