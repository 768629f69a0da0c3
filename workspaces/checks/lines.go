package checks

import (
	"fmt"
	"hash/maphash"
	"math"
	"slices"
)

// A line is a set of part cells and the total they add up to: the counts
// of a row with the row's total, the cells of a column (or of a long
// table's group) with its Total row, or the step of a life table. Lines
// whose cells are all known are judged as they close (total-differencing,
// class-disclosure); lines with redacted cells are kept, and solved at the
// end as a reader would: a line with one unknown gives it back, which can
// leave a crossing line with one unknown, and so on
// (recoverable-suppression).

type lineKind uint8

const (
	lineRow lineKind = iota
	lineColumn
	lineGroup
	lineLife
)

// lineAcc accumulates the parts of a line that is still open.
type lineAcc struct {
	sum            float64
	parts, nonzero int32
	nzRow, nzCol   int32
	rec            int32 // the line's record once it has an unknown part, else -1
	bad            bool  // a part is not a count: the line cannot be used
	mid            bool  // a part is a midpoint-6 range
	// A total that came before its parts (total-first groups).
	hasTot bool
	tot    totalCell
}

func newAcc() lineAcc { return lineAcc{rec: -1} }

// totalCell is the total that closes a line.
type totalCell struct {
	row, col int32
	known    bool
	v        float64
	unk      int32 // its unknown when redacted, else -1
	bad      bool
	raw      string
}

// lineRec is a closed line with unknown cells, kept to be solved.
type lineRec struct {
	kind   lineKind
	sum    float64 // of the known parts (recovered ones included)
	unk    int32   // unknown parts left
	xor    int32   // of the unknown parts' ids: the id itself when one is left
	totUnk int32   // the total's unknown while it is unknown, else -1
	total  float64
	totRow int32
	totCol int32
	closed bool
	done   bool
}

// unknownCell is a redacted count cell that takes part in lines.
type unknownCell struct {
	row, col   int32
	raw        string
	members    []member
	recovered  bool
	val        float64
	by         int32   // the line that gave it back, or -1
	asTotal    bool    // it was that line's total
	total, sum float64 // that line's total and known parts then
	how        string  // how it was worked out, when not by a line
}

type member struct {
	line  int32
	total bool
}

// group is one long-table group of one dimension: rows that agree on
// every other dimension. A group whose totals follow its parts is freed
// once its total closes it; a later row with the same labels starts anew.
type group struct {
	acc   []lineAcc // per structure.lineCols
	parts int32     // part rows since the last total
	mode  int8      // 0 not yet known, 1 totals after their parts, 2 before
	seq   int       // order first seen, for a deterministic end
}

// groupSet follows the groups of one dimension. A dimension with no total
// label in the first rows is followed speculatively: when it has more
// than speculativeGroups open groups it is dropped without a word, since
// no total of it was ever seen.
type groupSet struct {
	dim       int
	m         map[uint64]*group
	confirmed bool // a total label has been seen in the dimension
	// The group of the last row, which the next row usually shares.
	last    *group
	lastKey uint64
}

// speculativeGroups bounds the open groups of a dimension whose totals
// have not been seen.
const speculativeGroups = 10000

type lines struct {
	on       bool // the table has lines at all
	unknowns []unknownCell
	recs     []lineRec
	full     bool // too many unknown cells to follow

	groups  []*groupSet
	nGroups int // open groups of confirmed dimensions
	seq     int
	free    []*group // closed groups, to reuse
	off     bool     // groups were dropped past MaxGroups

	rowAcc lineAcc
	life   lifeStep
	// The last label of each dimension and its hash.
	lastDim []string
	hashed  []bool
}

// lifeStep is the previous step of a life table.
type lifeStep struct {
	has                  bool
	key                  uint64
	row                  int
	time                 float64
	timeOK               bool
	risk, event, censor  cell
	riskU, eventU, cnsrU int32
	surv                 float64
	survOK               bool
}

func (l *lines) init(c *Checker) {
	st := &c.st
	l.on = len(st.rowParts) > 0 || len(st.groupDims) > 0 || (st.nRisk >= 0 && st.nEvent >= 0)
	for k, d := range st.groupDims {
		l.groups = append(l.groups, &groupSet{dim: d, m: map[uint64]*group{}, confirmed: st.groupConfirmed[k]})
	}
	l.rowAcc = newAcc()
	l.lastDim = make([]string, len(c.cols))
	l.hashed = make([]bool, len(c.cols))
}

