package checks

import (
	"fmt"
	"hash/maphash"
	"math"
	"strconv"
	"strings"
)

// Limits of one table's check. They bound memory, never correctness of
// what is reported: anything skipped is said in Result.Notes.
const (
	// prefixRows and prefixBytes bound the rows held back to decide the
	// column roles before any rule runs; a table this short is checked
	// with roles decided from all of it.
	prefixRows  = 1000
	prefixBytes = 4 << 20
	// MaxColumns bounds the columns checked, as the table viewer does.
	MaxColumns = 500
	// maxListedPerColumn bounds the findings listed per rule and column,
	// and maxListed those listed per table; all are counted.
	maxListedPerColumn = 1000
	maxListed          = 100000
	// maxPendingStats bounds the statistics of one block of a table of
	// statistics by row that wait for the block's "n" row.
	maxPendingStats = 256
	// categoryValues is the most distinct values a dimension may take in
	// the first rows and still be followed for long-table totals.
	categoryValues = 64
)

// Checker checks one table fed row by row. Create it with New, call Add
// for every data row in order, then Result once. Memory is bounded by the
// number of columns and of long-table groups (Settings.MaxGroups), never by
// the number of rows. A Checker is not safe for concurrent use.
type Checker struct {
	s        Settings
	mk       *markers
	totals   []string
	header   []string
	declared map[string]Role

	cols  []*column
	rows  int
	extra bool // a row had more cells than the columns checked

	prefix      [][]string
	prefixBytes int
	ready       bool

	st structure

	cur    []cell
	dimv   []string
	eff    []roleKind
	rowUnk []int32

	out outbox

	spellingOf map[string]int // normalised spelling → index in spellings
	spellings  []string       // as first written

	lines lines

	block       block
	rates       []*rateCheck
	reg         regression
	result      *Result
	hashSeed    maphash.Seed
	dimHash     []uint64
	lastLabel   string
	lastExtreme bool
	rowBase     int // the first small or redacted count of this row, or -1
}

// column is what the checker knows about one column.
type column struct {
	name     string
	idx      int
	hdr      header
	role     Role
	rk       roleKind // role, for the per-cell paths
	why      string
	declared bool
	silent   bool      // the role comes from the values
	inf      inference // the values so far, for silent columns
	commas   bool      // thousands commas are stripped
	// looksMid6 marks a count column that is midpoint-6 rounded
	// without saying so.
	looksMid6 bool
	threshold int // small-count threshold of its cells
	// Histogram edges: the first and last non-empty bins.
	firstBin, lastBin binRef
}

type binRef struct {
	row     int
	raw     string
	flagged bool
}

// scheme is how a count column must be rounded.
func (c *column) scheme() roleKind {
	if c.rk == rkCount && c.looksMid6 {
		return rkMidpoint6
	}
	return c.rk
}

// midpoint reports whether the column's values are midpoint-6 ranges.
func (c *column) midpoint() bool {
	s := c.scheme()
	return s == rkMidpoint6 || s == rkMidpoint6Derived
}

// New starts checking a table with this header. Columns beyond MaxColumns
// are not checked (a note says so). Settings that fail Validate are
// replaced by DefaultSettings, so a mistake never turns the checks off;
// validate them where they are configured.
func New(header []string, s Settings) *Checker {
	if s.Validate() != nil {
		s = DefaultSettings()
	}
	c := &Checker{s: s, mk: newMarkers(s), declared: map[string]Role{}, hashSeed: maphash.MakeSeed()}
	for _, l := range s.TotalLabels {
		c.totals = append(c.totals, normalizeLabel(l))
	}
	c.spellingOf = map[string]int{}
	for i, h := range header {
		if i >= MaxColumns {
			c.out.note(fmt.Sprintf("The table has %d columns; only the first %d are checked.", len(header), MaxColumns))
			break
		}
		c.addColumn(h)
	}
	return c
}

// Declare records a researcher's role for the column with this header,
// which wins over anything the checks would infer. It must be called
// before the first Add; it reports false for an unknown role.
func (c *Checker) Declare(header string, r Role) bool {
	if !r.Valid() || c.ready || len(c.prefix) > 0 {
		return false
	}
	c.declared[header] = r
	return true
}

