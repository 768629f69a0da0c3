package compare

import (
	"context"
	"fmt"
	"io"
	"math"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/airlock-project/airlock/airlock"
	"github.com/airlock-project/airlock/workspaces/content"
)

// maxFlagsListed bounds the flags listed per released table; all are counted.
const maxFlagsListed = 50

// SmallDifferences lists the changed cells whose values are both whole
// numbers differing by a non-zero amount of at most threshold: a count
// that subtraction reveals (differencing). It reads at most
// maxCountedRows changed rows back, lists at most limit cells and counts
// them all.
func (d *Table) SmallDifferences(ctx context.Context, threshold, limit int) ([]airlock.DifferenceFlag, int, error) {
	var changed []entry
	for _, i := range d.differing {
		if e := d.entries[i]; e.old >= 0 && e.new >= 0 {
			changed = append(changed, e)
		}
		if len(changed) == maxCountedRows {
			break
		}
	}
	var flags []airlock.DifferenceFlag
	total := 0
	for start := 0; start < len(changed); start += 1000 {
		batch := changed[start:min(len(changed), start+1000)]
		olds, news, err := d.readRows(ctx, batch)
		if err != nil {
			return nil, 0, err
		}
		for _, e := range batch {
			for _, c := range d.common {
				col := d.Columns[c]
				o, okO := count(cellAt(olds[int(e.old)], col.Old))
				n, okN := count(cellAt(news[int(e.new)], col.New))
				if !okO || !okN || o == n || math.Abs(n-o) > float64(threshold) {
					continue
				}
				total++
				if len(flags) < limit {
					flags = append(flags, airlock.DifferenceFlag{Row: int(e.new) + 1, Column: col.Name,
						Released: cellAt(olds[int(e.old)], col.Old), Current: cellAt(news[int(e.new)], col.New), Difference: n - o})
				}
			}
		}
	}
	return flags, total, nil
}

// count reads a cell holding a whole number.
func count(s string) (float64, bool) {
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || v != math.Trunc(v) || math.IsInf(v, 0) {
		return 0, false
	}
	return v, true
}

// Differencer compares tables with the tables released from their
// workspace before (airlock.Differencer), caching results by the two
// contents' hashes.
type Differencer struct {
	threshold int
	mu        sync.Mutex
	cache     map[string]airlock.DifferencingResult
}

// NewDifferencer flags differences of at most threshold (the backend's
// small-count threshold; 0 or less means 7).
func NewDifferencer(threshold int) *Differencer {
	if threshold <= 0 {
		threshold = 7
	}
	return &Differencer{threshold: threshold, cache: map[string]airlock.DifferencingResult{}}
}

// maxCached bounds the cached results; the cache starts again when full.
const maxCached = 1024

// tableFile reports whether a name is a CSV or TSV table.
func tableFile(name string) bool {
	switch strings.ToLower(path.Ext(name)) {
	case ".csv", ".tsv", ".tab":
		return true
	}
	return false
}

// Differencing compares the table in with each released table of the same
// path or, failing that, the same header. Files that are not CSV or TSV
// tables are not compared.
func (d *Differencer) Differencing(ctx context.Context, in airlock.CheckInput, released []airlock.ReleasedCandidate) ([]airlock.DifferencingResult, error) {
	if !tableFile(in.Name) {
		return nil, nil
	}
	var cur *content.Table
	var out []airlock.DifferencingResult
	for _, rc := range released {
		if !tableFile(rc.Path) || rc.FileID == in.Hash {
			continue
		}
		key := in.Hash + "|" + rc.FileID + "|" + rc.Path
		d.mu.Lock()
		res, ok := d.cache[key]
		d.mu.Unlock()
		if !ok {
			if cur == nil {
				f, err := in.Open()
				if err != nil {
					return nil, err
				}
				defer f.Close()
				if cur, err = openTable(f, in.Name, in.Size); err != nil {
					return nil, err
				}
			}
			var err error
			if res, ok, err = d.compare(ctx, cur, in.Name, rc); err != nil {
				return nil, err
			}
			if !ok {
				continue
			}
			d.mu.Lock()
			if len(d.cache) >= maxCached {
				d.cache = map[string]airlock.DifferencingResult{}
			}
			d.cache[key] = res
			d.mu.Unlock()
		}
		if res.Released.FileID != "" {
			res.Released = rc.ReleasedFile
			out = append(out, res)
		}
	}
	return out, nil
}

// compare compares cur with one released table, or reports (false) that
// it has neither the same path nor the same header. A result with no
// released file recorded means there was nothing to compare.
func (d *Differencer) compare(ctx context.Context, cur *content.Table, name string, rc airlock.ReleasedCandidate) (airlock.DifferencingResult, bool, error) {
	f, err := rc.Open()
	if err != nil {
		return airlock.DifferencingResult{}, false, err
	}
	defer f.Close()
	old, err := openTable(f, rc.Path, rc.Size)
	if err != nil {
		return airlock.DifferencingResult{}, false, err
	}
	res := airlock.DifferencingResult{SamePath: rc.Path == name, Threshold: d.threshold}
	if !res.SamePath && (len(old.Header()) == 0 || !slices.Equal(old.Header(), cur.Header())) {
		return res, true, nil // cached as "not comparable"
	}
	t, err := Tables(ctx, old, cur)
	if err != nil {
		return airlock.DifferencingResult{}, false, err
	}
	if res.Flags, res.Total, err = t.SmallDifferences(ctx, d.threshold, maxFlagsListed); err != nil {
		return airlock.DifferencingResult{}, false, err
	}
	res.Released = rc.ReleasedFile
	return res, true, nil
}

// openTable opens a stored file as a table.
func openTable(f io.ReadSeekCloser, name string, size int64) (*content.Table, error) {
	t, err := content.OpenTable(content.ReaderAt(f), size, content.TableOptionsFor(name))
	if err != nil {
		return nil, fmt.Errorf("compare %s: %w", name, err)
	}
	return t, nil
}

var _ airlock.Differencer = (*Differencer)(nil)