// usesAny reports whether any of these columns takes part in lines.
func (l *lines) usesAny(c *Checker, cols []int) bool {
	if !l.on {
		return false
	}
	st := &c.st
	for _, j := range cols {
		for _, k := range [][]int{st.rowParts, st.dims, st.lineCols, {st.totalCol, st.nRisk, st.nEvent, st.nCensor}} {
			for _, x := range k {
				if x == j {
					return true
				}
			}
		}
	}
	return false
}

// unknownAt registers the redacted cell of this row in column j, once per
// row; -1 when there are too many to follow.
func (l *lines) unknownAt(c *Checker, row, j int) int32 {
	if id := c.rowUnk[j]; id >= 0 {
		return id
	}
	if len(l.unknowns) >= max(c.s.MaxGroups, 1) {
		if !l.full {
			l.full = true
			c.out.note(fmt.Sprintf("The table has more than %d redacted counts in lines with totals; recoverable-suppression stopped following them at row %d.", max(c.s.MaxGroups, 1), row))
		}
		return -1
	}
	id := int32(len(l.unknowns))
	l.unknowns = append(l.unknowns, unknownCell{row: int32(row), col: int32(j), raw: c.cur[j].raw, by: -1})
	c.rowUnk[j] = id
	return id
}

func (l *lines) newRec(kind lineKind) int32 {
	l.recs = append(l.recs, lineRec{kind: kind, totUnk: -1})
	return int32(len(l.recs) - 1)
}

// addPart adds cell j of this row to a line.
func (l *lines) addPart(c *Checker, a *lineAcc, kind lineKind, row, j int) {
	if a.bad {
		return
	}
	cl := &c.cur[j]
	if c.cols[j].midpoint() {
		a.mid = true
	}
	switch {
	case cl.counted():
		a.sum += cl.v
		a.parts++
		if cl.v != 0 {
			a.nonzero++
			a.nzRow, a.nzCol = int32(row), int32(j)
		}
	case cl.suppressed():
		if id := l.unknownAt(c, row, j); id >= 0 {
			l.addUnknown(a, kind, id)
		} else {
			a.bad = true
		}
	default:
		a.bad = true
	}
}

// addUnknown adds a redacted part to a line, keeping the line's record.
func (l *lines) addUnknown(a *lineAcc, kind lineKind, id int32) {
	if a.rec < 0 {
		a.rec = l.newRec(kind)
	}
	r := &l.recs[a.rec]
	r.unk++
	r.xor ^= id
	l.unknowns[id].members = append(l.unknowns[id].members, member{line: a.rec})
	a.parts++
}

// totalOf reads cell j of this row as the total of a line.
func (l *lines) totalOf(c *Checker, row, j int) totalCell {
	cl := &c.cur[j]
	t := totalCell{row: int32(row), col: int32(j), unk: -1, raw: cl.raw}
	switch {
	case cl.counted():
		t.known, t.v = true, cl.v
	case cl.suppressed():
		t.unk = l.unknownAt(c, row, j)
		t.bad = t.unk < 0
	default:
		t.bad = true
	}
	return t
}

// close ends a line with its total, judging it at once when every cell is
// known, keeping it to be solved otherwise.
func (l *lines) close(c *Checker, a *lineAcc, kind lineKind, t totalCell) {
	defer func() { *a = newAcc() }()
	if a.bad || t.bad || a.parts == 0 {
		if a.rec >= 0 {
			l.recs[a.rec].done = true
		}
		return
	}
	if a.rec < 0 && t.known {
		l.judge(c, a, kind, t)
		return
	}
	if a.rec < 0 {
		a.rec = l.newRec(kind)
	}
	r := &l.recs[a.rec]
	r.sum, r.closed, r.totRow, r.totCol = a.sum, true, t.row, t.col
	if t.known {
		r.total = t.v
	} else {
		r.totUnk = t.unk
		l.unknowns[t.unk].members = append(l.unknowns[t.unk].members, member{line: a.rec, total: true})
	}
}

