package checks

import (
	"regexp"
	"slices"
	"strings"
	"unicode"
)

// structure is what the first rows say about the table as a whole: which
// columns hold labels, totals, numerators, bins and so on. Indexes are -1
// when absent.
type structure struct {
	// rowLabel is the column of statistic names in a table of
	// statistics by row ("n", "mean", "sd"); valueCol marks the columns
	// whose cells take their role from it.
	rowLabel int
	valueCol []bool
	// labelCol is the first column of text labels.
	labelCol int
	// totalCol is the column of row totals; rowParts the counts it adds up.
	totalCol int
	rowParts []int
	num, den int
	rates    []int
	// hasStatistics is set when some cell can be a statistic.
	hasStatistics bool
	histogram     bool
	// A dominance table: a sum with its largest contributions. Such
	// magnitudes are not counts.
	sumCol    int
	tops      []int
	magnitude []bool
	// A life table or survival curve.
	nRisk, nEvent, nCensor, surv, time int
	// A regression.
	dfResid, nobs, nParams, dfModel, coef int
	regressionLabels                      bool
	regression                            bool // any of the above
	// Long-table totals: dims are the dimension columns, groupDims those
	// whose total labels close lines, lineCols the counts in the lines.
	dims, groupDims, lineCols []int
	groupConfirmed            []bool // a total label was seen in groupDims[i]
}

func (s *structure) numDen() bool { return s.num >= 0 && s.den >= 0 }

var (
	intervalRE = regexp.MustCompile(`^(?:[\[(]\s*-?\d+(?:\.\d+)?\s*,\s*-?\d+(?:\.\d+)?\s*[\])]|-?\d+(?:\.\d+)?\s*(?:-|–|to)\s*-?\d+(?:\.\d+)?|\d+(?:\.\d+)?\s*\+|(?:<|<=|>|>=|≤|≥)\s*\d+(?:\.\d+)?)$`)
	bracketRE  = regexp.MustCompile(`^[\[(]`)

	top1Names = set("top1", "largest", "largest1", "max1", "firstlargest", "top1value")
	top2Names = set("top2", "largest2", "max2", "secondlargest", "second", "top2value")
	sumNames  = set("sum", "total", "sumvalue", "totalvalue", "valuesum", "sumofvalues")

	dfResidNames = set("dfresid", "dfresidual", "dfresiduals", "residualdf", "dofresid", "residualdegreesoffreedom")
	nobsNames    = set("nobs", "numobs", "observations", "noobservations", "nobservations", "numberofobservations")
	nParamsNames = set("nparams", "nparameters", "numparams", "numberofparameters")
	dfModelNames = set("dfmodel", "modeldf")
)

