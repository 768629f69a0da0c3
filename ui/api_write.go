package ui

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/airlock-project/airlock/airlock"
	"github.com/airlock-project/airlock/review"
)

// The API's steps. Each reads its JSON body, asks the review service (the
// one gate: roles, authorship, state and the rules are all checked there)
// and answers with the request as the caller now sees it. A refusal is
// the pages' refusal, with the same status and message, and changes
// nothing.

// apiAddBody is the body of adding files. Context and controls, when
// given, are then set on the group, and submit then submits the request,
// as `airlock request create --context --controls --submit` does.
type apiAddBody struct {
	Group string `json:"group"`
	Files []struct {
		Path string           `json:"path"`
		Type airlock.FileType `json:"type"`
	} `json:"files"`
	Context  *string `json:"context"`
	Controls *string `json:"controls"`
	Submit   bool    `json:"submit"`
}

// apiPathsBody names files.
type apiPathsBody struct {
	Paths []string `json:"paths"`
}

// apiMoveBody moves files to a group and/or changes their type.
type apiMoveBody struct {
	Paths []string         `json:"paths"`
	Group string           `json:"group"`
	Type  airlock.FileType `json:"type"`
}

// apiGroupBody replaces a group's context and controls.
type apiGroupBody struct {
	Context  *string `json:"context"`
	Controls *string `json:"controls"`
}

// apiCommentBody is a new comment.
type apiCommentBody struct {
	Text       string             `json:"text"`
	Visibility airlock.Visibility `json:"visibility"`
}

// apiVoteBody is a vote on one output file.
type apiVoteBody struct {
	Path string       `json:"path"`
	Vote airlock.Vote `json:"vote"`
}

// apiBatch is the answer to a batch of files: the request and each file's outcome.
type apiBatch struct {
	Request *apiRequest     `json:"request"`
	Files   []apiFileResult `json:"files"`
}

// apiAddFiles answers POST /api/v1/workspaces/:ws/request/files: the files
// are added to the caller's open request in the workspace, which is
// created when there is none.
func (s *Server) apiAddFiles(c echo.Context) error {
	var body apiAddBody
	if err := bindJSON(c, &body); err != nil {
		return err
	}
	paths := make([]string, len(body.Files))
	for i, f := range body.Files {
		paths[i] = f.Path
	}
	if _, err := selectedPaths(paths); err != nil {
		return err
	}
	if (body.Context == nil) != (body.Controls == nil) {
		return airlock.Errorf(airlock.EINVALID, `Send both "context" and "controls", or neither: the group's are replaced together. Nothing was changed.`)
	}
	items := make([]review.AddItem, len(body.Files))
	for i, f := range body.Files {
		if f.Type == "" {
			f.Type = airlock.FileOutput
		}
		items[i] = review.AddItem{Path: f.Path, Type: f.Type}
	}
	ws, u := c.Param("ws"), currentUser(c)
	results, err := s.deps.Service.AddFiles(ctx(c), u, ws, items, body.Group)
	return s.apiBatchAnswer(c, results, err, func() (string, error) {
		id, err := s.openRequestID(c, ws)
		if err != nil || id == "" {
			return "", err
		}
		// The files are in; a later step refused says so, since they stay.
		then := func(step string, err error) error {
			if err == nil {
				return nil
			}
			return airlock.Errorf(airlock.ErrorCode(err), "The files were added to request %s, but %s: %s", id, step, airlock.ErrorMessage(err))
		}
		if body.Context != nil {
			group := ""
			for _, r := range results {
				if r.Err == nil {
					group = r.Group
					break
				}
			}
			if err := s.deps.Service.EditGroup(ctx(c), u, id, group, *body.Context, *body.Controls); err != nil {
				return "", then("the context and controls were not saved", err)
			}
		}
		if body.Submit {
			if err := s.deps.Service.Submit(ctx(c), u, id); err != nil {
				return "", then("it was not submitted", err)
			}
		}
		return id, nil
	})
}

// apiUpdateFiles answers PUT /api/v1/workspaces/:ws/request/files: the
// listed files of the caller's open request are replaced by their
// current version in the workspace.
func (s *Server) apiUpdateFiles(c echo.Context) error {
	paths, err := bindPaths(c)
	if err != nil {
		return err
	}
	ws := c.Param("ws")
	results, err := s.deps.Service.UpdateFiles(ctx(c), currentUser(c), ws, paths)
	return s.apiBatchAnswer(c, results, err, func() (string, error) { return s.openRequestID(c, ws) })
}

// openRequestID is the id of the caller's open request in a workspace, or "".
func (s *Server) openRequestID(c echo.Context, ws string) (string, error) {
	st, err := s.deps.Service.WorkspaceState(ctx(c), currentUser(c), ws)
	if err != nil || st.Current == nil {
		return "", err
	}
	return st.Current.ID, nil
}