// judge applies total-differencing and class-disclosure to a line whose
// cells are all known.
func (l *lines) judge(c *Checker, a *lineAcc, kind lineKind, t totalCell) {
	if kind == lineLife {
		return
	}
	d := t.v - a.sum
	if ad := math.Abs(d); ad > 1e-9 && ad <= float64(c.s.SmallCountMax) && !a.mid {
		more := "more"
		if d < 0 {
			more = "less"
		}
		c.addLinef(Finding{Rule: RuleTotalDifferencing, Severity: Review, Row: int(t.row), Col: int(t.col), Value: t.raw}, func() string {
			return fmt.Sprintf("The total %s is %s %s than the %s it adds up (%s): the difference is a small group a reader can work out. Recompute totals from the released cells.",
				t.raw, formatNumber(ad), more, partsText(kind), formatNumber(a.sum))
		})
		return
	}
	if math.Abs(d) <= 1e-9 && a.parts >= 2 && a.nonzero == 1 && t.v > 0 {
		c.addLinef(Finding{Rule: RuleClassDisclosure, Severity: Review, Row: int(a.nzRow), Col: int(a.nzCol), Value: formatNumber(a.sum)}, func() string {
			return fmt.Sprintf("Every one of the %s counted in this %s is in this one category (the others are 0), which discloses it for all of them. Merge categories or explain why it is safe.",
				t.raw, lineText(kind))
		})
	}
}

func partsText(k lineKind) string {
	switch k {
	case lineRow:
		return "cells of its row"
	case lineColumn:
		return "cells of its column"
	}
	return "rows of its group"
}

func lineText(k lineKind) string {
	switch k {
	case lineRow:
		return "row"
	case lineColumn:
		return "column"
	}
	return "group"
}

// row follows the lines of one data row.
func (l *lines) row(c *Checker, row int, rowRole Role) {
	if !l.on {
		return
	}
	for i := range c.rowUnk {
		c.rowUnk[i] = -1
	}
	st := &c.st
	if len(st.rowParts) > 0 && (st.rowLabel < 0 || rowRole == RoleCount) {
		for _, j := range st.rowParts {
			l.addPart(c, &l.rowAcc, lineRow, row, j)
		}
		l.close(c, &l.rowAcc, lineRow, l.totalOf(c, row, st.totalCol))
	}
	if len(l.groups) > 0 && !l.off {
		l.groupRow(c, row)
	}
	if st.nRisk >= 0 && st.nEvent >= 0 {
		l.lifeRow(c, row)
	}
}

func (l *lines) groupRow(c *Checker, row int) {
	st := &c.st
	var all uint64
	for _, d := range st.dims {
		// Long tables repeat most labels from row to row: hash a label
		// only when it changes.
		if v := c.dimv[d]; v != l.lastDim[d] || !l.hashed[d] {
			l.lastDim[d], l.hashed[d] = v, true
			c.dimHash[d] = maphash.String(c.hashSeed, v) * (uint64(d)*2 + 0x9E3779B97F4A7C15)
		}
		all += c.dimHash[d]
	}
	kind := lineGroup
	if len(st.dims) == 1 {
		kind = lineColumn
	}
	for k := 0; k < len(l.groups); k++ {
		gs := l.groups[k]
		key := all - c.dimHash[gs.dim]
		isTotal := isTotalLabel(c.totals, c.dimv[gs.dim])
		if isTotal && !gs.confirmed {
			gs.confirmed = true
			l.nGroups += len(gs.m)
		}
		g := gs.last
		if g == nil || gs.lastKey != key {
			g = gs.m[key]
		}
		if g == nil {
			switch {
			case gs.confirmed && l.nGroups >= c.s.MaxGroups:
				l.dropGroups(c, row)
				return
			case !gs.confirmed && len(gs.m) >= speculativeGroups:
				l.dropSet(k)
				k--
				continue
			}
			if n := len(l.free); n > 0 {
				g, l.free = l.free[n-1], l.free[:n-1]
			} else {
				g = &group{acc: make([]lineAcc, len(st.lineCols))}
			}
			for i := range g.acc {
				g.acc[i] = newAcc()
			}
			g.parts, g.mode, g.seq = 0, 0, l.seq
			l.seq++
			gs.m[key] = g
			if gs.confirmed {
				l.nGroups++
			}
		}
		gs.last, gs.lastKey = g, key
		if !isTotal {
			for i, j := range st.lineCols {
				l.addPart(c, &g.acc[i], kind, row, j)
			}
			g.parts++
			continue
		}
		if g.mode == 0 {
			g.mode = 2
			if g.parts > 0 {
				g.mode = 1
			}
		}
		for i, j := range st.lineCols {
			t := l.totalOf(c, row, j)
			a := &g.acc[i]
			if g.mode == 1 {
				l.close(c, a, kind, t)
				continue
			}
			if a.hasTot {
				l.close(c, a, kind, a.tot)
			}
			a.hasTot, a.tot = true, t
		}
		g.parts = 0
		if g.mode == 1 {
			// Closed: free it for the next group.
			delete(gs.m, key)
			gs.last = nil
			if gs.confirmed {
				l.nGroups--
			}
			l.free = append(l.free, g)
		}
	}
}

