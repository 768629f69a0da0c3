package preview

import (
	"container/list"
	"io"
	"os"
	"sync"

	"github.com/airlock-project/airlock/workspaces/content"
)

// lru is a small least-recently-used map, safe for concurrent use.
type lru[V any] struct {
	mu  sync.Mutex
	max int
	ll  *list.List // of *lruItem[V], most recent first
	m   map[string]*list.Element
}

type lruItem[V any] struct {
	key string
	val V
}

func newLRU[V any](max int) *lru[V] {
	return &lru[V]{max: max, ll: list.New(), m: map[string]*list.Element{}}
}

// get returns the value of key and marks it recently used.
func (c *lru[V]) get(key string) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.m[key]; ok {
		c.ll.MoveToFront(el)
		return el.Value.(*lruItem[V]).val, true
	}
	var zero V
	return zero, false
}

// put stores a value, dropping the least recently used beyond max.
func (c *lru[V]) put(key string, val V) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.m[key]; ok {
		el.Value.(*lruItem[V]).val = val
		c.ll.MoveToFront(el)
		return
	}
	c.m[key] = c.ll.PushFront(&lruItem[V]{key: key, val: val})
	for c.ll.Len() > c.max {
		el := c.ll.Back()
		c.ll.Remove(el)
		delete(c.m, el.Value.(*lruItem[V]).key)
	}
}

// cached is embedded in what a refCache keeps: its key and its users.
type cached struct {
	key  string
	refs int  // users, the cache's own reference included; guarded by the cache's mu
	gone bool // no longer in the cache (evicted, or the cache closed); guarded by the cache's mu
}

func (c *cached) state() *cached { return c }

// cacheEntry is what a refCache keeps: an entry with its own cached state,
// and what it holds to close once nobody uses it.
type cacheEntry interface {
	state() *cached
	close()
}

// refCache keeps entries by key, most recently used first, counting each
// one's users. An entry leaves the cache when more than max are kept, but
// is closed only when its last user releases it, so a request using an
// entry is never cut off. An entry may also be used without being cached
// (made with one reference and released, never added): it is closed on its
// release.
type refCache[E cacheEntry] struct {
	mu  sync.Mutex
	max int
	ll  *list.List // of E, most recent first
	m   map[string]*list.Element
}

func newRefCache[E cacheEntry](max int) *refCache[E] {
	return &refCache[E]{max: max, ll: list.New(), m: map[string]*list.Element{}}
}

// get returns the cached entry for key with a reference for the caller.
func (c *refCache[E]) get(key string) (E, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.m[key]
	if !ok {
		var zero E
		return zero, false
	}
	c.ll.MoveToFront(el)
	e := el.Value.(E)
	e.state().refs++
	return e, true
}

// add caches e (which holds the caller's reference) under its key and
// returns it, or, if an entry for its key was cached meanwhile, closes e
// and returns that one instead, with a reference for the caller. Entries
// beyond max leave the cache, closed if nobody uses them.
func (c *refCache[E]) add(e E) E {
	var closing []E
	defer func() {
		for _, old := range closing {
			old.close()
		}
	}()
	c.mu.Lock()
	defer c.mu.Unlock()
	st := e.state()
	if el, ok := c.m[st.key]; ok { // made concurrently: use the cached one
		closing = append(closing, e)
		c.ll.MoveToFront(el)
		old := el.Value.(E)
		old.state().refs++
		return old
	}
	st.refs++ // the cache's reference
	c.m[st.key] = c.ll.PushFront(e)
	for c.ll.Len() > c.max {
		el := c.ll.Back()
		old := el.Value.(E)
		c.ll.Remove(el)
		ost := old.state()
		delete(c.m, ost.key)
		ost.gone = true
		if ost.refs--; ost.refs == 0 {
			closing = append(closing, old)
		}
	}
	return e
}

// retain adds a user to an entry the caller holds (a background pass).
func (c *refCache[E]) retain(e E) {
	c.mu.Lock()
	e.state().refs++
	c.mu.Unlock()
}

// release drops one user of an entry, closing it if that was the last.
// The entry is closed before release returns.
func (c *refCache[E]) release(e E) {
	c.mu.Lock()
	st := e.state()
	st.refs--
	last := st.refs == 0
	c.mu.Unlock()
	if last {
		e.close()
	}
}

// close drops the cache's references, closing the entries nobody uses;
// the others are closed by their last user's release.
func (c *refCache[E]) close() {
	var closing []E
	c.mu.Lock()
	for el := c.ll.Front(); el != nil; el = el.Next() {
		e := el.Value.(E)
		st := e.state()
		st.gone = true
		if st.refs--; st.refs == 0 {
			closing = append(closing, e)
		}
	}
	c.ll.Init()
	c.m = map[string]*list.Element{}
	c.mu.Unlock()
	for _, e := range closing {
		e.close()
	}
}

// tableEntry is one opened table: a CSV file, or a converted sheet of a
// workbook. Its file (and sheet) are closed once it has left the cache and
// nobody uses it any more.
type tableEntry struct {
	cached
	table *content.Table
	file  *os.File       // nil for an uncached table read through the request
	sheet *content.Sheet // the sheet whose Table this is; closed before file, which it reads
	// inMemory marks a table read from memory (an empty stand-in), which
	// outlives the request that made it.
	inMemory bool

	mu      sync.Mutex
	st      *content.Stats
	running bool // a background pass has started and not failed
}

func (e *tableEntry) stats() *content.Stats {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.st
}

func (e *tableEntry) setStats(st *content.Stats) {
	e.mu.Lock()
	e.st = st
	e.mu.Unlock()
}

// startBackground reports whether the caller should start the background
// pass: true once per entry (again after a failed pass).
func (e *tableEntry) startBackground() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.running || e.st != nil || e.file == nil {
		return false
	}
	e.running = true
	return true
}

func (e *tableEntry) backgroundFailed() {
	e.mu.Lock()
	e.running = false
	e.mu.Unlock()
}

// close releases what an entry holds, once nobody uses it.
func (e *tableEntry) close() {
	if e.sheet != nil {
		e.sheet.Close() // stops the conversion, which reads e.file
	}
	if e.file != nil {
		e.file.Close()
	}
}

// tableCache keeps opened tables by content hash, each with its own handle
// on the viewed file, so paging a large file reuses its row index, sort
// orders and converted sheets.
type tableCache = refCache[*tableEntry]

func newTableCache(max int) *tableCache { return newRefCache[*tableEntry](max) }

// acquireTable returns the table of f from c, opening it if needed; the
// caller must release it. A file without a hash, or whose handle cannot be
// duplicated, is opened for this request only, reading through ra.
func acquireTable(c *tableCache, f File, ra io.ReaderAt, opts content.TableOptions) (*tableEntry, error) {
	key := f.Hash + "|" + string(opts.Comma)
	if f.Hash != "" {
		if e, ok := c.get(key); ok {
			return e, nil
		}
	}
	var file *os.File
	if osf, ok := f.Content.(*os.File); ok && f.Hash != "" {
		if dup, err := dupFile(osf); err == nil {
			file, ra = dup, dup
		}
	}
	t, err := content.OpenTable(ra, f.Size, opts)
	if err != nil {
		if file != nil {
			file.Close()
		}
		return nil, err
	}
	e := &tableEntry{cached: cached{key: key, refs: 1}, table: t, file: file}
	if file == nil {
		return e, nil
	}
	return c.add(e), nil
}