func (c *Checker) addColumn(name string) {
	col := &column{name: name, idx: len(c.cols), hdr: readHeader(name, c.totals, c.s)}
	col.threshold = c.s.SmallCountMax
	c.cols = append(c.cols, col)
	c.header = append(c.header, name)
}

// Add checks one data row. Cells beyond the header are checked under
// added columns named "Column N" while the roles are being decided (the
// first rows), and ignored after that, with a note. Add does not keep row
// once the roles are decided.
func (c *Checker) Add(row []string) { c.AddNumbers(row, nil) }

// AddNumbers is Add for a row whose cells the caller has read as numbers
// already (see Number), one per cell, so that the checks need not parse
// them again; nil nums is Add. It does not keep nums.
func (c *Checker) AddNumbers(row []string, nums []Number) {
	if c.result != nil {
		return
	}
	if len(nums) < len(row) {
		nums = nil
	}
	if !c.ready {
		for len(row) > len(c.cols) && len(c.cols) < MaxColumns {
			c.addColumn("Column " + strconv.Itoa(len(c.cols)+1))
		}
		kept := append([]string(nil), row...)
		c.prefix = append(c.prefix, kept)
		for _, s := range row {
			c.prefixBytes += len(s) + 16
		}
		if len(c.prefix) >= prefixRows || c.prefixBytes >= prefixBytes {
			c.start()
		}
		return
	}
	c.rows++
	c.process(c.rows, row, nums)
}

// start decides the roles from the rows held back, then checks them.
func (c *Checker) start() {
	c.decide()
	c.ready = true
	pre := c.prefix
	c.prefix, c.prefixBytes = nil, 0
	for _, r := range pre {
		c.rows++
		c.process(c.rows, r, nil)
	}
}

// Result finishes the check and returns what it found. Later calls return
// the same result; Add does nothing after it.
func (c *Checker) Result() *Result {
	if c.result != nil {
		return c.result
	}
	if !c.ready {
		c.start()
	}
	c.finish()
	r := &Result{RuleSet: RuleSet, Rows: c.rows}
	for _, col := range c.cols {
		r.Columns = append(r.Columns, Column{Name: col.name, Role: col.role, Why: col.why, Total: col.hdr.total && col.role.counts(), LooksMidpoint6: col.looksMid6})
	}
	r.Findings, r.Fails, r.Reviews, r.Notes = c.out.done(c.header)
	c.result = r
	return r
}

// decide settles every column's role and the table's structure from the
// rows held back.
func (c *Checker) decide() {
	for _, col := range c.cols {
		c.decideColumn(col)
	}
	c.st = c.structure()
	n := len(c.cols)
	c.cur = make([]cell, n)
	c.dimv = make([]string, n)
	c.eff = make([]roleKind, n)
	for _, col := range c.cols {
		col.rk = kindOfRole(col.role)
	}
	c.rowUnk = make([]int32, n)
	c.dimHash = make([]uint64, n)
	c.lines.init(c)
	for _, j := range c.st.rates {
		c.rates = append(c.rates, &rateCheck{col: j})
	}
}

func (c *Checker) decideColumn(col *column) {
	i := col.idx
	// Thousands commas count only if the column writes every large
	// number with them, and no comma any other way.
	var grouped, plainBig, badComma int
	for _, r := range c.prefix {
		if i >= len(r) {
			continue
		}
		s := strings.TrimSpace(r[i])
		if strings.IndexByte(s, ',') >= 0 {
			if _, _, _, _, ok := parseNumber(s, true); ok {
				grouped++
			} else if looksNumeric(s) {
				badComma++
			}
		} else if v, whole, _, _, ok := parseNumber(s, false); ok && whole && math.Abs(v) >= 1000 {
			plainBig++
		}
	}
	col.commas = grouped > 0 && plainBig == 0 && badComma == 0

	if r, ok := c.declared[col.name]; ok {
		col.role, col.why, col.declared = r, "declared by the researcher", true
	} else if col.hdr.role != "" {
		col.role, col.why = col.hdr.role, col.hdr.why
	} else {
		var in inference
		for _, r := range c.prefix {
			cl := c.cellAt(r, col)
			in.add(&cl)
		}
		col.role, col.why = in.decide()
		col.silent = true
	}
	if col.role == RoleCount && c.s.AcceptMidpoint6 && !col.declared {
		col.looksMid6 = c.looksMidpoint6(col)
	}
}

