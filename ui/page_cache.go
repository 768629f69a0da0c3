package ui

import (
	"bytes"
	"container/list"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"
)

// The rendered-page cache: a page seen again by the same session, at the
// same address, while nothing it read has changed, is sent as rendered
// the first time instead of being read and rendered again. See "Rendered
// pages" in docs/architecture.md for why each part of the key is there.

// pageCacheBytes bounds the bodies the cache holds.
const pageCacheBytes = 32 << 20

const (
	ctxNoCache = "airlock.no_cache"
	ctxClock   = "airlock.clock"
)

// pageKey is everything a cached page's bytes depend on.
type pageKey struct {
	session string // the session's id: pages carry its CSRF token
	uri     string // the path and query
	htmx    bool   // HX-Request: htmx gets other headers (HX-Refresh)
	// browser is the browser cookie as sent. A page is kept only when it
	// set no cookie, so took no waiting message from it: the same cookie
	// again holds none either, and is not decoded to find out.
	browser string
	version uint64 // the store's state version when the page was read
	// files is the version of the workspace's files the page lists
	// (airlock.WorkspaceTree.Version); 0 for pages that list none.
	files uint64
}

// filesVersion gives the version of what a page reads besides the store:
// a workspace's files. It is part of the page's key.
type filesVersion func(echo.Context) (uint64, error)

// workspaceFiles is the filesVersion of pages of the workspace named in
// the route.
func (s *Server) workspaceFiles(c echo.Context) (uint64, error) {
	return s.deps.Service.WorkspaceVersion(ctx(c), currentUser(c), c.Param("ws"))
}

// cachedPage is one rendered page. Its body is split at the request id
// shown in it, which each answer has its own of.
type cachedPage struct {
	key           pageKey
	header        http.Header
	before, after []byte
	until         time.Time // when its time-relative text changes; zero: never
}

func (p *cachedPage) size() int {
	return len(p.before) + len(p.after) + len(p.key.uri) + len(p.key.browser) + 256
}

// pageCache is an LRU of rendered pages, bounded by their bytes.
type pageCache struct {
	mu         sync.Mutex
	max, bytes int
	order      *list.List // of *cachedPage, most recent first
	pages      map[pageKey]*list.Element
	// rendering are the keys being rendered now, each closed when done:
	// the same session asking again meanwhile (200 clients of one
	// session, or a browser's retries) waits for that render instead of
	// rendering the same page beside it.
	rendering map[pageKey]chan struct{}
	hits      atomic.Int64 // pages sent from the cache, for tests
}

func newPageCache(maxBytes int) *pageCache {
	return &pageCache{max: maxBytes, order: list.New(), pages: map[pageKey]*list.Element{}, rendering: map[pageKey]chan struct{}{}}
}

// claim returns a function to call once the page under k is rendered (and
// kept, if it is), or nil when another request is rendering it; that one
// is waited for, up to the request's end, before returning nil.
func (pc *pageCache) claim(c echo.Context, k pageKey) func() {
	pc.mu.Lock()
	done, busy := pc.rendering[k]
	if !busy {
		done = make(chan struct{})
		pc.rendering[k] = done
	}
	pc.mu.Unlock()
	if busy {
		select {
		case <-done:
		case <-c.Request().Context().Done():
		}
		return nil
	}
	return func() {
		pc.mu.Lock()
		delete(pc.rendering, k)
		pc.mu.Unlock()
		close(done)
	}
}

func (pc *pageCache) get(k pageKey, now time.Time) *cachedPage {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	el, ok := pc.pages[k]
	if !ok {
		return nil
	}
	p := el.Value.(*cachedPage)
	if !p.until.IsZero() && !now.Before(p.until) {
		pc.remove(el)
		return nil
	}
	pc.order.MoveToFront(el)
	pc.hits.Add(1)
	return p
}

func (pc *pageCache) put(p *cachedPage) {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	if p.size() > pc.max/4 {
		return
	}
	if el, ok := pc.pages[p.key]; ok {
		pc.remove(el)
	}
	pc.pages[p.key] = pc.order.PushFront(p)
	pc.bytes += p.size()
	for pc.bytes > pc.max {
		pc.remove(pc.order.Back())
	}
}

func (pc *pageCache) remove(el *list.Element) {
	p := pc.order.Remove(el).(*cachedPage)
	delete(pc.pages, p.key)
	pc.bytes -= p.size()
}

// len is how many pages are held, for tests.
func (pc *pageCache) len() int {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	return len(pc.pages)
}

// noCache marks the answer as one not to keep: it shows state that is not
// in the store (a result still being computed, say).
func noCache(c echo.Context) { c.Set(ctxNoCache, true) }