// dropSet stops following the groups of one speculative dimension.
func (l *lines) dropSet(k int) {
	for _, g := range l.groups[k].m {
		l.abandon(g)
	}
	l.groups = append(l.groups[:k], l.groups[k+1:]...)
}

// abandon marks a group's open lines as unusable.
func (l *lines) abandon(g *group) {
	for i := range g.acc {
		if a := &g.acc[i]; a.rec >= 0 {
			l.recs[a.rec].done = true
		}
	}
}

// dropGroups stops following long-table groups past MaxGroups.
func (l *lines) dropGroups(c *Checker, row int) {
	for _, gs := range l.groups {
		for _, g := range gs.m {
			l.abandon(g)
		}
	}
	l.groups, l.off = nil, true
	c.out.note(fmt.Sprintf("The table has more than %d groups of rows open at once; recoverable-suppression and total-differencing were not run on the totals of its groups after row %d.", c.s.MaxGroups, row))
}

// lifeRow follows the life-table identity
// n_risk[t] = n_risk[t+1] + n_event[t] + n_censor[t] between this row and
// the previous one of the same stratum, and the survival estimate, which
// gives events back as n_risk·(1 − S[t]/S[t−1]).
func (l *lines) lifeRow(c *Checker, row int) {
	st := &c.st
	var key uint64
	for _, d := range st.dims {
		if d != st.time {
			key += maphash.String(c.hashSeed, c.dimv[d]) * (uint64(d)*2 + 0x9E3779B97F4A7C15)
		}
	}
	t, tOK := 0.0, false
	if st.time >= 0 {
		if v, _, _, _, ok := parseNumber(c.dimv[st.time], false); ok {
			t, tOK = v, true
		}
	}
	p := &l.life
	same := p.has && p.key == key && (!tOK || !p.timeOK || t > p.time)
	risk, event := &c.cur[st.nRisk], &c.cur[st.nEvent]
	if same && st.nCensor >= 0 {
		// The previous step's total is its number at risk; its parts are
		// this step's number at risk and the previous events and
		// censorings.
		a := newAcc()
		l.addPart(c, &a, lineLife, row, st.nRisk)
		l.addPrev(c, &a, p.event, p.eventU, p.row, st.nEvent)
		l.addPrev(c, &a, p.censor, p.cnsrU, p.row, st.nCensor)
		tot := totalCell{row: int32(p.row), col: int32(st.nRisk), unk: p.riskU, raw: p.risk.raw}
		switch {
		case p.risk.counted():
			tot.known, tot.v = true, p.risk.v
		case p.risk.suppressed() && p.riskU >= 0:
		default:
			tot.bad = true
		}
		l.close(c, &a, lineLife, tot)
	}
	surv, survOK := 0.0, false
	if st.surv >= 0 && c.cur[st.surv].kind == kindNumber {
		surv, survOK = c.cur[st.surv].v, true
		prev, prevOK := 1.0, true
		if same {
			prev, prevOK = p.surv, p.survOK
		}
		if event.suppressed() && risk.counted() && prevOK && prev > 0 {
			if e := risk.v * (1 - surv/prev); e >= 0.5 {
				if id := l.unknownAt(c, row, st.nEvent); id >= 0 {
					u := &l.unknowns[id]
					u.recovered, u.val, u.by = true, e, -1
					u.how = fmt.Sprintf("The survival estimate falls from %s to %s with %s at risk, so this step has about %s events", formatNumber(prev), c.cur[st.surv].raw, risk.raw, formatApprox(e))
				}
			}
		}
	}
	*p = lifeStep{has: true, key: key, row: row, time: t, timeOK: tOK, risk: *risk, event: *event,
		riskU: l.unknownIf(c, row, st.nRisk), eventU: l.unknownIf(c, row, st.nEvent), cnsrU: -1, surv: surv, survOK: survOK}
	if st.nCensor >= 0 {
		p.censor = c.cur[st.nCensor]
		p.cnsrU = l.unknownIf(c, row, st.nCensor)
	}
}