// looksMidpoint6 reports whether the column's first values are all 0 or
// 3 mod 6, with three or more non-zero and one or more that only
// midpoint-6 explains (9, 21, 27: above 3 and not a multiple of 5), so
// that a raw column of 0s and 3s is not excused.
func (c *Checker) looksMidpoint6(col *column) bool {
	nonZero, not5 := 0, 0
	for _, r := range c.prefix {
		cl := c.cellAt(r, col)
		if !cl.counted() {
			continue
		}
		v := int64(cl.v)
		if v == 0 {
			continue
		}
		if (v-3)%6 != 0 {
			return false
		}
		nonZero++
		if v > 3 && v%5 != 0 {
			not5++
		}
	}
	return nonZero >= 3 && not5 >= 1
}

func (c *Checker) cellAt(r []string, col *column) cell {
	if col.idx >= len(r) {
		return cell{kind: kindAbsent, bound: -1}
	}
	var cl cell
	c.mk.parseCell(&cl, r[col.idx], col.commas)
	return cl
}

// looksNumeric reports whether s is digits, commas, points and a sign,
// such as "1,5" (a decimal comma) or "12,34".
func looksNumeric(s string) bool {
	digits := 0
	for i := 0; i < len(s); i++ {
		switch ch := s[i]; {
		case ch >= '0' && ch <= '9':
			digits++
		case ch == ',' || ch == '.' || ch == '-' || ch == '+' || ch == ' ':
		default:
			return false
		}
	}
	return digits > 0
}

// process checks one data row once the roles are decided; nums, if not
// nil, are its cells read as numbers.
func (c *Checker) process(rowNum int, row []string, nums []Number) {
	if len(row) > len(c.cols) && !c.extra {
		c.extra = true
		if len(c.cols) < MaxColumns {
			c.out.note(fmt.Sprintf("Row %d has more cells than the first rows; cells beyond column %d are not checked.", rowNum, len(c.cols)))
		}
	}
	st := &c.st
	for i, col := range c.cols {
		if i >= len(row) {
			c.cur[i] = cell{kind: kindAbsent, bound: -1}
			c.dimv[i] = ""
			continue
		}
		if col.rk == rkDimension && !col.silent {
			c.dimv[i] = strings.TrimSpace(row[i])
			continue
		}
		if col.rk == rkDimension && col.inf.texts > 0 && col.inf.texts*10 > col.inf.numbers {
			// A text column stays text whatever follows.
			c.dimv[i] = strings.TrimSpace(row[i])
			c.cur[i] = cell{kind: kindText, raw: c.dimv[i], bound: -1}
			col.inf.texts++
			continue
		}
		if nums != nil {
			c.mk.readCell(&c.cur[i], row[i], &nums[i], col.commas)
		} else {
			c.mk.parseCell(&c.cur[i], row[i], col.commas)
		}
		if col.rk == rkDimension {
			c.dimv[i] = c.cur[i].raw
		}
		if col.silent {
			col.inf.add(&c.cur[i])
		}
	}

	// Roles of this row's cells: a table of statistics by row gives each
	// row its own, and a row labelled "max" or "min" holds extremes.
	rowRole := Role("")
	if st.rowLabel >= 0 {
		rowRole = rowLabelRole(c.dimv[st.rowLabel])
	}
	extremeRow := false
	if st.labelCol >= 0 {
		// Long tables repeat their labels row after row.
		if label := c.dimv[st.labelCol]; label != c.lastLabel || rowNum == 1 {
			c.lastLabel, c.lastExtreme = label, hasExtremeWord(label)
		}
		extremeRow = c.lastExtreme
	}
	rowKind := kindOfRole(rowRole)
	c.rowBase = -1
	for i, col := range c.cols {
		r := col.rk
		if st.rowLabel >= 0 && rowKind != rkNone && st.valueCol[i] {
			r = rowKind
		}
		if extremeRow && r > rkDimension {
			r = rkExtreme
		}
		c.eff[i] = r
		switch {
		case r.counts():
			c.countCell(rowNum, col, &c.cur[i], r)
			if c.rowBase < 0 && c.isSmallBase(col, &c.cur[i]) {
				c.rowBase = i
			}
		case r == rkStatistic:
			c.statisticCell(rowNum, col, &c.cur[i])
		case r == rkExtreme:
			c.extremeCell(rowNum, col, &c.cur[i], extremeRow, st.labelCol)
		}
	}
	c.smallBases(rowNum, rowRole)
	for _, rc := range c.rates {
		rc.add(c, rowNum)
	}
	c.numeratorDenominator(rowNum)
	c.dominance(rowNum)
	c.reg.add(c, rowNum)
	c.lines.row(c, rowNum, rowRole)
}

