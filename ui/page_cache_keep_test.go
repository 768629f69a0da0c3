package ui

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/airlock-project/airlock/airlock"
	"github.com/labstack/echo/v4"
)

// versionOnly is a Service that answers only the state version: the
// cached wrapper asks nothing else.
type versionOnly struct {
	Service
	version uint64
}

func (v *versionOnly) StateVersion(context.Context) (uint64, error) { return v.version, nil }

// Which answers the cache keeps, and which it must not: each case renders
// the same page twice with nothing in the store changed, and the second
// render must run again (not be a hit) whenever the first answer showed
// state outside the store, set a cookie, was not a 200 or came from a
// form.
func TestPageCacheKeepsOnlyWhatMayBeShownAgain(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		method string
		page   func(c echo.Context) error
		keep   bool
	}{
		{"a plain page", http.MethodGet, func(c echo.Context) error { return c.HTML(http.StatusOK, "<p>req-1</p>") }, true},
		{"checks still being computed", http.MethodGet, func(c echo.Context) error {
			noCache(c)
			return c.HTML(http.StatusOK, "<p>req-1: 2 output files not checked yet</p>")
		}, false},
		{"a cookie set", http.MethodGet, func(c echo.Context) error {
			c.SetCookie(&http.Cookie{Name: "x", Value: "y"})
			return c.HTML(http.StatusOK, "<p>req-1</p>")
		}, false},
		{"not found", http.MethodGet, func(c echo.Context) error { return c.HTML(http.StatusNotFound, "<p>req-1</p>") }, false},
		{"an error", http.MethodGet, func(c echo.Context) error {
			return airlock.Errorf(airlock.ENOTFOUND, "No such request.")
		}, false},
		{"a form", http.MethodPost, func(c echo.Context) error { return c.HTML(http.StatusOK, "<p>req-1</p>") }, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := &Server{deps: Deps{Service: &versionOnly{version: 7}}, now: time.Now, pages: newPageCache(1 << 20)}
			renders := 0
			h := s.cached(func(c echo.Context) error { renders++; return tc.page(c) }, nil)
			e := echo.New()
			for range 2 {
				c := e.NewContext(httptest.NewRequest(tc.method, "/requests/view/r1/", nil), httptest.NewRecorder())
				c.Set(ctxSession, &liveSession{Session: &airlock.Session{ID: "s1"}})
				c.Set(ctxUser, &airlock.User{Username: "checker1"})
				c.Set(ctxRequestID, "req-1")
				_ = h(c)
			}
			if want := map[bool]int{true: 1, false: 2}[tc.keep]; renders != want {
				t.Errorf("rendered %d times for two views, want %d", renders, want)
			}
		})
	}
}

// An htmx request and a plain one for the same address get answers of
// their own: htmx's carries HX-Refresh, which a plain page must not.
func TestPageCacheKeepsHTMXApart(t *testing.T) {
	t.Parallel()
	s := &Server{deps: Deps{Service: &versionOnly{version: 7}}, now: time.Now, pages: newPageCache(1 << 20)}
	renders := 0
	h := s.cached(func(c echo.Context) error {
		renders++
		if isHTMX(c) {
			c.Response().Header().Set("HX-Refresh", "true")
		}
		return c.HTML(http.StatusOK, "<p>req-1</p>")
	}, nil)
	e := echo.New()
	view := func(htmx bool) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, "/requests/view/r1/", nil)
		if htmx {
			req.Header.Set("HX-Request", "true")
		}
		rec := httptest.NewRecorder()
		c := e.NewContext(req, rec)
		c.Set(ctxSession, &liveSession{Session: &airlock.Session{ID: "s1"}})
		c.Set(ctxUser, &airlock.User{Username: "checker1"})
		c.Set(ctxRequestID, "req-1")
		if err := h(c); err != nil {
			t.Fatal(err)
		}
		return rec
	}
	view(true)
	if got := view(true).Header().Get("HX-Refresh"); got != "true" || renders != 1 {
		t.Fatalf("htmx again: HX-Refresh %q after %d renders, want a hit with the header", got, renders)
	}
	if got := view(false).Header().Get("HX-Refresh"); got != "" || renders != 2 {
		t.Errorf("plain view: HX-Refresh %q after %d renders, want its own render without it", got, renders)
	}
}
