package ui

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/airlock-project/airlock/airlock"
	"github.com/airlock-project/airlock/review"
)

// requestAction is a request-level workflow step.
type requestAction struct {
	Label   string // what the button says
	Explain string // what happens, shown before confirming
	Done    string // the flash after success
	Danger  bool
	run     func(svc Service, ctx context.Context, u *airlock.User, id string) error // a Service method
}

// requestActions are the request-level steps by their URL key.
func requestActions() map[string]requestAction {
	return map[string]requestAction{
		"submit": {Label: "Submit for review", Done: "The request has been submitted for review.",
			Explain: "Output checkers will review every output file independently. You cannot change the request while it is under review. Submit only outputs that follow the data release policy: low counts redacted, counts rounded, every output described.",
			run:     Service.Submit},
		"withdraw": {Label: "Withdraw this request", Done: "The request has been withdrawn.", Danger: true,
			Explain: "Withdrawing ends the request for good: nothing in it will be released. You can start a new request afterwards.",
			run:     Service.Withdraw},
		"review": {Label: "Submit your review", Done: "Your review has been submitted.",
			Explain: "Your votes and comments become final for this round. Other reviewers will see them once every review is in.",
			run:     Service.SubmitReview},
		"return": {Label: "Return to author", Done: "The request has been returned to its author.",
			Explain: "The author will be able to change files and answer comments, then resubmit. If not every review is in yet, this round's votes and comments are reset.",
			run:     Service.Return},
		"reject": {Label: "Reject request", Done: "The request has been rejected.", Danger: true,
			Explain: "Rejecting ends the request for good: nothing in it will be released, and the author cannot change it.",
			run:     Service.Reject},
		"release": {Label: "Release files", Done: "The files are released. They go to the jobs site in the background, retried automatically while it is unavailable; this page shows the progress.",
			Explain: "Every approved output file will leave the backend and be uploaded, byte for byte as reviewed, to the jobs site. This cannot be undone. If the jobs site is unavailable, airlock keeps trying until the files arrive.",
			run:     Service.Release},
	}
}

// confirmPage is the data of the confirmation page (used without JS).
type confirmPage struct {
	ID     string
	Key    string
	Button actionButton
}

// requestConfirm answers GET /requests/confirm/:id/:action: without
// JavaScript, the confirmation step before a request-level action, with
// the same sentence as the dialog.
func (s *Server) requestConfirm(c echo.Context) error {
	key := c.Param("action")
	a, ok := requestActions()[key]
	if !ok {
		return airlock.Errorf(airlock.ENOTFOUND, "There is no action %q.", key)
	}
	p, err := s.loadRequest(c)
	if err != nil {
		return err
	}
	if why := p.V.WhyNot(airlock.Action(key)); why != "" {
		// No confirmation of an action that would be refused: the request
		// page says why, and after a release shows its progress instead.
		s.addFlash(c, "info", why)
		return c.Redirect(http.StatusSeeOther, requestURL(p.R.ID))
	}
	if err := s.people(c, p); err != nil {
		return err
	}
	b := actionButton{Key: key, Label: a.Label, Danger: a.Danger, Explain: consequence(key, p.V, p.People)}
	for _, x := range actions(p.V, p.People) {
		if x.Key == key {
			b = x
		}
	}
	return s.render(c, "confirm", b.Label, confirmPage{ID: p.R.ID, Key: key, Button: b})
}

// requestDo answers POST /requests/:action/:id for the request-level steps.
func (s *Server) requestDo(key string) echo.HandlerFunc {
	a := requestActions()[key]
	return func(c echo.Context) error {
		id := c.Param("id")
		if err := a.run(s.deps.Service, ctx(c), currentUser(c), id); err != nil {
			return err
		}
		s.addFlash(c, "success", a.Done)
		return redirectBack(c, requestURL(id))
	}
}

// requestVote answers POST /requests/vote/:id (path, vote).
func (s *Server) requestVote(c echo.Context) error {
	id, p := c.Param("id"), c.FormValue("path")
	v := airlock.Vote(c.FormValue("vote"))
	if err := checkVoteChoice(v); err != nil {
		return err
	}
	if err := s.deps.Service.Vote(ctx(c), currentUser(c), id, p, v); err != nil {
		return err
	}
	s.addFlash(c, "success", fmt.Sprintf("Your vote on %s: %s.", p, strings.ToLower(v.Label())))
	return redirectBack(c, c.FormValue("next"))
}

