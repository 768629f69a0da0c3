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

// tableEntry is one opened table: a CSV file, or a converted sheet of a
// workbook. Its file (and sheet) are closed once it has left the cache and
// nobody uses it any more (refs counts the users, the cache's own
// reference included).
type tableEntry struct {
	key   string
	table *content.Table
	file  *os.File       // nil for an uncached table read through the request
	sheet *content.Sheet // the sheet whose Table this is; closed before file, which it reads
	refs  int            // guarded by tableCache.mu
	// inMemory marks a table read from memory (an empty stand-in), which
	// outlives the request that made it.
	inMemory bool
	gone     bool // evicted; guarded by tableCache.mu

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

// closeEntry releases what an entry holds, once nobody uses it.
func closeEntry(e *tableEntry) {
	if e.sheet != nil {
		e.sheet.Close() // stops the conversion, which reads e.file
	}
	if e.file != nil {
		e.file.Close()
	}
}

// tableCache keeps opened tables by content hash, each with its own handle
// on the viewed file, so paging a large file reuses its row index, sort
// orders and converted sheets. Evicted entries are closed when their last
// user releases them, so a request paging a table is never cut off.
type tableCache struct {
	mu  sync.Mutex
	max int
	ll  *list.List // of *tableEntry, most recent first
	m   map[string]*list.Element
}

func newTableCache(max int) *tableCache {
	return &tableCache{max: max, ll: list.New(), m: map[string]*list.Element{}}
}

// get returns the cached entry for key with a reference for the caller.
func (c *tableCache) get(key string) (*tableEntry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.m[key]
	if !ok {
		return nil, false
	}
	c.ll.MoveToFront(el)
	e := el.Value.(*tableEntry)
	e.refs++
	return e, true
}

// add caches e (which holds the caller's reference) and returns it, or, if
// an entry for its key was cached meanwhile, closes e and returns that one
// instead. Entries beyond max are evicted.
func (c *tableCache) add(e *tableEntry) *tableEntry {
	var closing []*tableEntry
	defer func() {
		for _, old := range closing {
			closeEntry(old)
		}
	}()
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.m[e.key]; ok { // opened concurrently: use the cached one
		closing = append(closing, e)
		c.ll.MoveToFront(el)
		old := el.Value.(*tableEntry)
		old.refs++
		return old
	}
	e.refs++ // the cache's reference
	c.m[e.key] = c.ll.PushFront(e)
	for c.ll.Len() > c.max {
		el := c.ll.Back()
		old := el.Value.(*tableEntry)
		c.ll.Remove(el)
		delete(c.m, old.key)
		old.gone = true
		if c.unref(old) {
			closing = append(closing, old)
		}
	}
	return e
}

// acquire returns the table of f, opening it if needed; the caller must
// release it. A file without a hash, or whose handle cannot be duplicated,
// is opened for this request only, reading through ra.
func (c *tableCache) acquire(f File, ra io.ReaderAt, opts content.TableOptions) (*tableEntry, error) {
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
	e := &tableEntry{key: key, table: t, file: file, refs: 1}
	if file == nil {
		return e, nil
	}
	return c.add(e), nil
}

// retain adds a user to an acquired entry (a background pass).
func (c *tableCache) retain(e *tableEntry) {
	c.mu.Lock()
	e.refs++
	c.mu.Unlock()
}

// release drops one user of an entry.
func (c *tableCache) release(e *tableEntry) {
	if e.file == nil && e.sheet == nil {
		return
	}
	c.mu.Lock()
	last := c.unref(e)
	c.mu.Unlock()
	if last {
		closeEntry(e)
	}
}

// unref drops a reference and reports whether it was the last; c.mu must
// be held.
func (c *tableCache) unref(e *tableEntry) bool {
	e.refs--
	return e.refs == 0
}

// close drops the cache's references, closing the entries nobody uses.
func (c *tableCache) close() {
	var closing []*tableEntry
	c.mu.Lock()
	for el := c.ll.Front(); el != nil; el = el.Next() {
		e := el.Value.(*tableEntry)
		e.gone = true
		if c.unref(e) {
			closing = append(closing, e)
		}
	}
	c.ll.Init()
	c.m = map[string]*list.Element{}
	c.mu.Unlock()
	for _, e := range closing {
		closeEntry(e)
	}
}
