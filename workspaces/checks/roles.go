package checks

import (
	"strings"
	"unicode"
)

// Role is what a column (or, in a table of statistics by row, a row)
// holds, which decides the rules its cells get.
type Role string

// Roles. A researcher can declare any of them for a column; "dimension"
// is how "not a count" is recorded.
const (
	RoleCount            Role = "count"             // counts of people or events
	RoleMidpoint6        Role = "midpoint6"         // counts rounded by midpoint-6
	RoleMidpoint6Derived Role = "midpoint6-derived" // sums and differences of midpoint-6 counts
	RoleStatistic        Role = "statistic"         // rates, percentages, means, estimates
	RoleExtreme          Role = "extreme"           // minimum, maximum, range
	RoleDimension        Role = "dimension"         // labels, years, weeks, ages, codes: never checked
)

// roleKind is a Role as a small number, for the paths taken per cell.
type roleKind uint8

const (
	rkNone roleKind = iota
	rkDimension
	rkCount
	rkMidpoint6
	rkMidpoint6Derived
	rkStatistic
	rkExtreme
)

func kindOfRole(r Role) roleKind {
	switch r {
	case RoleDimension:
		return rkDimension
	case RoleCount:
		return rkCount
	case RoleMidpoint6:
		return rkMidpoint6
	case RoleMidpoint6Derived:
		return rkMidpoint6Derived
	case RoleStatistic:
		return rkStatistic
	case RoleExtreme:
		return rkExtreme
	}
	return rkNone
}

func (k roleKind) counts() bool { return k >= rkCount && k <= rkMidpoint6Derived }

// Valid reports whether r is one of the roles.
func (r Role) Valid() bool {
	switch r {
	case RoleCount, RoleMidpoint6, RoleMidpoint6Derived, RoleStatistic, RoleExtreme, RoleDimension:
		return true
	}
	return false
}

// counts reports whether the role's cells are counts.
func (r Role) counts() bool {
	return r == RoleCount || r == RoleMidpoint6 || r == RoleMidpoint6Derived
}

// checked reports whether the role's cells are read at all.
func (r Role) checked() bool { return r != RoleDimension && r != "" }

// Header words, matched against the words of a header split on anything
// that is not a letter, a digit or "%". Pairs such as "at_risk" are matched
// first and use up both words.
var (
	pairWords = map[string]string{
		"at risk": "at_risk", "n risk": "n_risk", "n event": "n_event", "n events": "n_event",
		"n censor": "n_censor", "n censored": "n_censor", "p value": "pvalue",
		"df resid": "df_resid", "df residual": "df_resid", "df residuals": "df_resid",
		"residual df": "df_resid", "resid df": "df_resid", "n obs": "nobs", "no obs": "nobs",
		"df model": "df_model", "n params": "n_params", "n parameters": "n_params",
		// Working patterns are categories, not times.
		"full time": "full_time", "part time": "part_time",
	}
	extremeWords = set("min", "minimum", "max", "maximum", "range", "p0", "p100", "lowest", "highest")
	countWords   = set("n", "count", "counts", "num", "number", "freq", "frequency", "events",
		"n_event", "cases", "deaths", "patients", "people", "persons", "population", "numerator",
		"denominator", "total", "at_risk", "n_risk", "n_censor", "censored")
	statisticWords = set("rate", "ratio", "pct", "percent", "percentage", "%", "prop", "proportion",
		"per", "mean", "average", "avg", "median", "sd", "std", "se", "ci", "lci", "uci", "estimate",
		"coef", "beta", "or", "hr", "rr", "p", "pvalue", "surv", "survival", "cuminc", "risk",
		"prevalence", "incidence", "value")
	// strongStatisticWords turn a header with a count word into a
	// statistic: "pct_patients" is a percentage, "deaths_per_1000" a rate.
	strongStatisticWords = set("rate", "ratio", "pct", "percent", "percentage", "%", "prop",
		"proportion", "per", "mean", "average", "avg", "median", "sd", "std", "se")
	dimensionWords = set("year", "years", "month", "months", "week", "weeks", "day", "days", "date",
		"time", "age", "band", "group", "id", "code", "practice", "region", "bin", "lower", "upper",
		"edge", "category", "quintile", "decile", "quartile", "tertile", "centile", "percentile",
		"imd", "rank", "index", "sex", "gender", "ethnicity", "level", "stratum", "strata", "term",
		"interval", "start", "end", "period")
	rateWords = set("rate", "ratio", "pct", "percent", "percentage", "%", "prop", "proportion",
		"per", "value", "prevalence", "incidence", "risk")
	percentWords    = set("pct", "percent", "percentage", "%")
	proportionWords = set("prop", "proportion")
	baseWords       = set("numerator", "denominator", "population", "at_risk", "n_risk")
	binWords        = set("bin", "lower", "upper", "edge")
	bandWords       = set("band", "group", "category")
	structuralWords = set("year", "years", "month", "months", "week", "weeks", "day", "days", "date",
		"time", "id", "code", "practice", "region", "period", "start", "end", "interval", "index", "rank")
	coefWords = set("coef", "beta", "estimate", "or", "hr", "rr")
	// rowStatNames are the first words of row labels in a table of
	// statistics by row ("n", "mean age", "sd", "p25").
	rowStatNames = set("n", "count", "mean", "sd", "std", "se", "median", "min", "minimum", "max",
		"maximum", "iqr", "range", "q1", "q3", "lq", "uq", "variance", "var", "nmiss", "missing")
	rowCountNames = set("n", "count")
)

