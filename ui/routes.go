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
	s.add(http.MethodPost, "/logout", accessUser, s.logout, true)

	// Workspaces.
	s.add(http.MethodGet, "/workspaces/", accessUser, s.workspaceIndex, true)
	s.add(http.MethodGet, "/copiloted-workspaces/", accessUser, s.copilotedIndex, true)
	s.add(http.MethodGet, "/workspaces/all/", accessReadonly, s.allWorkspaces, true)
}

// add registers one route with its access rule. Routes with session=true
// go through the body limit, the session (user loading) and CSRF checks.
func (s *Server) add(method, path string, a access, h echo.HandlerFunc, session bool) {
	mws := []echo.MiddlewareFunc{}
	if session {
		mws = append(mws, middleware.BodyLimit("4M"), s.loadUser, s.csrf())
	}
	mws = append(mws, require(a))
	s.echo.Add(method, path, h, mws...)
	s.rules[method+" "+path] = a
}
