package preview

import "testing"

// fakeEntry counts how often it is closed.
type fakeEntry struct {
	cached
	closed int
}

func (e *fakeEntry) close() { e.closed++ }

func newFake(key string) *fakeEntry { return &fakeEntry{cached: cached{key: key, refs: 1}} }

// TestRefCache: an entry evicted while in use, or still in use when the
// cache closes, is closed by its last user's release and only then, once;
// an entry made twice for one key is closed and the cached one used; an
// entry used without the cache is closed on its release. release closes
// before it returns, so each check reads the state at once.
func TestRefCache(t *testing.T) {
	c := newRefCache[*fakeEntry](2)
	a, b, d := newFake("a"), newFake("b"), newFake("d")
	if got := c.add(a); got != a {
		t.Fatalf("add a returned %p, want a", got)
	}
	c.add(b)
	c.release(b) // only the cache holds b
	got, ok := c.get("a")
	if !ok || got != a {
		t.Fatalf("get a: %v %v", got, ok)
	}
	c.release(got)
	// a is the most recent: d evicts b, unused, which closes at once.
	c.add(d)
	if b.closed != 1 || !b.gone {
		t.Errorf("evicted unused entry: closed %d, gone %v", b.closed, b.gone)
	}
	if _, ok := c.get("b"); ok {
		t.Error("evicted entry still found")
	}

	// a is in use (the caller's first reference) and retained by a
	// background user; evicting it leaves it open until both release it.
	c.retain(a)
	e := newFake("e")
	c.add(e) // evicts a
	if !a.gone || a.closed != 0 {
		t.Fatalf("evicted entry in use: gone %v, closed %d", a.gone, a.closed)
	}
	c.release(a)
	if a.closed != 0 {
		t.Fatalf("closed with a user left")
	}
	c.release(a)
	if a.closed != 1 {
		t.Fatalf("after its last release: closed %d times, want 1", a.closed)
	}

	// The same key made twice: the second is closed, the first returned
	// with a reference for the caller.
	dup := newFake("e")
	if got := c.add(dup); got != e {
		t.Fatalf("add of a cached key returned the new entry")
	}
	if dup.closed != 1 {
		t.Errorf("duplicate closed %d times, want 1", dup.closed)
	}
	c.release(e) // add's reference for the duplicate's maker

	// Closing the cache closes what nobody uses and leaves what is in use
	// (d, e each hold their maker's reference) to its last release.
	c.release(d)
	c.close()
	if d.closed != 1 || e.closed != 0 || !e.gone {
		t.Fatalf("after close: d closed %d, e closed %d, gone %v", d.closed, e.closed, e.gone)
	}
	c.release(e)
	if e.closed != 1 {
		t.Errorf("in use at close: closed %d times after release, want 1", e.closed)
	}
	if _, ok := c.get("e"); ok {
		t.Error("entry found after close")
	}

	// Used without the cache: closed on its release.
	alone := newFake("")
	c.release(alone)
	if alone.closed != 1 {
		t.Errorf("uncached entry closed %d times, want 1", alone.closed)
	}
}
