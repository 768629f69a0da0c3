package ui

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/airlock-project/airlock/airlock"
)

// apiWorkspaces answers GET /api/v1/workspaces: the workspaces on this
// backend the caller may see, with how they may see each.
func (s *Server) apiWorkspaces(c echo.Context) error {
	u := currentUser(c)
	names, err := s.deps.Service.Workspaces(ctx(c), u)
	if err != nil {
		return err
	}
	out := make([]apiWorkspace, len(names))
	for i, n := range names {
		out[i] = newAPIWorkspace(u, n)
	}
	return c.JSON(http.StatusOK, map[string]any{"workspaces": out})
}

// apiWorkspaceFiles answers GET /api/v1/workspaces/:ws/files/*: a folder's
// files and folders with their status for the caller's request, or one
// file's metadata. Listing reads no file's content, so it is no view.
func (s *Server) apiWorkspaceFiles(c echo.Context) error {
	name := c.Param("ws")
	p, _, err := pathParam(c)
	if err != nil {
		return err
	}
	b, err := s.deps.Service.BrowseWorkspace(ctx(c), currentUser(c), name, p, airlock.ChildrenOptions{}) // every file, each marked
	switch {
	case err != nil:
		return err
	case b.Unavailable != nil:
		return b.Unavailable
	case b.Missing:
		return airlock.Errorf(airlock.ENOTFOUND, "%q is not a file or folder of workspace %s (the nearest folder that is: %q).", p, name, b.Nearest)
	}
	out := apiWorkspacePath{Workspace: name, Path: p, Type: "directory", CannotAdd: airlock.ErrorMessage(b.State.CanAdd)}
	if b.State.Current != nil {
		out.Request = b.State.Current.ID
	}
	if b.IsDir {
		out.Entries = make([]apiWorkspaceEntry, len(b.Items))
		for i, it := range b.Items {
			out.Entries[i] = newAPIWorkspaceEntry(it)
		}
	} else {
		f := newAPIWorkspaceEntry(*b.File)
		out.Type, out.File = "file", &f
	}
	return c.JSON(http.StatusOK, out)
}

// apiRequests answers GET /api/v1/requests: the requests the caller may
// see, newest first, filtered by ?workspace=, ?author= and ?status= (one
// or more, comma-separated).
func (s *Server) apiRequests(c echo.Context) error {
	f := airlock.RequestFilter{Workspace: c.QueryParam("workspace"), Author: c.QueryParam("author")}
	for _, st := range strings.Split(c.QueryParam("status"), ",") {
		st = strings.ToUpper(strings.TrimSpace(st))
		if st == "" {
			continue
		}
		if !airlock.RequestStatus(st).Valid() {
			return airlock.Errorf(airlock.EINVALID, "%q is not a request status.", st)
		}
		f.Statuses = append(f.Statuses, airlock.RequestStatus(st))
	}
	if err := airlock.CheckNames("filter", f.Workspace, f.Author); err != nil {
		return err
	}
	reqs, err := s.deps.Service.Requests(ctx(c), currentUser(c), f)
	if err != nil {
		return err
	}
	out := make([]apiRequestSummary, len(reqs))
	for i, r := range reqs {
		out[i] = newAPIRequestSummary(r)
	}
	return c.JSON(http.StatusOK, map[string]any{"requests": out})
}

// apiRequest answers GET /api/v1/requests/:id: the request with its
// groups and files, only the votes and comments the caller may see, and
// what they may do now.
func (s *Server) apiRequest(c echo.Context) error {
	v, err := s.deps.Service.View(ctx(c), currentUser(c), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, newAPIRequest(v))
}

// apiActivity answers GET /api/v1/requests/:id/activity: the request's
// audit events the caller may see, newest first, views left out;
// ?group= narrows it to one group.
func (s *Server) apiActivity(c echo.Context) error {
	group := c.QueryParam("group")
	if err := airlock.CheckName("file group name", group); err != nil {
		return err
	}
	events, err := s.deps.Service.Activity(ctx(c), currentUser(c), c.Param("id"), group)
	if err != nil {
		return err
	}
	out := make([]apiEvent, len(events))
	for i, e := range events {
		out[i] = apiEvent{Time: e.CreatedAt.UTC(), Type: e.Type, Description: e.Type.Description(), User: e.User, Path: e.Path, Group: e.Extra["group"]}
	}
	return c.JSON(http.StatusOK, map[string]any{"events": out})
}