// requestResetVote answers POST /requests/reset-vote/:id (path).
func (s *Server) requestResetVote(c echo.Context) error {
	id, p := c.Param("id"), c.FormValue("path")
	if err := s.deps.Service.ResetVote(ctx(c), currentUser(c), id, p); err != nil {
		return err
	}
	s.addFlash(c, "success", "Your vote on "+p+" has been cleared.")
	return redirectBack(c, c.FormValue("next"))
}

// requestWithdrawFiles answers POST /requests/withdraw-files/:id (path...).
func (s *Server) requestWithdrawFiles(c echo.Context) error {
	id := c.Param("id")
	paths, err := formPaths(c)
	if err != nil {
		return err
	}
	results, err := s.deps.Service.WithdrawFiles(ctx(c), currentUser(c), id, paths)
	if err := s.flashResults(c, results, err); err != nil {
		return err
	}
	return redirectBack(c, safeNext(c.FormValue("next"), requestURL(id)))
}

// changePage is the data of the change-files form.
type changePage struct {
	ID      string
	Rows    []changeRow
	Movable int
	Groups  []string
	Next    string
}

// changeRow is one file of the change-files form. Its current type is
// preselected, so leaving it changes nothing.
type changeRow struct {
	Index          int
	Path           string
	Group          string
	Type           airlock.FileType
	SupportingOnly bool   // released before: may only be supporting
	Skip           string // why the file cannot be changed, if it cannot
}

// requestChangeForm answers POST /requests/change-form/:id (path...): the
// form to move files to another group or change their type. It changes
// nothing.
func (s *Server) requestChangeForm(c echo.Context) error {
	p, err := s.loadRequest(c)
	if err != nil {
		return err
	}
	if p.V.CanChangeFile != nil {
		return p.V.CanChangeFile
	}
	paths, err := formPaths(c)
	if err != nil {
		return err
	}
	items, err := s.deps.Service.ChangeCandidates(ctx(c), currentUser(c), p.R.ID, paths)
	if err != nil {
		return err
	}
	page := changePage{ID: p.R.ID, Next: safeNext(c.FormValue("next"), requestURL(p.R.ID))}
	for i, it := range items {
		row := changeRow{Index: i, Path: it.Path, SupportingOnly: it.SupportingOnly, Skip: airlock.ErrorMessage(it.Skip)}
		if it.Skip == nil {
			row.Group, row.Type = it.File.Group, it.File.Type
			page.Movable++
		}
		page.Rows = append(page.Rows, row)
	}
	for _, g := range p.R.Groups {
		page.Groups = append(page.Groups, g.Name)
	}
	return s.render(c, "request_change_files", "Change files", page)
}

// requestChangeFiles answers POST /requests/change-files/:id.
func (s *Server) requestChangeFiles(c echo.Context) error {
	id := c.Param("id")
	if err := c.Request().ParseForm(); err != nil {
		return airlock.Errorf(airlock.EINVALID, "The form could not be read.")
	}
	items, err := formItems(c)
	if err != nil {
		return err
	}
	to, err := formGroup(c)
	if err != nil {
		return err
	}
	results, err := s.deps.Service.ChangeFiles(ctx(c), currentUser(c), id, items, to)
	if err := s.flashResults(c, results, err); err != nil {
		return err
	}
	next := requestURL(id)
	if len(results) > 0 && results[0].Err == nil && len(results) == 1 {
		next = fileURL(id, results[0].Group, results[0].Path)
	}
	return redirectBack(c, next)
}

// groupParam returns the :group route parameter.
func groupParam(c echo.Context) (string, error) { return param(c, "group") }

// requestEditGroup answers POST /requests/edit-group/:id/:group.
func (s *Server) requestEditGroup(c echo.Context) error {
	id := c.Param("id")
	g, err := groupParam(c)
	if err != nil {
		return err
	}
	text, controls := c.FormValue("context"), c.FormValue("controls")
	v, err := s.deps.Service.View(ctx(c), currentUser(c), id)
	if err != nil {
		return err
	}
	// Read before the edit only to word the message: the service decides.
	unchanged := v.Request.Group(g) != nil && v.Request.Group(g).HasText(text, controls)
	if err := s.deps.Service.EditGroup(ctx(c), currentUser(c), id, g, text, controls); err != nil {
		return err
	}
	if unchanged {
		s.addFlash(c, "info", "Nothing changed: the context and controls of group "+g+" were already as written.")
	} else {
		s.addFlash(c, "success", "Context and controls saved for group "+g+".")
	}
	return redirectBack(c, groupURL(id, g))
}