func set(words ...string) map[string]bool {
	m := make(map[string]bool, len(words))
	for _, w := range words {
		m[w] = true
	}
	return m
}

// headerWords splits a header into lower-case words, joining known pairs.
func headerWords(h string) []string {
	var raw []string
	cur := strings.Builder{}
	flush := func() {
		if cur.Len() > 0 {
			raw = append(raw, cur.String())
			cur.Reset()
		}
	}
	for _, r := range strings.ToLower(h) {
		switch {
		case r == '%':
			flush()
			raw = append(raw, "%")
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			cur.WriteRune(r)
		default:
			flush()
		}
	}
	flush()
	var out []string
	for i := 0; i < len(raw); i++ {
		if i+1 < len(raw) {
			if p, ok := pairWords[raw[i]+" "+raw[i+1]]; ok {
				out = append(out, p)
				i++
				continue
			}
		}
		out = append(out, raw[i])
	}
	return out
}

// header is what a column's header says about it.
type header struct {
	words                                        []string
	role                                         Role   // "" when the header says nothing and the values decide
	why                                          string // how role was decided
	total                                        bool   // a column of totals
	isPct, isProp, isRate, isBase, isBin, isCoef bool
	isNumerator, isDenominator, isPopulation     bool
	isNRisk, isNEvent, isNCensor, isSurv, isTime bool
	isBand                                       bool
	structural                                   bool   // a year, date, code or place: a label in any table
	flat                                         string // lower-case letters and digits only
}

func (h *header) has(m map[string]bool) (string, bool) {
	for _, w := range h.words {
		if m[w] {
			return w, true
		}
	}
	return "", false
}

// readHeader decides what it can from a header alone, in the order of the
// reference note: midpoint suffixes, then words for extremes, counts,
// statistics and dimensions. A header with none of them leaves the role
// to the values (see inference).
func readHeader(name string, totals []string, s Settings) header {
	h := header{words: headerWords(name)}
	var flat strings.Builder
	for _, w := range h.words {
		for _, r := range w {
			if unicode.IsLetter(r) || unicode.IsDigit(r) {
				flat.WriteRune(r)
			}
		}
	}
	h.flat = flat.String()
	_, h.isPct = h.has(percentWords)
	_, h.isProp = h.has(proportionWords)
	_, h.isRate = h.has(rateWords)
	_, h.isBase = h.has(baseWords)
	_, h.isBin = h.has(binWords)
	_, h.isCoef = h.has(coefWords)
	_, h.isBand = h.has(bandWords)
	_, h.structural = h.has(structuralWords)
	for _, w := range h.words {
		switch w {
		case "numerator":
			h.isNumerator = true
		case "denominator":
			h.isDenominator = true
		case "population":
			h.isPopulation = true
		case "n_risk", "at_risk":
			h.isNRisk = true
		case "n_event", "events":
			h.isNEvent = true
		case "n_censor", "censored":
			h.isNCensor = true
		case "surv", "survival":
			h.isSurv = true
		case "time":
			h.isTime = true
		}
	}
	lower := strings.ToLower(strings.TrimSpace(name))
	h.total = isTotalLabel(totals, strings.TrimSpace(name))
	switch {
	case s.AcceptMidpoint6 && strings.HasSuffix(lower, "_midpoint6_derived"):
		h.role, h.why = RoleMidpoint6Derived, `header ends "_midpoint6_derived"`
	case s.AcceptMidpoint6 && strings.HasSuffix(lower, "_midpoint6"):
		h.role, h.why = RoleMidpoint6, `header ends "_midpoint6"`
	case h.total:
		h.role, h.why = RoleCount, "a column of totals"
	}
	if h.role != "" {
		return h
	}
	if w, ok := h.has(extremeWords); ok {
		h.role, h.why = RoleExtreme, headerWhy(w)
		return h
	}
	if w, ok := h.has(countWords); ok {
		if sw, strong := h.has(strongStatisticWords); strong {
			h.role, h.why = RoleStatistic, headerWhy(sw)
		} else {
			h.role, h.why = RoleCount, headerWhy(w)
		}
		return h
	}
	if w, ok := h.has(statisticWords); ok {
		h.role, h.why = RoleStatistic, headerWhy(w)
		return h
	}
	if w, ok := h.has(dimensionWords); ok {
		h.role, h.why = RoleDimension, headerWhy(w)
	}
	return h
}

