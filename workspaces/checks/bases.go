package checks

import (
	"fmt"
	"hash/maphash"
	"math"
)

// block follows small-denominator in a table of statistics by row: the
// statistics of a block of rows (rows that agree on every other label)
// rest on the block's "n" row, column by column, wherever it comes.
type block struct {
	key     uint64
	started bool
	n       []cell // per column: the block's count, kindAbsent if none yet
	pending []pendingStat
}

type pendingStat struct {
	row, col int
	raw      string
}

func (b *block) row(c *Checker, row int, rowRole Role) {
	st := &c.st
	var key uint64
	for _, d := range st.dims {
		if d != st.rowLabel {
			key += maphash.String(c.hashSeed, c.dimv[d]) * (uint64(d)*2 + 0x9E3779B97F4A7C15)
		}
	}
	if !b.started || key != b.key {
		b.flush(c)
		b.started, b.key = true, key
		if b.n == nil {
			b.n = make([]cell, len(c.cols))
		}
		for i := range b.n {
			b.n[i] = cell{kind: kindAbsent, bound: -1}
		}
	}
	switch rowRole {
	case RoleCount:
		for i := range c.cols {
			if st.valueCol[i] && c.cur[i].kind != kindAbsent {
				b.n[i] = c.cur[i]
			}
		}
	case RoleStatistic:
		for i, col := range c.cols {
			cl := &c.cur[i]
			if !st.valueCol[i] || cl.kind != kindNumber {
				continue
			}
			if b.n[i].kind != kindAbsent {
				if c.isSmallBase(col, &b.n[i]) {
					c.flagSmallBase(row, col, cl, col, &b.n[i])
				}
			} else if len(b.pending) < maxPendingStats {
				b.pending = append(b.pending, pendingStat{row: row, col: i, raw: cl.raw})
			}
		}
	}
}

// flush judges the statistics that came before their block's "n" row.
func (b *block) flush(c *Checker) {
	for _, p := range b.pending {
		if base := &b.n[p.col]; base.kind != kindAbsent && c.isSmallBase(c.cols[p.col], base) {
			cl := cell{kind: kindNumber, raw: p.raw}
			c.flagSmallBase(p.row, c.cols[p.col], &cl, c.cols[p.col], base)
		}
	}
	b.pending = b.pending[:0]
}

// rateCheck follows rate-mismatch for one rate column: a rate shown
// beside its numerator and denominator should be computed from them, at
// whichever scale (1, 100, 1000, 100,000) fits most rows.
type rateCheck struct {
	col  int
	fits [len(rateScales)]scaleFit
	rows int
}

var rateScales = [...]float64{1, 100, 1000, 100000}

type scaleFit struct {
	exact, near int
	misses      []rateMiss
}

type rateMiss struct {
	row       int
	raw       string
	num, den  string
	expected  float64
	decimals  int
	plausible bool
}

func (rc *rateCheck) add(c *Checker, row int) {
	shown, n, d := &c.cur[rc.col], &c.cur[c.st.num], &c.cur[c.st.den]
	if shown.kind != kindNumber || !n.counted() || !d.counted() || d.v <= 0 {
		return
	}
	rc.rows++
	tol := 0.5*math.Pow(10, -float64(shown.decimals)) + 1e-12
	for k, s := range rateScales {
		f := &rc.fits[k]
		exp := s * n.v / d.v
		if math.Abs(shown.v-exp) <= tol*(1+1e-9) {
			f.exact++
			continue
		}
		plausible := exp > 0 && shown.v > 0 && math.Abs(shown.v/exp-1) < 0.5
		if plausible {
			f.near++
		}
		if len(f.misses) < maxListedPerColumn {
			f.misses = append(f.misses, rateMiss{row: row, raw: shown.raw, num: n.raw, den: d.raw, expected: exp, decimals: int(shown.decimals), plausible: plausible})
		}
	}
}