// countCell applies small-count (or low-count-bin), unrounded-count and
// the marker rules to a count cell.
func (c *Checker) countCell(row int, col *column, cl *cell, role roleKind) {
	switch cl.kind {
	case kindExplicit:
		c.markerCell(row, col, cl)
		return
	case kindAmbiguous:
		c.ambiguousCell(row, col, cl, "count")
		return
	case kindText:
		c.addf(Finding{Rule: RuleRedactionMarker, Severity: Review, Row: row, Col: col.idx, Value: cl.raw}, func() string {
			return fmt.Sprintf("%q is neither a number nor a redaction marker in a count column: write the count, or [REDACTED] if it is hidden.", clip(cl.raw))
		})
		return
	}
	if !cl.counted() {
		return
	}
	if cl.hasPct && (cl.pct == 100 || (cl.pct == 0 && c.s.ZerosAreDisclosive && cl.v == 0)) && !c.st.numDen() {
		c.addf(Finding{Rule: RuleClassDisclosure, Severity: Review, Row: row, Col: col.idx, Value: cl.raw}, func() string {
			return fmt.Sprintf("%s%% of the group share this: everyone in the group can be told apart by it. Merge categories or explain why it is safe.", formatNumber(cl.pct))
		})
	}
	v := cl.v
	scheme := role
	if role == col.rk {
		scheme = col.scheme()
	}
	if (scheme == rkMidpoint6 && v == 3) || (scheme == rkMidpoint6Derived && v == 6) {
		return // a range label, not a true count
	}
	thr := float64(col.threshold)
	if c.st.histogram && col.rk.counts() {
		if v == 0 {
			return // empty bins are ignored
		}
		flagged := v <= thr
		if col.firstBin.row == 0 {
			col.firstBin = binRef{row: row, raw: cl.raw, flagged: flagged}
		}
		col.lastBin = binRef{row: row, raw: cl.raw, flagged: flagged}
		if flagged {
			c.addf(Finding{Rule: RuleLowCountBin, Severity: Fail, Row: row, Col: col.idx, Value: cl.raw}, func() string {
				return fmt.Sprintf("This bin holds %s, at or below %d: merge it with a neighbouring bin.", cl.count(), col.threshold)
			})
			return
		}
	} else if (v > 0 || c.s.ZerosAreDisclosive) && v <= thr {
		c.addf(Finding{Rule: RuleSmallCount, Severity: Fail, Row: row, Col: col.idx, Value: cl.raw}, func() string {
			if v == 0 {
				return "0 is a disclosive zero under this backend's settings: redact it or merge categories."
			}
			return fmt.Sprintf("%s is at or below %d: redact it or merge categories.", cl.count(), col.threshold)
		})
		return
	}
	if v == 0 || v >= 1<<53 {
		return
	}
	iv := int64(v)
	sev := Fail
	if !c.s.RequireRounding {
		sev = Review
	}
	switch scheme {
	case rkMidpoint6:
		if (iv-3)%6 != 0 {
			c.addf(Finding{Rule: RuleUnroundedCount, Severity: sev, Row: row, Col: col.idx, Value: cl.raw}, func() string {
				return fmt.Sprintf("%s does not fit midpoint-6 rounding (0, 3, 9, 15, 21, …): round it as the rest of the column is.", cl.count())
			})
		}
	case rkMidpoint6Derived:
		if iv%6 != 0 {
			c.addf(Finding{Rule: RuleUnroundedCount, Severity: sev, Row: row, Col: col.idx, Value: cl.raw}, func() string {
				return fmt.Sprintf("%s is not a multiple of 6, as values derived from midpoint-6 counts are: derive it from the rounded counts.", cl.count())
			})
		}
	default:
		if base := int64(c.s.RoundingBase); iv%base != 0 {
			c.addf(Finding{Rule: RuleUnroundedCount, Severity: sev, Row: row, Col: col.idx, Value: cl.raw}, func() string {
				return fmt.Sprintf("%s is not a multiple of %d: round counts to the nearest %d, after redacting small ones.", cl.count(), base, base)
			})
		}
	}
}

