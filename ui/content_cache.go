package ui

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

// tableEntry is one opened table. Its file is closed once it has left the
// cache and nobody uses it any more (refs counts the users, the cache's
// own reference included).
type tableEntry struct {
	key   string
	table *content.Table
	file  *os.File // nil for an uncached table read through the request
	refs  int      // guarded by tableCache.mu
	gone  bool     // evicted; guarded by tableCache.mu

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

// tableCache keeps opened tables by content hash, each with its own handle
// on the viewed file, so paging a large file reuses its row index.
type tableCache struct {
	mu  sync.Mutex
	max int
	ll  *list.List // of *tableEntry, most recent first
	m   map[string]*list.Element
}

func newTableCache(max int) *tableCache {
	return &tableCache{max: max, ll: list.New(), m: map[string]*list.Element{}}
}

// acquire returns the table of f, opening it if needed; the caller must
// release it. A file without a hash, or whose handle cannot be duplicated,
// is opened for this request only, reading through ra.
func (c *tableCache) acquire(f ViewFile, ra io.ReaderAt, opts content.TableOptions) (*tableEntry, error) {
	key := f.Hash + "|" + string(opts.Comma)
	if f.Hash != "" {
		c.mu.Lock()
		if el, ok := c.m[key]; ok {
			c.ll.MoveToFront(el)
			e := el.Value.(*tableEntry)
			e.refs++
			c.mu.Unlock()
			return e, nil
		}
		c.mu.Unlock()
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
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.m[key]; ok { // opened concurrently: use the cached one
		file.Close()
		c.ll.MoveToFront(el)
		old := el.Value.(*tableEntry)
		old.refs++
		return old, nil
	}
	e.refs++ // the cache's reference
	c.m[key] = c.ll.PushFront(e)
	for c.ll.Len() > c.max {
		el := c.ll.Back()
		old := el.Value.(*tableEntry)
		c.ll.Remove(el)
		delete(c.m, old.key)
		old.gone = true
		c.unref(old)
	}
	return e, nil
}

// retain adds a user to an acquired entry (a background pass).
func (c *tableCache) retain(e *tableEntry) {
	c.mu.Lock()
	e.refs++
	c.mu.Unlock()
}

// release drops one user of an entry.
func (c *tableCache) release(e *tableEntry) {
	if e.file == nil {
		return
	}
	c.mu.Lock()
	c.unref(e)
	c.mu.Unlock()
}

// unref drops a reference; c.mu must be held.
func (c *tableCache) unref(e *tableEntry) {
	e.refs--
	if e.refs == 0 && e.file != nil {
		e.file.Close()
	}
}

// close drops the cache's references, closing the files nobody uses.
func (c *tableCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for el := c.ll.Front(); el != nil; el = el.Next() {
		e := el.Value.(*tableEntry)
		e.gone = true
		c.unref(e)
	}
	c.ll.Init()
	c.m = map[string]*list.Element{}
}