// flatten keeps the lower-case letters and digits of s.
func flatten(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func (c *Checker) structure() structure {
	n := len(c.cols)
	st := structure{rowLabel: -1, labelCol: -1, totalCol: -1, num: -1, den: -1, sumCol: -1,
		nRisk: -1, nEvent: -1, nCensor: -1, surv: -1, time: -1,
		dfResid: -1, nobs: -1, nParams: -1, dfModel: -1, coef: -1,
		valueCol: make([]bool, n), magnitude: make([]bool, n)}
	first := func(ok func(*column) bool) int {
		for _, col := range c.cols {
			if ok(col) {
				return col.idx
			}
		}
		return -1
	}

	// Labels: the first dimension column holding text, and a column of
	// statistic names if there is one.
	for _, col := range c.cols {
		if col.role != RoleDimension {
			continue
		}
		st.dims = append(st.dims, col.idx)
		text, stats, intervals, brackets, nonEmpty := 0, 0, 0, 0, 0
		statNames := map[string]bool{}
		for _, r := range c.prefix {
			if col.idx >= len(r) {
				continue
			}
			v := strings.TrimSpace(r[col.idx])
			if v == "" {
				continue
			}
			nonEmpty++
			if _, _, _, _, ok := parseNumber(v, false); !ok {
				text++
			}
			if rowLabelRole(v) != "" {
				stats++
				if len(statNames) < 2 {
					statNames[firstWord(v)] = true
				}
			}
			if len(v) < 40 && intervalRE.MatchString(v) {
				intervals++
				if bracketRE.MatchString(v) {
					brackets++
				}
			}
			if !st.regressionLabels && len(v) < 60 {
				f := flatten(v)
				st.regressionLabels = dfResidNames[f] || nobsNames[f]
			}
		}
		if text == 0 {
			continue
		}
		if st.labelCol < 0 {
			st.labelCol = col.idx
			// Bins: interval labels in the label column, written as
			// [10,20) anywhere, or as 10-20 and 90+ where the header
			// does not call them bands or groups.
			if nonEmpty >= 3 && intervals*10 >= nonEmpty*8 && (brackets*2 >= intervals || !col.hdr.isBand) {
				st.histogram = true
			}
		}
		if st.rowLabel < 0 && len(statNames) >= 2 && stats*2 >= nonEmpty {
			st.rowLabel = col.idx
		}
	}
	if st.rowLabel >= 0 {
		st.labelCol = st.rowLabel
		st.histogram = false
		for _, col := range c.cols {
			// The columns of such a table are usually variables ("age",
			// "bmi"): a header word makes a column a label only when it
			// is structural, such as a year or a code.
			if col.idx != st.rowLabel && col.role == RoleDimension && !col.declared && !col.silent && !col.hdr.structural {
				col.role, col.why = RoleStatistic, "a variable of a table of statistics by row"
			}
			st.valueCol[col.idx] = col.role.checked() && !col.declared
		}
		st.dims = slices.DeleteFunc(st.dims, func(d int) bool { return c.cols[d].role != RoleDimension })
	}
	if first(func(col *column) bool { return col.role == RoleDimension && col.hdr.isBin }) >= 0 {
		st.histogram = true
	}

	// Dominance: a sum and its largest contributions are magnitudes.
	st.sumCol = first(func(col *column) bool { return sumNames[col.hdr.flat] })
	if t1 := first(func(col *column) bool { return top1Names[col.hdr.flat] }); t1 >= 0 && st.sumCol >= 0 {
		st.tops = append(st.tops, t1)
		if t2 := first(func(col *column) bool { return top2Names[col.hdr.flat] }); t2 >= 0 {
			st.tops = append(st.tops, t2)
		}
		for _, j := range append([]int{st.sumCol}, st.tops...) {
			st.magnitude[j] = true
			if col := c.cols[j]; !col.declared {
				col.role, col.why = RoleStatistic, "a sum or largest contribution of a dominance table"
				col.looksMid6, col.silent = false, false
			}
		}
	} else {
		st.sumCol = -1
	}

	// Regression: degrees of freedom and parameters are not counts.
	st.dfResid = first(func(col *column) bool { return dfResidNames[col.hdr.flat] })
	st.nobs = first(func(col *column) bool { return nobsNames[col.hdr.flat] })
	st.nParams = first(func(col *column) bool { return nParamsNames[col.hdr.flat] })
	st.dfModel = first(func(col *column) bool { return dfModelNames[col.hdr.flat] })
	st.coef = first(func(col *column) bool { return col.role == RoleStatistic && col.hdr.isCoef })
	st.regression = st.regressionLabels || st.dfResid >= 0 || st.nobs >= 0 || st.nParams >= 0 || st.dfModel >= 0 || st.coef >= 0
	for _, j := range []int{st.dfResid, st.nParams, st.dfModel} {
		if j >= 0 && c.cols[j].silent {
			c.cols[j].role, c.cols[j].why = RoleStatistic, "degrees of freedom or parameters of a model"
			c.cols[j].looksMid6, c.cols[j].silent = false, false
		}
	}

	isCount := func(col *column) bool { return col.role.counts() && !st.magnitude[col.idx] }

	// Totals and the counts they add up.
	st.totalCol = first(func(col *column) bool { return isCount(col) && col.hdr.total })
	if st.totalCol >= 0 && st.sumCol < 0 {
		for _, col := range c.cols {
			if isCount(col) && !col.hdr.total && !col.hdr.isBase {
				st.rowParts = append(st.rowParts, col.idx)
			}
		}
		if len(st.rowParts) < 2 {
			st.rowParts = nil
		}
	}

	// Numerator and denominator, and the rates made of them.
	st.num = first(func(col *column) bool { return isCount(col) && col.hdr.isNumerator })
	st.den = first(func(col *column) bool { return isCount(col) && col.hdr.isDenominator })
	if st.den < 0 {
		st.den = first(func(col *column) bool { return isCount(col) && col.hdr.isPopulation })
	}
	if st.num < 0 && st.den >= 0 {
		var others []int
		for _, col := range c.cols {
			if isCount(col) && col.idx != st.den && !col.hdr.total && !col.hdr.isBase {
				others = append(others, col.idx)
			}
		}
		if len(others) == 1 {
			st.num = others[0]
		}
	}
	if !st.numDen() {
		st.num, st.den = -1, -1
	} else {
		for _, col := range c.cols {
			if col.role == RoleStatistic && col.hdr.isRate && !st.magnitude[col.idx] {
				st.rates = append(st.rates, col.idx)
			}
		}
	}
	for _, col := range c.cols {
		if col.role == RoleStatistic || st.valueCol[col.idx] {
			st.hasStatistics = true
		}
	}

	// Survival: events and censorings use the survival threshold.
	st.nRisk = first(func(col *column) bool { return isCount(col) && col.hdr.isNRisk })
	st.nEvent = first(func(col *column) bool { return isCount(col) && col.hdr.isNEvent })
	st.nCensor = first(func(col *column) bool { return isCount(col) && col.hdr.isNCensor })
	st.surv = first(func(col *column) bool { return col.role == RoleStatistic && col.hdr.isSurv })
	st.time = first(func(col *column) bool { return col.role == RoleDimension && col.hdr.isTime })
	if st.nRisk >= 0 || st.surv >= 0 {
		for _, j := range []int{st.nEvent, st.nCensor} {
			if j >= 0 {
				c.cols[j].threshold = c.s.survivalMin()
			}
		}
	}

	// Long-table totals follow a single dimension always, and dimensions
	// that are categories: with a total label in the first rows, or
	// speculatively with few values (see groupSet).
	if st.rowLabel < 0 {
		for _, col := range c.cols {
			if isCount(col) {
				st.lineCols = append(st.lineCols, col.idx)
			}
		}
		if len(st.lineCols) > 0 {
			for _, d := range st.dims {
				total, category := c.categoryOf(d)
				if total || category || len(st.dims) == 1 {
					st.groupDims = append(st.groupDims, d)
					st.groupConfirmed = append(st.groupConfirmed, total || len(st.dims) == 1)
				}
			}
		}
	}
	return st
}

// categoryOf reports whether a dimension has a total label in the first
// rows, and whether it is a category that may have one later: a few
// values, not all numbers (weeks and years are totalled over, rarely
// labelled "Total").
func (c *Checker) categoryOf(d int) (total, category bool) {
	seen := map[string]bool{}
	text := false
	for _, r := range c.prefix {
		if d >= len(r) {
			continue
		}
		v := strings.TrimSpace(r[d])
		if isTotalLabel(c.totals, v) {
			return true, true
		}
		if len(seen) <= categoryValues {
			seen[v] = true
		}
		if !text && v != "" {
			_, _, _, _, isNum := parseNumber(v, false)
			text = !isNum
		}
	}
	return false, text && len(seen) <= categoryValues
}