// markerCell looks at an explicit marker: a bound narrower than the
// threshold, and the spellings used across the table.
func (c *Checker) markerCell(row int, col *column, cl *cell) {
	if _, ok := c.spellingOf[cl.spelling]; !ok && len(c.spellings) < 16 {
		c.spellingOf[cl.spelling] = len(c.spellings)
		c.spellings = append(c.spellings, cl.raw)
	}
	if cl.bound >= 0 && int(cl.bound) < col.threshold {
		c.addf(Finding{Rule: RuleRedactionMarker, Severity: Review, Row: row, Col: col.idx, Value: cl.raw}, func() string {
			return fmt.Sprintf("%s says the value is at most %d, narrower than the threshold of %d: it tells %s apart from %s. Write [REDACTED] or <%d instead.",
				cl.raw, cl.bound, col.threshold, rangeText(1, int(cl.bound)), rangeText(int(cl.bound)+1, col.threshold), col.threshold+1)
		})
	}
}

func rangeText(lo, hi int) string {
	if lo >= hi {
		return strconv.Itoa(hi)
	}
	return strconv.Itoa(lo) + "–" + strconv.Itoa(hi)
}

func (c *Checker) ambiguousCell(row int, col *column, cl *cell, what string) {
	shown := "A blank cell"
	if cl.raw != "" {
		shown = strconv.Quote(clip(cl.raw))
	}
	c.addf(Finding{Rule: RuleRedactionMarker, Severity: Review, Row: row, Col: col.idx, Value: cl.raw}, func() string {
		return fmt.Sprintf("%s in a %s column could be missing or redacted: write [REDACTED] for a redacted cell, or say in the context what it means.", shown, what)
	})
}

// statisticCell applies the marker rules and, without a numerator and
// denominator, class-disclosure to a percentage of 100 or a proportion
// of 1.
func (c *Checker) statisticCell(row int, col *column, cl *cell) {
	switch cl.kind {
	case kindExplicit:
		c.markerCell(row, col, cl)
		return
	case kindAmbiguous:
		// Blank statistics are common layout (a reference category, a
		// model's summary rows); only a written marker is ambiguous.
		if cl.raw != "" {
			c.ambiguousCell(row, col, cl, "statistic")
		}
		return
	case kindNumber:
	default:
		return
	}
	if c.st.numDen() {
		return
	}
	pct := col.hdr.isPct || cl.percent
	all := (pct && cl.v == 100) || (col.hdr.isProp && !cl.percent && cl.v == 1)
	none := c.s.ZerosAreDisclosive && (pct || col.hdr.isProp) && cl.v == 0
	if all || none {
		what := "everyone in the group shares this outcome"
		if none {
			what = "nobody in the group has this outcome"
		}
		c.addf(Finding{Rule: RuleClassDisclosure, Severity: Review, Row: row, Col: col.idx, Value: cl.raw}, func() string {
			return fmt.Sprintf("%s means %s, which discloses it for each of them. Merge categories or explain why it is safe.", cl.raw, what)
		})
	}
}