func headerWhy(w string) string { return `header word "` + strings.ReplaceAll(w, "_", " ") + `"` }

// inference watches the values of a column whose header says nothing, to
// decide its role as the reference note does: a probable count is whole
// numbers >= 0 that are not a run of consecutive integers, not all years
// and not unique codes of five or more digits.
type inference struct {
	numbers, texts, explicit int
	fractional               int // decimals, negatives, percentages
	years, big               int // values in 1900..2100; whole values >= 10000
	// The run: each value is the last plus one, the same, or back to the
	// first (week numbers repeated per group); or each is the last minus one.
	first, prev   float64
	up, down      bool
	steps         int // +1 steps (up) or -1 steps (down)
	seen          map[float64]struct{}
	repeated      bool // some big value appears twice
	countPercents int  // "n (p%)" cells
}

// maxCodesSeen bounds the values remembered to tell unique codes; a column
// with more distinct big values than this and no repeat counts as codes.
const maxCodesSeen = 4096

func (in *inference) add(c *cell) {
	switch c.kind {
	case kindText:
		in.texts++
		return
	case kindExplicit:
		in.explicit++
		in.up, in.down = false, false
		return
	case kindAmbiguous, kindAbsent:
		return
	}
	in.numbers++
	if c.hasPct {
		in.countPercents++
	}
	if !c.whole || c.v < 0 || c.percent {
		in.fractional++
		return
	}
	v := c.v
	if v >= 1900 && v <= 2100 {
		in.years++
	}
	if v >= 10000 {
		in.big++
		if !in.repeated {
			if in.seen == nil {
				in.seen = map[float64]struct{}{}
			}
			if _, dup := in.seen[v]; dup {
				in.repeated = true
				in.seen = nil
			} else if len(in.seen) < maxCodesSeen {
				in.seen[v] = struct{}{}
			}
		}
	}
	if in.numbers == 1 {
		in.first, in.prev, in.up, in.down = v, v, true, true
		return
	}
	switch {
	case v == in.prev+1:
		in.steps++
		in.down = false
	case v == in.prev-1:
		in.up = false
		if in.down {
			in.steps++
		}
	case (v == in.prev || v == in.first) && in.up:
		in.down = false
	default:
		in.up, in.down = false, false
	}
	in.prev = v
}

// decide returns the role the values point to and why.
func (in *inference) decide() (Role, string) {
	switch {
	case in.texts > 0 && in.texts*10 > in.numbers:
		return RoleDimension, "text"
	case in.numbers == 0 && in.explicit > 0:
		return RoleCount, "only redaction markers"
	case in.numbers == 0:
		return RoleDimension, "no values"
	case in.fractional > 0:
		return RoleStatistic, "decimal, negative or percentage values"
	case (in.up || in.down) && in.steps >= 2 && in.countPercents == 0:
		return RoleDimension, "consecutive whole numbers (like week numbers or ranks)"
	case in.numbers >= 2 && in.years == in.numbers:
		return RoleDimension, "all between 1900 and 2100 (years)"
	case in.numbers >= 2 && in.big == in.numbers && !in.repeated:
		return RoleDimension, "unique numbers of five or more digits (codes)"
	}
	return RoleCount, "whole numbers of 0 or more"
}