// unknownIf registers cell j of this row if it is redacted.
func (l *lines) unknownIf(c *Checker, row, j int) int32 {
	if c.cur[j].suppressed() {
		return l.unknownAt(c, row, j)
	}
	return -1
}

// addPrev adds a cell of the previous row to a line.
func (l *lines) addPrev(c *Checker, a *lineAcc, cl cell, id int32, row, j int) {
	if a.bad {
		return
	}
	switch {
	case cl.counted():
		a.sum += cl.v
		a.parts++
	case cl.suppressed() && id >= 0:
		l.addUnknown(a, lineLife, id)
	default:
		a.bad = true
	}
}

// finish closes the groups whose totals came first, then solves the lines.
func (l *lines) finish(c *Checker) {
	if !l.on {
		return
	}
	kind := lineGroup
	if len(c.st.dims) == 1 {
		kind = lineColumn
	}
	var open []*group
	for _, gs := range l.groups {
		for _, g := range gs.m {
			open = append(open, g)
		}
	}
	slices.SortFunc(open, func(a, b *group) int { return a.seq - b.seq })
	for _, g := range open {
		for k := range g.acc {
			a := &g.acc[k]
			if a.hasTot {
				l.close(c, a, kind, a.tot)
			} else if a.rec >= 0 {
				l.recs[a.rec].done = true
			}
		}
	}
	l.solve(c)
}

// solve works out redacted cells from lines with one unknown left, as a
// reader would, until nothing changes. A value worked out as zero or less
// means the total was computed without the cell: nothing is flagged and
// nothing follows from it.
func (l *lines) solve(c *Checker) {
	var queue []int32
	ready := func(id int32) bool {
		r := &l.recs[id]
		return r.closed && !r.done && ((r.unk == 1 && r.totUnk < 0) || (r.unk == 0 && r.totUnk >= 0))
	}
	for i := range l.recs {
		if ready(int32(i)) {
			queue = append(queue, int32(i))
		}
	}
	learn := func(uid int32, val float64, from int32) {
		u := &l.unknowns[uid]
		for _, m := range u.members {
			if m.line == from {
				continue
			}
			r := &l.recs[m.line]
			if r.done {
				continue
			}
			if m.total {
				if r.totUnk == uid {
					r.totUnk, r.total = -1, val
				}
			} else {
				r.unk--
				r.xor ^= uid
				r.sum += val
			}
			if ready(m.line) {
				queue = append(queue, m.line)
			}
		}
	}
	// Cells already worked out (from a survival estimate) come first.
	for i := range l.unknowns {
		if u := &l.unknowns[i]; u.recovered {
			l.flagRecovered(c, u)
			learn(int32(i), u.val, -1)
		}
	}
	for len(queue) > 0 {
		id := queue[0]
		queue = queue[1:]
		if !ready(id) {
			continue
		}
		r := &l.recs[id]
		r.done = true
		uid, val := r.xor, r.total-r.sum
		if r.totUnk >= 0 {
			uid, val = r.totUnk, r.sum
		}
		u := &l.unknowns[uid]
		if u.recovered || val <= 1e-9 {
			continue
		}
		u.recovered, u.val, u.by = true, val, id
		u.total, u.sum, u.asTotal = r.total, r.sum, r.totUnk == uid
		l.flagRecovered(c, u)
		learn(uid, val, id)
	}
}

// flagRecovered reports a redacted cell that a reader can work out.
func (l *lines) flagRecovered(c *Checker, u *unknownCell) {
	c.addLinef(Finding{Rule: RuleRecoverableSuppression, Severity: Fail, Row: int(u.row), Col: int(u.col), Value: u.raw, Recovered: formatApprox(u.val)}, func() string {
		how := u.how
		if u.by >= 0 {
			r := &l.recs[u.by]
			switch {
			case u.asTotal:
				how = fmt.Sprintf("The %s add up to %s, which gives this redacted total back", partsText(r.kind), formatApprox(u.sum))
			case r.kind == lineLife:
				how = fmt.Sprintf("The number at risk at row %d (%s), less the rest of that step, leaves %s", r.totRow, formatApprox(u.total), formatApprox(u.val))
			default:
				how = fmt.Sprintf("The total %s minus the other %s (%s) leaves %s", formatApprox(u.total), partsText(r.kind), formatApprox(u.sum), formatApprox(u.val))
			}
		}
		return fmt.Sprintf("%s: this redacted cell can be worked out (≈ %s). Recompute totals from the released cells, or redact a second cell in the same line.", how, formatApprox(u.val))
	})
}