// extremeCell flags a minimum or maximum.
func (c *Checker) extremeCell(row int, col *column, cl *cell, byRow bool, labelCol int) {
	if cl.kind == kindAmbiguous || cl.kind == kindExplicit {
		c.markerCell(row, col, cl)
		return
	}
	if cl.kind != kindNumber {
		return
	}
	words := col.hdr.words
	if byRow && labelCol >= 0 {
		words = headerWords(c.dimv[labelCol])
	}
	what := "a minimum or maximum"
	if w := extremeWordOf(words); w != "" {
		what = "a " + w
	}
	c.addf(Finding{Rule: RuleExtremeValue, Severity: Review, Row: row, Col: col.idx, Value: cl.raw}, func() string {
		return fmt.Sprintf("%s is %s, which often describes a single person: show a percentile or a broad range instead, unless it is a limit of the study design.", cl.raw, what)
	})
}

func extremeWordOf(words []string) string {
	for _, w := range words {
		switch w {
		case "min", "minimum", "lowest":
			return "minimum"
		case "max", "maximum", "highest":
			return "maximum"
		case "range":
			return "range"
		case "p0":
			return "minimum (p0)"
		case "p100":
			return "maximum (p100)"
		}
	}
	return ""
}

// smallBases applies small-denominator: a statistic shown while a count
// it rests on is small or redacted.
func (c *Checker) smallBases(row int, rowRole Role) {
	st := &c.st
	if !st.hasStatistics {
		return
	}
	if st.rowLabel >= 0 {
		c.block.row(c, row, rowRole)
		return
	}
	base := -1
	if st.num >= 0 || st.den >= 0 {
		for _, j := range []int{st.num, st.den} {
			if j >= 0 && c.smallBase(j) {
				base = j
				break
			}
		}
	} else {
		base = c.rowBase
	}
	if base < 0 {
		return
	}
	for i, col := range c.cols {
		if c.eff[i] == rkStatistic && c.cur[i].kind == kindNumber && !st.magnitude[i] {
			c.flagSmallBase(row, col, &c.cur[i], c.cols[base], &c.cur[base])
		}
	}
}

// smallBase reports whether the count in column j of this row is small or
// redacted.
func (c *Checker) smallBase(j int) bool { return c.isSmallBase(c.cols[j], &c.cur[j]) }

func (c *Checker) isSmallBase(col *column, cl *cell) bool {
	if cl.suppressed() {
		return true
	}
	if !cl.counted() {
		return false
	}
	if col.midpoint() && cl.v == 3 {
		return false
	}
	return (cl.v > 0 || c.s.ZerosAreDisclosive) && cl.v <= float64(col.threshold)
}

func (c *Checker) flagSmallBase(row int, col *column, cl *cell, bcol *column, base *cell) {
	c.addf(Finding{Rule: RuleSmallDenominator, Severity: Fail, Row: row, Col: col.idx, Value: cl.raw}, func() string {
		if base.suppressed() {
			return fmt.Sprintf("This statistic is shown while the count it rests on (%s: %s) is redacted, so the count can be worked back from it: redact the statistic too.", bcol.name, shownValue(base.raw))
		}
		return fmt.Sprintf("This statistic rests on a count of %s (%s), at or below %d: redact it as well as the count.", base.count(), bcol.name, bcol.threshold)
	})
}

func shownValue(raw string) string {
	if raw == "" {
		return "blank"
	}
	return clip(raw)
}

// numeratorDenominator applies class-disclosure to a numerator equal to
// its denominator (100%), and with zeros disclosive, to 0 of N.
func (c *Checker) numeratorDenominator(row int) {
	st := &c.st
	if !st.numDen() || st.num < 0 || st.den < 0 {
		return
	}
	n, d := &c.cur[st.num], &c.cur[st.den]
	if !n.counted() || !d.counted() || d.v <= 0 {
		return
	}
	switch {
	case n.v == d.v:
		c.addf(Finding{Rule: RuleClassDisclosure, Severity: Review, Row: row, Col: st.num, Value: n.raw}, func() string {
			return fmt.Sprintf("All %s of %s in this group have the outcome (100%%), which discloses it for each of them. Merge categories or explain why it is safe.", n.raw, d.raw)
		})
	case n.v == 0 && c.s.ZerosAreDisclosive:
		c.addf(Finding{Rule: RuleClassDisclosure, Severity: Review, Row: row, Col: st.num, Value: n.raw}, func() string {
			return fmt.Sprintf("None of the %s in this group have the outcome, which discloses that for each of them. Merge categories or explain why it is safe.", d.raw)
		})
	}
}