// requestComment answers POST /requests/comment/:id/:group.
func (s *Server) requestComment(c echo.Context) error {
	id := c.Param("id")
	g, err := groupParam(c)
	if err != nil {
		return err
	}
	text, vis, err := commentInput(c.FormValue("text"), airlock.Visibility(c.FormValue("visibility")))
	if err != nil {
		return err
	}
	if file := c.FormValue("file"); file != "" {
		// A comment written on a file's page names the file, so readers of
		// the group know what it is about.
		v, err := s.deps.Service.View(ctx(c), currentUser(c), id)
		if err != nil {
			return err
		}
		if f := v.Request.File(file); f == nil || f.Group != g {
			return airlock.Errorf(airlock.EINVALID, "%s is not in group %q, so the comment cannot be about it.", file, g)
		}
		text = fileCommentHeading(file) + text
	}
	if err := s.deps.Service.Comment(ctx(c), currentUser(c), id, g, text, vis); err != nil {
		return err
	}
	s.addFlash(c, "success", "Comment added.")
	next := safeNext(c.FormValue("next"), groupURL(id, g))
	// Land on the new comment, so its author sees where it went.
	if n := s.newestComment(c, id, g); n > 0 {
		next, _, _ = strings.Cut(next, "#")
		next += "#comment-" + strconv.FormatInt(n, 10)
	}
	return redirectBack(c, next)
}

// newestComment is the id of the viewer's latest comment on a group, or 0.
func (s *Server) newestComment(c echo.Context, id, group string) int64 {
	v, err := s.deps.Service.View(ctx(c), currentUser(c), id)
	if err != nil {
		return 0
	}
	var newest int64
	if g := v.Request.Group(group); g != nil {
		for _, cm := range g.Comments {
			if cm.Author == v.Viewer.Username && cm.ID > newest {
				newest = cm.ID
			}
		}
	}
	return newest
}

// fileCommentHeading is the Markdown line that starts a comment about a
// checkVoteChoice refuses a vote other than approve or request changes
// (clearing a vote is a step of its own).
func checkVoteChoice(v airlock.Vote) error {
	if v != airlock.VoteApproved && v != airlock.VoteChangesRequested {
		return airlock.Errorf(airlock.EINVALID, "Choose to approve the file or to request changes.")
	}
	return nil
}

// commentInput trims a new comment and defaults its visibility to public,
// refusing an empty comment or an unknown visibility.
func commentInput(text string, vis airlock.Visibility) (string, airlock.Visibility, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return "", "", airlock.Errorf(airlock.EINVALID, "Please write a comment first.")
	}
	if vis == "" {
		vis = airlock.Public
	}
	if !vis.Valid() {
		return "", "", airlock.Errorf(airlock.EINVALID, "Choose who can read the comment.")
	}
	return text, vis, nil
}

// file: its path as code, fenced with more backticks than it contains.
func fileCommentHeading(path string) string {
	fence := "`"
	for strings.Contains(path, fence) {
		fence += "`"
	}
	return "File: " + fence + " " + path + " " + fence + "\n\n"
}

func commentID(c echo.Context) (int64, error) {
	n, err := strconv.ParseInt(c.FormValue("comment_id"), 10, 64)
	if err != nil || n <= 0 {
		return 0, airlock.Errorf(airlock.EINVALID, "Which comment? The form did not say.")
	}
	return n, nil
}

// requestDeleteComment answers POST /requests/comment-delete/:id/:group.
func (s *Server) requestDeleteComment(c echo.Context) error {
	return s.commentAction(c, s.deps.Service.DeleteComment, "Comment deleted.")
}

// requestCommentPublic answers POST /requests/comment-public/:id/:group.
func (s *Server) requestCommentPublic(c echo.Context) error {
	return s.commentAction(c, s.deps.Service.MakeCommentPublic, "The comment is now visible to everyone who can see the request.")
}