func (rc *rateCheck) finish(c *Checker) {
	best := -1
	for k := range rc.fits {
		if best < 0 || rc.fits[k].exact > rc.fits[best].exact ||
			(rc.fits[k].exact == rc.fits[best].exact && rc.fits[k].near > rc.fits[best].near) {
			best = k
		}
	}
	f := &rc.fits[best]
	// A column that fits no scale in most rows is not this numerator over
	// this denominator at all.
	if rc.rows == 0 || (f.exact+f.near)*2 < rc.rows {
		return
	}
	scale := ""
	if s := rateScales[best]; s != 1 {
		scale = " × " + formatNumber(s)
	}
	for _, m := range f.misses {
		if !m.plausible {
			continue
		}
		c.addf(Finding{Rule: RuleRateMismatch, Severity: Review, Row: m.row, Col: rc.col, Value: m.raw}, func() string {
			return fmt.Sprintf("%s does not match the counts shown: %s / %s%s = %s. Compute rates from the rounded, redacted counts that are released, not from the raw ones.",
				m.raw, m.num, m.den, scale, fmt.Sprintf("%.*f", max(m.decimals, 0)+1, m.expected))
		})
	}
}

// regression follows low-dof: a model's residual degrees of freedom,
// shown as such or as observations less parameters.
type regression struct {
	dfResid      []ref
	nobs, params ref
	dfModel      ref
	coefRows     int
}

type ref struct {
	row, col int
	v        float64
	raw      string
	ok       bool
}

func (g *regression) add(c *Checker, row int) {
	st := &c.st
	if !st.regression {
		return
	}
	num := func(j int) (ref, bool) {
		if j < 0 || c.cur[j].kind != kindNumber {
			return ref{}, false
		}
		return ref{row: row, col: j, v: c.cur[j].v, raw: c.cur[j].raw, ok: true}, true
	}
	if r, ok := num(st.dfResid); ok && len(g.dfResid) < maxListedPerColumn {
		g.dfResid = append(g.dfResid, r)
	}
	if r, ok := num(st.nobs); ok && !g.nobs.ok {
		g.nobs = r
	}
	if r, ok := num(st.nParams); ok && !g.params.ok {
		g.params = r
	}
	if r, ok := num(st.dfModel); ok && !g.dfModel.ok {
		g.dfModel = r
	}
	f := ""
	if st.regressionLabels && st.labelCol >= 0 && len(c.dimv[st.labelCol]) <= 60 {
		f = flatten(c.dimv[st.labelCol])
	}
	if f == "" || (!dfResidNames[f] && !nobsNames[f] && !nParamsNames[f] && !dfModelNames[f]) {
		if _, ok := num(st.coef); ok {
			g.coefRows++
		}
		return
	}
	{
		for j := range c.cols {
			r, ok := num(j)
			if !ok || c.cols[j].role == RoleDimension {
				continue
			}
			switch {
			case dfResidNames[f] && len(g.dfResid) < maxListedPerColumn:
				g.dfResid = append(g.dfResid, r)
			case nobsNames[f] && !g.nobs.ok:
				g.nobs = r
			case nParamsNames[f] && !g.params.ok:
				g.params = r
			case dfModelNames[f] && !g.dfModel.ok:
				g.dfModel = r
			}
			break
		}
	}
}

func (g *regression) finish(c *Checker) {
	min := float64(c.s.DoFMin)
	for _, r := range g.dfResid {
		if r.v < min {
			c.addf(Finding{Rule: RuleLowDoF, Severity: Review, Row: r.row, Col: r.col, Value: r.raw}, func() string {
				return fmt.Sprintf("The model has %s residual degrees of freedom, fewer than %d: its estimates can describe a handful of people. Check the model's population and parameters.", r.raw, c.s.DoFMin)
			})
		}
	}
	if len(g.dfResid) > 0 || !g.nobs.ok {
		return
	}
	params, what := 0.0, ""
	switch {
	case g.params.ok:
		params, what = g.params.v, "parameters"
	case g.dfModel.ok:
		params, what = g.dfModel.v+1, "parameters (model degrees of freedom plus the intercept)"
	case g.coefRows > 0:
		params, what = float64(g.coefRows), "coefficients shown"
	default:
		return
	}
	if dof := g.nobs.v - params; dof < min {
		c.addf(Finding{Rule: RuleLowDoF, Severity: Review, Row: g.nobs.row, Col: g.nobs.col, Value: g.nobs.raw}, func() string {
			return fmt.Sprintf("%s observations less %s %s leave %s residual degrees of freedom, fewer than %d: the estimates can describe a handful of people.", g.nobs.raw, formatNumber(params), what, formatNumber(dof), c.s.DoFMin)
		})
	}
}
