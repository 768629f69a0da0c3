package ui

import (
	"context"
	"errors"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"

	"github.com/airlock-project/airlock/airlock"
)

// statusOf maps an error to its HTTP status, in this one place.
func statusOf(err error, method string) int {
	var he *echo.HTTPError
	if errors.As(err, &he) {
		return he.Code
	}
	switch airlock.ErrorCode(err) {
	case airlock.EINVALID:
		if !isSafeMethod(method) { // a submitted form or body that says something impossible
			return http.StatusUnprocessableEntity
		}
		return http.StatusBadRequest
	case airlock.EUNAUTHORIZED:
		return http.StatusUnauthorized
	case airlock.EFORBIDDEN:
		return http.StatusForbidden
	case airlock.ENOTFOUND:
		return http.StatusNotFound
	case airlock.ESTATE, airlock.ECONFLICT:
		return http.StatusConflict
	case airlock.EUNAVAILABLE:
		return http.StatusBadGateway
	}
	return http.StatusInternalServerError
}

// Forms that cannot be read are answered with what is wrong with them,
// never as an expired form (which is what a missing CSRF token looks
// like). Nothing was read, so nothing was changed.
var (
	errFormTooLarge  = echo.NewHTTPError(http.StatusRequestEntityTooLarge, fmt.Sprintf("The form is larger than the %d MB limit, so it was not read and nothing was changed.", maxFormBytes>>20))
	errTooManyFields = echo.NewHTTPError(http.StatusRequestEntityTooLarge, fmt.Sprintf("The form has too many fields (at most %d), so it was not read and nothing was changed.", maxFormFields))
	errFormCutShort  = echo.NewHTTPError(http.StatusBadRequest, "The form could not be read: its body is malformed or was cut short. Nothing was changed.")
)

// formError maps an error from reading a form to its answer.
func formError(err error) error {
	var tooLarge *http.MaxBytesError
	var escape url.EscapeError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &tooLarge):
		return errFormTooLarge
	case errors.Is(err, multipart.ErrMessageTooLarge):
		return echo.NewHTTPError(http.StatusRequestEntityTooLarge,
			"The form has too many fields or parts, or headers that are too long, so it was not read and nothing was changed.")
	case errors.Is(err, http.ErrMissingBoundary):
		return echo.NewHTTPError(http.StatusBadRequest,
			"The form says it is multipart/form-data but gives no boundary, so it could not be read and nothing was changed.")
	case errors.As(err, &escape):
		return echo.NewHTTPError(http.StatusBadRequest,
			fmt.Sprintf("The form could not be read: it holds an invalid %%-escape, %q. Nothing was changed.", string(escape)))
	}
	var he *echo.HTTPError
	if errors.As(err, &he) {
		return he
	}
	return errFormCutShort
}

// messageOf is the text shown to the person for an error.
func messageOf(err error, status int) string {
	var he *echo.HTTPError
	if errors.As(err, &he) {
		m, ok := he.Message.(string)
		if !ok || status >= 500 {
			return http.StatusText(status)
		}
		if m == http.StatusText(status) { // the router's own, which says no more than the title
			switch status {
			case http.StatusNotFound:
				return "There is no page at this address: the link may be mistyped or out of date."
			case http.StatusMethodNotAllowed:
				return "This address is for a button on a page, not for opening by itself, so nothing was done. Go back and use the button."
			}
		}
		return m
	}
	return airlock.ErrorMessage(err)
}

// errorPage is the data of the error page and fragment.
type errorPage struct {
	Status    int
	Title     string
	Message   string
	RequestID string
	// Back is the page a refused form was sent from, or "".
	Back string
}

// backTo is the page of ours a refused form was sent from (its Referer),
// for the error page's way back, or "" for a page asked for directly.
func (s *Server) backTo(r *http.Request) string {
	ref := r.Header.Get("Referer")
	if isSafeMethod(r.Method) || ref == "" {
		return ""
	}
	o, err := originOf(ref)
	if err != nil || !s.ours(o, r) {
		return ""
	}
	u, err := url.Parse(ref)
	if err != nil {
		return ""
	}
	return safeNext(u.RequestURI(), "")
}

// handleError is Echo's one error handler: it maps the error to a status,
// logs only server errors, sends people who are not signed in to the
// sign-in page, and renders a friendly page (or a small fragment for htmx).
func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed || errors.Is(err, context.Canceled) {
		return
	}
	r := c.Request()
	status := statusOf(err, r.Method)
	rid, _ := c.Get(ctxRequestID).(string)
	if status >= 500 {
		s.log.Error("request failed", "request_id", rid, "method", r.Method, "path", r.URL.Path, "err", err)
	} else if errors.Is(err, airlock.ErrManifestUnreadable) {
		// People are told to ask backend support; this is what support reads.
		s.log.Warn("workspace manifest cannot be read", "request_id", rid, "path", r.URL.Path, "err", err)
	}
	if isAPI(r) {
		writeAPIError(c, err, status)
		return
	}
	htmx := r.Header.Get("HX-Request") == "true"

	if status == http.StatusUnauthorized {
		target := "/login?next=" + url.QueryEscape(r.URL.RequestURI())
		if htmx {
			c.Response().Header().Set("HX-Redirect", target)
			_ = c.NoContent(http.StatusUnauthorized)
			return
		}
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			_ = c.Redirect(http.StatusFound, target)
			return
		}
	}
	page := errorPage{Status: status, Title: http.StatusText(status), Message: messageOf(err, status), RequestID: rid, Back: s.backTo(r)}
	if status == http.StatusTooManyRequests {
		page.Title = "Too many attempts"
	}
	if htmx {
		c.Response().Header().Set("Content-Type", echo.MIMETextHTMLCharsetUTF8)
		c.Response().WriteHeader(status)
		_ = s.tmpl.fragment(c.Response(), "", "error_fragment", page)
		return
	}
	if rerr := s.renderStatus(c, status, "error", page.Title, page); rerr != nil {
		s.log.Error("render error page", "request_id", rid, "err", rerr)
		_ = c.String(status, page.Message)
	}
}