// bindPaths reads a body that names files.
func bindPaths(c echo.Context) ([]string, error) {
	var body apiPathsBody
	if err := bindJSON(c, &body); err != nil {
		return nil, err
	}
	return selectedPaths(body.Paths)
}

// apiWithdrawFiles answers POST /api/v1/requests/:id/files/withdraw.
func (s *Server) apiWithdrawFiles(c echo.Context) error {
	paths, err := bindPaths(c)
	if err != nil {
		return err
	}
	id := c.Param("id")
	results, err := s.deps.Service.WithdrawFiles(ctx(c), currentUser(c), id, paths)
	return s.apiBatchAnswer(c, results, err, func() (string, error) { return id, nil })
}

// apiMoveFiles answers POST /api/v1/requests/:id/files/move: files move
// to another (or a new) group and/or change type.
func (s *Server) apiMoveFiles(c echo.Context) error {
	var body apiMoveBody
	if err := bindJSON(c, &body); err != nil {
		return err
	}
	paths, err := selectedPaths(body.Paths)
	if err != nil {
		return err
	}
	id := c.Param("id")
	items := make([]review.AddItem, len(paths))
	for i, p := range paths {
		items[i] = review.AddItem{Path: p, Type: body.Type}
	}
	results, err := s.deps.Service.ChangeFiles(ctx(c), currentUser(c), id, items, review.GroupChoice{Name: body.Group})
	return s.apiBatchAnswer(c, results, err, func() (string, error) { return id, nil })
}

// apiBatchAnswer answers a batch of files: the refusal when the call or
// every file was refused (nothing changed), else the request with each
// file's outcome.
func (s *Server) apiBatchAnswer(c echo.Context, results []review.FileResult, err error, requestID func() (string, error)) error {
	if err != nil {
		return err
	}
	if err := allFailed(results); err != nil {
		return &batchError{err: err, files: newAPIFileResults(results)}
	}
	id, err := requestID()
	if err != nil {
		return err
	}
	out := apiBatch{Files: newAPIFileResults(results)}
	if id != "" {
		v, err := s.deps.Service.View(ctx(c), currentUser(c), id)
		if err != nil {
			return err
		}
		out.Request = newAPIRequest(v)
	}
	return c.JSON(http.StatusOK, out)
}

// apiEditGroup answers PUT /api/v1/requests/:id/groups/:group: the
// group's context and controls are replaced.
func (s *Server) apiEditGroup(c echo.Context) error {
	var body apiGroupBody
	if err := bindJSON(c, &body); err != nil {
		return err
	}
	if body.Context == nil || body.Controls == nil {
		return airlock.Errorf(airlock.EINVALID, `Send both "context" and "controls": this call replaces both. Nothing was changed.`)
	}
	g, err := groupParam(c)
	if err != nil {
		return err
	}
	id := c.Param("id")
	if err := s.deps.Service.EditGroup(ctx(c), currentUser(c), id, g, *body.Context, *body.Controls); err != nil {
		return err
	}
	return s.apiShowRequest(c, id)
}

// apiComment answers POST /api/v1/requests/:id/groups/:group/comments.
func (s *Server) apiComment(c echo.Context) error {
	var body apiCommentBody
	if err := bindJSON(c, &body); err != nil {
		return err
	}
	g, err := groupParam(c)
	if err != nil {
		return err
	}
	text, vis, err := commentInput(body.Text, body.Visibility)
	if err != nil {
		return err
	}
	id := c.Param("id")
	if err := s.deps.Service.Comment(ctx(c), currentUser(c), id, g, text, vis); err != nil {
		return err
	}
	return s.apiShowRequest(c, id)
}

// apiVote answers POST /api/v1/requests/:id/votes: an output checker's
// vote on one output file.
func (s *Server) apiVote(c echo.Context) error {
	var body apiVoteBody
	if err := bindJSON(c, &body); err != nil {
		return err
	}
	if err := checkVoteChoice(body.Vote); err != nil {
		return err
	}
	id := c.Param("id")
	if err := s.deps.Service.Vote(ctx(c), currentUser(c), id, body.Path, body.Vote); err != nil {
		return err
	}
	return s.apiShowRequest(c, id)
}

// apiDo answers POST /api/v1/requests/:id/<step> for the request-level
// steps, the same ones as the pages' buttons (requestActions).
func (s *Server) apiDo(key string) echo.HandlerFunc {
	a := requestActions()[key]
	return func(c echo.Context) error {
		id := c.Param("id")
		if err := a.run(s.deps.Service, ctx(c), currentUser(c), id); err != nil {
			return err
		}
		return s.apiShowRequest(c, id)
	}
}

// apiShowRequest answers with the request as the caller now sees it.
func (s *Server) apiShowRequest(c echo.Context, id string) error {
	v, err := s.deps.Service.View(ctx(c), currentUser(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, newAPIRequest(v))
}