// clock is the request's clock for time-relative text: it remembers when
// the text it gave first changes.
func (s *Server) clock(c echo.Context) *renderClock {
	if k, ok := c.Get(ctxClock).(*renderClock); ok {
		return k
	}
	k := &renderClock{now: s.now()}
	c.Set(ctxClock, k)
	return k
}

// cached serves a GET page from the page cache, or renders it and keeps
// it when it may be shown again. It runs after the session was checked
// and the route's access rule applied, every time; the page's own checks
// (the review service's) are part of what was rendered, and their answer
// can change only with the store's state, which is in the key, and with
// files, when the page also lists a workspace's files (nil if not).
func (s *Server) cached(h echo.HandlerFunc, files filesVersion) echo.HandlerFunc {
	return func(c echo.Context) error {
		sess, r := currentSession(c), c.Request()
		if s.pages == nil || r.Method != http.MethodGet || sess == nil || currentUser(c) == nil || s.isDemo() {
			return h(c)
		}
		version, err := s.stateVersion(c)
		if err != nil {
			return h(c)
		}
		k := pageKey{session: sess.ID, uri: r.URL.RequestURI(), htmx: isHTMX(c), version: version}
		if files != nil {
			if k.files, err = files(c); err != nil {
				return h(c) // the page says why (not found, no access, a damaged manifest)
			}
		}
		if ck, err := r.Cookie(browserCookie); err == nil {
			k.browser = ck.Value
		}
		id, _ := c.Get(ctxRequestID).(string)
		p := s.pages.get(k, s.now())
		if p == nil && id != "" {
			if release := s.pages.claim(c, k); release != nil {
				defer release()
			} else {
				p = s.pages.get(k, s.now())
			}
		}
		if p != nil && id != "" {
			res := c.Response()
			for name, v := range p.header {
				res.Header()[name] = v
			}
			res.WriteHeader(http.StatusOK)
			for _, b := range [][]byte{p.before, []byte(id), p.after} {
				if _, err := res.Write(b); err != nil {
					return nil // the client went away
				}
			}
			return nil
		}
		res := c.Response()
		rec := &pageRecorder{ResponseWriter: res.Writer}
		res.Writer = rec
		err = h(c)
		res.Writer = rec.ResponseWriter
		if err != nil || c.Get(ctxNoCache) != nil || rec.status != http.StatusOK || id == "" {
			return err
		}
		header := res.Header().Clone()
		if _, ok := header["Set-Cookie"]; ok {
			return nil // it changed the session or the browser's cookie
		}
		delete(header, echo.HeaderXRequestID)
		body := rec.body.Bytes()
		if bytes.Count(body, []byte(id)) != 1 {
			return nil
		}
		at := bytes.Index(body, []byte(id))
		page := &cachedPage{key: k, header: header, before: bytes.Clone(body[:at]), after: bytes.Clone(body[at+len(id):])}
		if k, ok := c.Get(ctxClock).(*renderClock); ok {
			page.until = k.until
		}
		s.pages.put(page)
		return nil
	}
}

// isDemo reports a demo server, whose pages list the demo users as the
// users file holds them now: not in the store, so never cached.
func (s *Server) isDemo() bool {
	_, ok := s.deps.Auth.(DemoSwitcher)
	return ok
}

// pageRecorder keeps a copy of what the handler sends.
type pageRecorder struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (w *pageRecorder) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *pageRecorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	w.body.Write(b)
	return w.ResponseWriter.Write(b)
}

// renderClock gives a request's time-relative text ("3 minutes ago") and
// remembers until when all of it stays the same.
type renderClock struct {
	now   time.Time
	mu    sync.Mutex
	until time.Time
}

// Ago is ago at the request's time.
func (k *renderClock) Ago(v any) string {
	if t, ok := timeOf(v); ok {
		k.mu.Lock()
		if ch := agoChanges(k.now, t); k.until.IsZero() || ch.Before(k.until) {
			k.until = ch
		}
		k.mu.Unlock()
	}
	return ago(k.now, v)
}

// agoChanges is the first moment after now when ago(·, t) may read
// differently from ago(now, t): the next boundary of the unit it counts in.
func agoChanges(now, t time.Time) time.Time {
	unit := func(d time.Duration) time.Duration {
		switch {
		case d < time.Hour:
			return time.Minute
		case d < 48*time.Hour:
			return time.Hour
		}
		return 24 * time.Hour
	}
	if d := now.Sub(t); d >= 0 {
		u := unit(d)
		return t.Add((d/u + 1) * u)
	}
	r := t.Sub(now) // "in …": changes as r falls below a whole unit
	u := unit(r)
	return t.Add(-(r / u) * u)
}
