package ui

import (
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

// routes registers every route of the application, with its method and its
// access rule, in this one file. The rule table s.rules is checked by a
// test against the router, so a route without a rule fails the build.
func (s *Server) routes() {
	e := s.echo
	e.Use(requestID, s.logRequests, middleware.Recover(), securityHeaders)

	// Static files and the health check need no session.
	s.add(http.MethodGet, "/healthz", accessPublic, s.healthz, false)
	s.add(http.MethodGet, "/static/:hash/*", accessPublic, s.static.serve, false)

	// Sign-in.
	s.add(http.MethodGet, "/", accessUser, s.home, true)
	s.add(http.MethodGet, "/login", accessPublic, s.loginShow, true)
	s.add(http.MethodPost, "/login", accessPublic, s.loginSubmit, true)
	s.add(http.MethodPost, "/demo/sign-in", accessPublic, s.demoSignIn, true) // demo mode only; 404 otherwise
	s.add(http.MethodPost, "/logout", accessUser, s.logout, true)
	s.add(http.MethodGet, "/account/", accessUser, s.accountShow, true)
	s.add(http.MethodPost, "/account/sign-out-everywhere", accessUser, s.accountSignOutEverywhere, true)
	s.add(http.MethodPost, "/account/tokens", accessUser, s.accountTokenCreate, true)
	s.add(http.MethodGet, "/account/tokens/revoke/:id", accessUser, s.accountTokenConfirm, true)
	s.add(http.MethodPost, "/account/tokens/revoke/:id", accessUser, s.accountTokenRevoke, true)

	// Workspaces.
	s.add(http.MethodGet, "/workspaces/", accessUser, s.workspaceIndex, true)
	s.add(http.MethodGet, "/copiloted-workspaces/", accessUser, s.copilotedIndex, true)
	s.add(http.MethodGet, "/workspaces/all/", accessReadonly, s.allWorkspaces, true)
	s.add(http.MethodGet, "/workspaces/view/:ws/*", accessUser, s.cached(s.workspaceBrowse, s.workspaceFiles), true)
	s.add(http.MethodGet, "/workspaces/tree/:ws/*", accessUser, s.workspaceTree, true)
	s.add(http.MethodGet, "/workspaces/content/:ws/*", accessUser, s.workspaceContent, true)
	s.add(http.MethodPost, "/workspaces/add-form/:ws", accessUser, s.workspaceAddForm, true)
	s.add(http.MethodPost, "/workspaces/add/:ws", accessUser, s.workspaceAdd, true)
	s.add(http.MethodPost, "/workspaces/update/:ws", accessUser, s.workspaceUpdate, true)
	s.add(http.MethodPost, "/workspaces/out-of-date/:ws", accessUser, s.workspaceOutOfDate, true) // GET answers 405

	// Requests: pages.
	s.add(http.MethodGet, "/requests/", accessUser, s.home, true)
	s.add(http.MethodGet, "/reviews/", accessChecker, s.reviews, true)
	s.add(http.MethodGet, "/requests/workspace/:ws", accessUser, s.workspaceRequests, true)
	s.add(http.MethodGet, "/requests/view/:id/", accessUser, s.cached(s.requestOverview, nil), true)
	s.add(http.MethodGet, "/requests/group/:id/:group", accessUser, s.requestGroup, true)
	s.add(http.MethodGet, "/requests/file/:id/:group/*", accessUser, s.requestFile, true)
	s.add(http.MethodGet, "/requests/content/:id/:group/*", accessUser, s.requestContent, true)
	s.add(http.MethodGet, "/requests/diff/:id/:group/*", accessUser, s.requestDiff, true)
	s.add(http.MethodGet, "/requests/diff-content/:id/:group/*", accessUser, s.requestDiffContent, true)
	s.add(http.MethodGet, "/requests/confirm/:id/:action", accessUser, s.requestConfirm, true)

	// Source code behind outputs, at the commit that produced them.
	s.add(http.MethodGet, "/code/view/workspace/:ws/:commit/*", accessUser, s.codeWorkspaceView, true)
	s.add(http.MethodGet, "/code/content/workspace/:ws/:commit/*", accessUser, s.codeWorkspaceContent, true)
	s.add(http.MethodGet, "/code/view/request/:id/:commit/*", accessUser, s.codeRequestView, true)
	s.add(http.MethodGet, "/code/content/request/:id/:commit/*", accessUser, s.codeRequestContent, true)

	// Requests: request-level steps, each confirmed first in the page.
	s.add(http.MethodPost, "/requests/submit/:id", accessUser, s.requestDo("submit"), true)
	s.add(http.MethodPost, "/requests/withdraw/:id", accessUser, s.requestDo("withdraw"), true)
	s.add(http.MethodPost, "/requests/review/:id", accessUser, s.requestDo("review"), true)
	s.add(http.MethodPost, "/requests/return/:id", accessUser, s.requestDo("return"), true)
	s.add(http.MethodPost, "/requests/reject/:id", accessUser, s.requestDo("reject"), true)
	s.add(http.MethodPost, "/requests/release/:id", accessUser, s.requestDo("release"), true)

	// Requests: files, groups and comments.
	s.add(http.MethodPost, "/requests/vote/:id", accessUser, s.requestVote, true)
	s.add(http.MethodPost, "/requests/reset-vote/:id", accessUser, s.requestResetVote, true)
	s.add(http.MethodPost, "/requests/withdraw-files/:id", accessUser, s.requestWithdrawFiles, true)
	s.add(http.MethodPost, "/requests/change-form/:id", accessUser, s.requestChangeForm, true)
	s.add(http.MethodPost, "/requests/change-files/:id", accessUser, s.requestChangeFiles, true)
	s.add(http.MethodPost, "/requests/edit-group/:id/:group", accessUser, s.requestEditGroup, true)
	s.add(http.MethodPost, "/requests/comment/:id/:group", accessUser, s.requestComment, true)
	s.add(http.MethodPost, "/requests/comment-delete/:id/:group", accessUser, s.requestDeleteComment, true)
	s.add(http.MethodPost, "/requests/comment-public/:id/:group", accessUser, s.requestCommentPublic, true)
	s.add(http.MethodPost, "/requests/request-changes/:id/:group", accessUser, s.requestChangesGroup, true)
	s.add(http.MethodPost, "/requests/reset-votes/:id/:group", accessUser, s.requestResetGroupVotes, true)
	s.add(http.MethodPost, "/requests/check-note/:id", accessUser, s.requestCheckNote, true)

	// The JSON API: a bearer token instead of a session, so no cookies and
	// no CSRF token; the rule names the token scope each call needs.
	s.add(http.MethodGet, apiPrefix+"/openapi.json", accessPublic, s.apiOpenAPI, false)
	s.addAPI(http.MethodGet, "/workspaces", accessAPIRead, s.apiWorkspaces)
	s.addAPI(http.MethodGet, "/workspaces/:ws/files/*", accessAPIRead, s.apiWorkspaceFiles)
	s.addAPI(http.MethodGet, "/requests", accessAPIRead, s.apiRequests)
	s.addAPI(http.MethodGet, "/requests/:id", accessAPIRead, s.apiRequest)
	s.addAPI(http.MethodGet, "/requests/:id/activity", accessAPIRead, s.apiActivity)
	s.addAPI(http.MethodPost, "/workspaces/:ws/request/files", accessAPIAuthor, s.apiAddFiles)
	s.addAPI(http.MethodPut, "/workspaces/:ws/request/files", accessAPIAuthor, s.apiUpdateFiles)
	s.addAPI(http.MethodPost, "/requests/:id/files/withdraw", accessAPIAuthor, s.apiWithdrawFiles)
	s.addAPI(http.MethodPost, "/requests/:id/files/move", accessAPIAuthor, s.apiMoveFiles)
	s.addAPI(http.MethodPut, "/requests/:id/groups/:group", accessAPIAuthor, s.apiEditGroup)
	s.addAPI(http.MethodPost, "/requests/:id/submit", accessAPIAuthor, s.apiDo("submit"))
	s.addAPI(http.MethodPost, "/requests/:id/withdraw", accessAPIAuthor, s.apiDo("withdraw"))
	s.addAPI(http.MethodPost, "/requests/:id/groups/:group/comments", accessAPIWrite, s.apiComment)
	s.addAPI(http.MethodPost, "/requests/:id/votes", accessAPIReview, s.apiVote)
	s.addAPI(http.MethodPost, "/requests/:id/review", accessAPIReview, s.apiDo("review"))
	s.addAPI(http.MethodPost, "/requests/:id/return", accessAPIReview, s.apiDo("return"))
	s.addAPI(http.MethodPost, "/requests/:id/reject", accessAPIReview, s.apiDo("reject"))
	s.addAPI(http.MethodPost, "/requests/:id/release", accessAPIReview, s.apiDo("release"))
}

// add registers one route with its access rule. Routes with session=true
// go through the session (user loading) and the checks of state changes
// (origin, form, CSRF token).
func (s *Server) add(method, path string, a access, h echo.HandlerFunc, session bool) {
	mws := []echo.MiddlewareFunc{}
	if session {
		mws = append(mws, s.loadUser, s.csrf)
	}
	mws = append(mws, require(a))
	s.echo.Add(method, path, h, mws...)
	s.rules[method+" "+path] = a
}
