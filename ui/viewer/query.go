package viewer

import (
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/airlock-project/airlock/workspaces/content"
)

// TableQuery is the state of a table view as it travels in a URL: the page
// query plus the columns the reader has hidden.
type TableQuery struct {
	content.Query
	// Hidden are 0-based column indexes not shown.
	Hidden []int
}

// Query parameter names of a table view.
const (
	ParamOffset    = "offset"
	ParamLimit     = "limit"
	ParamSort      = "sort"
	ParamDesc      = "desc"
	ParamFilter    = "q"
	ParamFilterCol = "fcol"
	ParamHide      = "hide"
)

// maxHidden bounds the hidden-column list read from a URL.
const maxHidden = 1000

// ParseTableQuery reads a table view's state from URL query values. Bad or
// missing values fall back to the defaults (first page, file order, no
// filter); it never fails.
func ParseTableQuery(v url.Values) TableQuery {
	q := TableQuery{Query: content.NewQuery()}
	atoi := func(name string, def int) int {
		n, err := strconv.Atoi(v.Get(name))
		if err != nil {
			return def
		}
		return n
	}
	q.Offset = atoi(ParamOffset, 0)
	q.Limit = atoi(ParamLimit, content.DefaultPageLimit)
	q.SortCol = atoi(ParamSort, -1)
	q.Desc = v.Get(ParamDesc) == "1"
	q.Filter = v.Get(ParamFilter)
	if len(q.Filter) > 1000 {
		q.Filter = q.Filter[:1000]
	}
	q.FilterCol = atoi(ParamFilterCol, -1)
	for _, s := range strings.Split(v.Get(ParamHide), ",") {
		if n, err := strconv.Atoi(s); err == nil && n >= 0 && len(q.Hidden) < maxHidden && !slices.Contains(q.Hidden, n) {
			q.Hidden = append(q.Hidden, n)
		}
	}
	slices.Sort(q.Hidden)
	q.Query = q.Query.Normalize()
	return q
}

// Values writes the state as URL query values, leaving out defaults, so
// that urlFor can be as simple as base + "?" + q.Values().Encode().
func (q TableQuery) Values() url.Values {
	v := url.Values{}
	if q.Offset > 0 {
		v.Set(ParamOffset, strconv.Itoa(q.Offset))
	}
	if q.Limit > 0 && q.Limit != content.DefaultPageLimit {
		v.Set(ParamLimit, strconv.Itoa(q.Limit))
	}
	if q.SortCol >= 0 {
		v.Set(ParamSort, strconv.Itoa(q.SortCol))
		if q.Desc {
			v.Set(ParamDesc, "1")
		}
	}
	if q.Filter != "" {
		v.Set(ParamFilter, q.Filter)
		if q.FilterCol >= 0 {
			v.Set(ParamFilterCol, strconv.Itoa(q.FilterCol))
		}
	}
	if len(q.Hidden) > 0 {
		s := make([]string, len(q.Hidden))
		for i, h := range q.Hidden {
			s[i] = strconv.Itoa(h)
		}
		v.Set(ParamHide, strings.Join(s, ","))
	}
	return v
}

func (q TableQuery) isHidden(col int) bool { return slices.Contains(q.Hidden, col) }

func (q TableQuery) clone() TableQuery {
	q.Hidden = slices.Clone(q.Hidden)
	return q
}