// dominance applies the n-k and p-ratio rules to a row with a sum and its
// largest contributions.
func (c *Checker) dominance(row int) {
	st := &c.st
	if st.sumCol < 0 || len(st.tops) == 0 {
		return
	}
	sum := &c.cur[st.sumCol]
	if sum.kind != kindNumber {
		return
	}
	var tops []float64
	for _, j := range st.tops {
		t := &c.cur[j]
		if t.kind != kindNumber {
			return
		}
		tops = append(tops, t.v)
	}
	neg := sum.v < 0
	for _, t := range tops {
		neg = neg || t < 0
	}
	if neg {
		c.add(Finding{Rule: RuleDominance, Severity: Review, Row: row, Col: st.sumCol, Value: sum.raw,
			Message: "Dominance cannot be judged when the sum or its largest contributions are negative: a checker needs to look at this cell."})
		return
	}
	if sum.v <= 0 {
		return
	}
	if k := c.s.NKN; k <= len(tops) {
		top := 0.0
		for _, t := range tops[:k] {
			top += t
		}
		if share := top / sum.v; share >= c.s.NKK {
			c.addf(Finding{Rule: RuleDominance, Severity: Fail, Row: row, Col: st.sumCol, Value: sum.raw}, func() string {
				return fmt.Sprintf("The %d largest contributions hold %.0f%% of this total (rule: under %.0f%%), so one contributor can estimate another's: suppress the cell or merge groups.", k, math.Floor(share*100), c.s.NKK*100)
			})
			return
		}
	}
	if len(tops) >= 2 && tops[0] > 0 {
		rest := (sum.v - tops[0] - tops[1]) / tops[0]
		if rest < c.s.PRatioP {
			c.addf(Finding{Rule: RuleDominance, Severity: Fail, Row: row, Col: st.sumCol, Value: sum.raw}, func() string {
				return fmt.Sprintf("Apart from the two largest, the contributions to this total come to %.1f%% of the largest (rule: at least %.0f%%), so the second largest can estimate the largest: suppress the cell or merge groups.", math.Max(rest, 0)*100, c.s.PRatioP*100)
			})
		}
	}
}

// add records a finding, naming its column.
func (c *Checker) add(f Finding) { c.record(f, false) }

func (c *Checker) record(f Finding, fromLine bool) {
	if f.Col >= 0 && f.Col < len(c.cols) {
		f.Column = c.cols[f.Col].name
	} else {
		f.Col = -1
	}
	c.out.add(f, fromLine)
}

// finish runs what needs the whole table.
func (c *Checker) finish() {
	c.block.flush(c)
	for _, rc := range c.rates {
		rc.finish(c)
	}
	c.reg.finish(c)
	c.lines.finish(c)
	if c.st.histogram {
		for _, col := range c.cols {
			if !col.role.counts() || col.firstBin.row == 0 {
				continue
			}
			if !col.firstBin.flagged {
				c.add(Finding{Rule: RuleLowCountBin, Severity: Review, Row: col.firstBin.row, Col: col.idx, Value: col.firstBin.raw,
					Message: "This is the first non-empty bin: its lower edge bounds the smallest value. Check that the edge is a broad limit of the study design, not someone's value."})
			}
			if col.lastBin.row != col.firstBin.row && !col.lastBin.flagged {
				c.add(Finding{Rule: RuleLowCountBin, Severity: Review, Row: col.lastBin.row, Col: col.idx, Value: col.lastBin.raw,
					Message: "This is the last non-empty bin: its upper edge bounds the largest value. Check that the edge is a broad limit of the study design, not someone's value."})
			}
		}
	}
	if len(c.spellings) > 1 {
		c.addf(Finding{Rule: RuleRedactionMarker, Severity: Review, Col: -1, Value: strings.Join(c.spellings, ", ")}, func() string {
			return fmt.Sprintf("Redacted cells are written in %d ways (%s): use one spelling, such as [REDACTED], so checkers can search for them.", len(c.spellings), strings.Join(c.spellings, ", "))
		})
	}
	// Roles decided from the first rows must hold for the whole table;
	// where they do not, the column's flags would be wrong, so they go.
	var changed []int
	for _, col := range c.cols {
		if !col.silent {
			continue
		}
		if r, _ := col.inf.decide(); r != col.role {
			changed = append(changed, col.idx)
			c.out.note(fmt.Sprintf("Column %q looked like %s in the first %d rows but not in the whole table; its cells were not checked. Declare its role to check it.", col.name, roleText(col.role), prefixRows))
		}
	}
	if len(changed) > 0 {
		c.out.drop(changed, c.lines.usesAny(c, changed))
	}
}