// commentAction acts on one of the user's own comments, then goes back to
// the page the form was on (the group's or a file's).
func (s *Server) commentAction(c echo.Context, act func(context.Context, *airlock.User, string, string, int64) error, done string) error {
	id := c.Param("id")
	g, err := groupParam(c)
	if err != nil {
		return err
	}
	n, err := commentID(c)
	if err != nil {
		return err
	}
	if err := act(ctx(c), currentUser(c), id, g, n); err != nil {
		return err
	}
	s.addFlash(c, "success", done)
	return redirectBack(c, safeNext(c.FormValue("next"), groupURL(id, g)))
}

// requestChangesGroup answers POST /requests/request-changes/:id/:group.
func (s *Server) requestChangesGroup(c echo.Context) error {
	id := c.Param("id")
	g, err := groupParam(c)
	if err != nil {
		return err
	}
	n, err := s.deps.Service.RequestChangesGroup(ctx(c), currentUser(c), id, g)
	if err != nil {
		return err
	}
	level, text := groupVotesMessage(n, g)
	s.addFlash(c, level, text)
	return redirectBack(c, groupURL(id, g))
}

// groupVotesMessage says what "request changes on all" did: how many files
// it marked and how many it left because the person had voted on them.
func groupVotesMessage(n review.GroupVotes, group string) (level, text string) {
	skipped := ""
	if n.AlreadyVoted > 0 {
		skipped = plural(n.AlreadyVoted, "file") + " you had already voted on kept your vote."
	}
	switch {
	case n.Marked > 0 && skipped != "":
		return "success", fmt.Sprintf("Changes requested on %s in group %s; %s", plural(n.Marked, "file"), group, skipped)
	case n.Marked > 0:
		return "success", fmt.Sprintf("Changes requested on %s in group %s.", plural(n.Marked, "file"), group)
	case n.AlreadyVoted > 0:
		return "info", fmt.Sprintf("Nothing to do: you had already voted on every output file in group %s (%s).", group, plural(n.AlreadyVoted, "file"))
	default:
		return "info", fmt.Sprintf("Nothing to do: group %s has no output files to vote on.", group)
	}
}

// requestResetGroupVotes answers POST /requests/reset-votes/:id/:group.
func (s *Server) requestResetGroupVotes(c echo.Context) error {
	id := c.Param("id")
	g, err := groupParam(c)
	if err != nil {
		return err
	}
	n, err := s.deps.Service.ResetGroupVotes(ctx(c), currentUser(c), id, g)
	if err != nil {
		return err
	}
	s.addFlash(c, "success", fmt.Sprintf("Your votes on %s in group %s were cleared.", plural(n, "file"), g))
	return redirectBack(c, groupURL(id, g))
}

// workspaceRequestsPage is the data of the requests-per-workspace page.
type workspaceRequestsPage struct {
	Workspace string
	Status    airlock.RequestStatus
	// Statuses are those of the workspace's requests, in lifecycle order:
	// the filter offers only what it can find.
	Statuses []airlock.RequestStatus
	Requests []*airlock.Request
	People   review.People
}

// workspaceRequests answers GET /requests/workspace/:ws?status=.
func (s *Server) workspaceRequests(c echo.Context) error {
	ws := c.Param("ws")
	u := currentUser(c)
	st := airlock.RequestStatus(c.QueryParam("status"))
	if st != "" && !st.Valid() {
		return airlock.Errorf(airlock.EINVALID, "Unknown status %q.", st)
	}
	all, err := s.deps.Service.Requests(ctx(c), u, airlock.RequestFilter{Workspace: ws})
	if err != nil {
		return err
	}
	page := workspaceRequestsPage{Workspace: ws, Status: st}
	present := map[airlock.RequestStatus]bool{}
	var authors []string
	for _, r := range all {
		present[r.Status] = true
		if st == "" || r.Status == st {
			page.Requests = append(page.Requests, r)
			authors = append(authors, r.Author)
		}
	}
	for _, v := range airlock.AllStatuses {
		if present[v] || v == st {
			page.Statuses = append(page.Statuses, v)
		}
	}
	if page.People, err = s.deps.Service.People(ctx(c), authors); err != nil {
		return err
	}
	return s.render(c, "requests_workspace", "Requests for "+ws, page)
}
