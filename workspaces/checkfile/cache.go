package checkfile

import (
	"container/list"
	"context"
	"errors"
	"maps"
	"path"
	"slices"
	"strings"
	"sync"

	"github.com/airlock-project/airlock/airlock"
	"github.com/airlock-project/airlock/workspaces/checks"
	"github.com/airlock-project/airlock/workspaces/content"
)

// Cache is the server's airlock.FileChecker: results are computed once per
// content hash and declared roles, and kept for the most recent files, so
// the author's page, the checkers' pages and the submit rule all see the
// result of the very bytes under review. Concurrent asks for the same
// file wait for one pass.
type Cache struct {
	settings checks.Settings
	max      int

	mu      sync.Mutex
	entries map[string]*list.Element
	order   *list.List // front: most recently used
}

type cacheEntry struct {
	key  string
	done chan struct{}
	res  *airlock.FileCheck
	err  error
}

// NewCache returns a cache of at most size results (0 means 256) checked
// with settings s.
func NewCache(s checks.Settings, size int) *Cache {
	if size <= 0 {
		size = 256
	}
	return &Cache{settings: s, max: size, entries: map[string]*list.Element{}, order: list.New()}
}

// Checks reports whether files of this name are read by the checks.
func (c *Cache) Checks(name string) bool {
	switch strings.ToLower(path.Ext(name)) {
	case ".csv", ".tsv", ".xlsx", ".html", ".htm", ".txt", ".log", ".md", ".svg", ".png", ".jpg", ".jpeg":
		return true
	}
	return false
}

// Roles lists the roles a researcher may declare.
func (c *Cache) Roles() []airlock.CheckRoleChoice {
	return []airlock.CheckRoleChoice{
		{Role: string(checks.RoleDimension), Label: "Not a count: a label, year, week, age or code"},
		{Role: string(checks.RoleCount), Label: "A count of people or events"},
		{Role: string(checks.RoleMidpoint6), Label: "A count rounded by midpoint-6"},
		{Role: string(checks.RoleMidpoint6Derived), Label: "Sums or differences of midpoint-6 counts"},
		{Role: string(checks.RoleStatistic), Label: "A statistic: a rate, percentage, mean or estimate"},
		{Role: string(checks.RoleExtreme), Label: "A minimum, maximum or range"},
	}
}

// CheckFile returns the result for a file's bytes, computing it on the
// first ask.
func (c *Cache) CheckFile(ctx context.Context, in airlock.CheckInput) (*airlock.FileCheck, error) {
	key := in.Hash + "|" + rolesKey(in.Roles) + "|" + path.Ext(strings.ToLower(in.Name))
	c.mu.Lock()
	if in.CachedOnly {
		defer c.mu.Unlock()
		if el, ok := c.entries[key]; ok && in.Hash != "" {
			e := el.Value.(*cacheEntry)
			select {
			case <-e.done:
				if e.err == nil {
					c.order.MoveToFront(el)
					return e.res, nil
				}
			default:
			}
		}
		return nil, nil
	}
	if el, ok := c.entries[key]; ok && in.Hash != "" {
		c.order.MoveToFront(el)
		e := el.Value.(*cacheEntry)
		c.mu.Unlock()
		select {
		case <-e.done:
			return e.res, e.err
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	e := &cacheEntry{key: key, done: make(chan struct{})}
	if in.Hash != "" {
		c.entries[key] = c.order.PushFront(e)
		for c.order.Len() > c.max {
			old := c.order.Back()
			c.order.Remove(old)
			delete(c.entries, old.Value.(*cacheEntry).key)
		}
	}
	c.mu.Unlock()
	e.res, e.err = c.compute(ctx, in)
	close(e.done)
	if e.err != nil {
		// A failed or cancelled pass is not kept: the next ask tries again.
		c.mu.Lock()
		if el, ok := c.entries[key]; ok && el.Value == e {
			c.order.Remove(el)
			delete(c.entries, key)
		}
		c.mu.Unlock()
	}
	return e.res, e.err
}

func (c *Cache) compute(ctx context.Context, in airlock.CheckInput) (*airlock.FileCheck, error) {
	rc, err := in.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	ra := content.ReaderAt(rc)
	var roles Roles
	if len(in.Roles) > 0 {
		roles = Roles(in.Roles)
	}
	f, err := Check(ctx, in.Name, ra, in.Size, c.settings, roles)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if ae := (*airlock.Error)(nil); errors.As(err, &ae) {
			return nil, err
		}
		return nil, airlock.Errorf(airlock.EINVALID, "%s %s.", path.Base(in.Name), strings.TrimSuffix(err.Error(), "."))
	}
	return ToDomain(f), nil
}

// ToDomain converts a file's result to the domain's types.
func ToDomain(f *File) *airlock.FileCheck {
	out := &airlock.FileCheck{RuleSet: checks.RuleSet, Figure: f.Figure}
	for _, r := range f.Reports {
		res := r.Result
		t := airlock.CheckTable{Sheet: r.Sheet, Header: r.Header, Rows: res.Rows, Fails: res.Fails, Reviews: res.Reviews,
			Notes: slices.Clone(res.Notes)}
		for _, col := range res.Columns {
			t.Columns = append(t.Columns, airlock.CheckColumn{Name: col.Name, Role: string(col.Role), Why: col.Why})
		}
		for _, fd := range res.Findings {
			t.Findings = append(t.Findings, airlock.CheckFinding{Rule: string(fd.Rule), Severity: string(fd.Severity),
				Row: fd.Row, Col: fd.Col, Column: fd.Column, Value: fd.Value, Recovered: fd.Recovered, Message: fd.Message})
		}
		out.Tables = append(out.Tables, t)
	}
	return out
}

// rolesKey is a stable spelling of declared roles for the cache key.
func rolesKey(roles map[string]map[string]string) string {
	var b strings.Builder
	for _, sheet := range slices.Sorted(maps.Keys(roles)) {
		for _, col := range slices.Sorted(maps.Keys(roles[sheet])) {
			b.WriteString(sheet + "\x00" + col + "\x00" + roles[sheet][col] + "\x01")
		}
	}
	return b.String()
}

var _ airlock.FileChecker = (*Cache)(nil)