func roleText(r Role) string {
	switch r {
	case RoleCount:
		return "counts"
	case RoleStatistic:
		return "statistics"
	case RoleDimension:
		return "labels"
	}
	return string(r) + " values"
}

// clip shortens a long cell for a message.
func clip(s string) string {
	if len(s) <= 40 {
		return s
	}
	cut := 40
	for cut > 0 && s[cut]&0xC0 == 0x80 {
		cut--
	}
	return s[:cut] + "…"
}

// rowLabelRole is the role a row label gives its row in a table of
// statistics by row: "n" and "count" rows hold counts, "min" and "max"
// rows extremes, other statistic names statistics.
func rowLabelRole(label string) Role {
	w := firstWord(label)
	switch {
	case w == "":
		return ""
	case rowCountNames[w]:
		return RoleCount
	case extremeWords[w]:
		return RoleExtreme
	case rowStatNames[w] || isPercentileWord(w):
		return RoleStatistic
	}
	return ""
}

// firstWord returns the first word of s in lower case, or "" if it is long.
func firstWord(s string) string {
	var buf [16]byte
	n := 0
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if 'A' <= ch && ch <= 'Z' {
			ch += 'a' - 'A'
		}
		if ('a' <= ch && ch <= 'z') || ('0' <= ch && ch <= '9') {
			if n == len(buf) {
				return ""
			}
			buf[n] = ch
			n++
			continue
		}
		if n > 0 {
			break
		}
	}
	return string(buf[:n])
}

// isPercentileWord matches the usual percentiles: p1, p5, p10, p25, p50,
// p75, p90, p95, p99 (not any "p" and digits, which codes such as practice
// P12 also are).
func isPercentileWord(w string) bool {
	switch w {
	case "p1", "p5", "p10", "p25", "p50", "p75", "p90", "p95", "p99":
		return true
	}
	return false
}

// hasExtremeWord reports whether a row label names a minimum, maximum or
// range, word by word, without allocating.
func hasExtremeWord(label string) bool {
	if label == "" || len(label) > 200 {
		return false
	}
	var buf [16]byte
	n, long := 0, false
	for i := 0; i <= len(label); i++ {
		ch := byte(' ')
		if i < len(label) {
			ch = label[i]
		}
		if 'A' <= ch && ch <= 'Z' {
			ch += 'a' - 'A'
		}
		if ('a' <= ch && ch <= 'z') || ('0' <= ch && ch <= '9') {
			if n < len(buf) {
				buf[n] = ch
				n++
			} else {
				long = true
			}
			continue
		}
		if n > 0 && !long && extremeWords[string(buf[:n])] {
			return true
		}
		n, long = 0, false
	}
	return false
}

// addf records a finding whose message is built only if it is listed:
// a table can hold millions of flagged cells, and formatting each message
// would cost more than finding it.
func (c *Checker) addf(f Finding, msg func() string) { c.recordf(f, false, msg) }

// addLinef is addf for a finding from a line closed by a total.
func (c *Checker) addLinef(f Finding, msg func() string) { c.recordf(f, true, msg) }

func (c *Checker) recordf(f Finding, fromLine bool, msg func() string) {
	col := f.Col
	if col < 0 || col >= len(c.cols) {
		col = -1
	}
	if !c.out.room(f.Rule, f.Severity, col) {
		return
	}
	f.Message = msg()
	c.record(f, fromLine)
}
