package checks

import (
	"cmp"
	"slices"
)

// RuleSet names this version of the rules; results record it, so a flag
// can be traced to the rules that raised it.
const RuleSet = "airlock-sdc-1"

// Rule names a disclosure check.
type Rule string

// The rules, named as in the reference note. RuleTextCount, RuleLogFile and
// RuleFigure are the review hints for files that are not tables.
const (
	RuleSmallCount             Rule = "small-count"
	RuleUnroundedCount         Rule = "unrounded-count"
	RuleRecoverableSuppression Rule = "recoverable-suppression"
	RuleTotalDifferencing      Rule = "total-differencing"
	RuleSmallDenominator       Rule = "small-denominator"
	RuleRateMismatch           Rule = "rate-mismatch"
	RuleExtremeValue           Rule = "extreme-value"
	RuleLowCountBin            Rule = "low-count-bin"
	RuleClassDisclosure        Rule = "class-disclosure"
	RuleRedactionMarker        Rule = "redaction-marker"
	RuleDominance              Rule = "dominance"
	RuleLowDoF                 Rule = "low-dof"
	RuleLogFile                Rule = "log-file"
	RuleFigure                 Rule = "figure"
)

// Rules lists every rule in the order findings of one cell are sorted.
var Rules = []Rule{
	RuleSmallCount, RuleLowCountBin, RuleUnroundedCount, RuleRecoverableSuppression,
	RuleTotalDifferencing, RuleSmallDenominator, RuleRateMismatch, RuleExtremeValue,
	RuleClassDisclosure, RuleRedactionMarker, RuleDominance, RuleLowDoF, RuleLogFile, RuleFigure,
}

// ruleIndex is r's place in Rules, or len(Rules). It is asked of every
// finding, listed or not, so it switches rather than searches.
func ruleIndex(r Rule) int {
	switch r {
	case RuleSmallCount:
		return 0
	case RuleLowCountBin:
		return 1
	case RuleUnroundedCount:
		return 2
	case RuleRecoverableSuppression:
		return 3
	case RuleTotalDifferencing:
		return 4
	case RuleSmallDenominator:
		return 5
	case RuleRateMismatch:
		return 6
	case RuleExtremeValue:
		return 7
	case RuleClassDisclosure:
		return 8
	case RuleRedactionMarker:
		return 9
	case RuleDominance:
		return 10
	case RuleLowDoF:
		return 11
	case RuleLogFile:
		return 12
	case RuleFigure:
		return 13
	}
	return len(Rules)
}

// Severity says whether a finding blocks (fail) or asks for a look (review).
type Severity string

// Severities.
const (
	Fail   Severity = "fail"
	Review Severity = "review"
)

// Status is a table's or file's overall result: the worst of its findings.
type Status string

// Statuses.
const (
	StatusPass   Status = "pass"
	StatusReview Status = "review"
	StatusFail   Status = "fail"
)

// Finding is one flag. A cell finding has Row > 0 and Col >= 0; a column
// finding has Row 0; a finding about the whole table or file has Row 0 and
// Col -1.
type Finding struct {
	Rule     Rule
	Severity Severity
	// Row is the 1-based data row (the header is not counted, as in the
	// table viewer), or 0. For a text file it is the line number.
	Row int
	// Col is the 0-based column, or -1; Column is its header.
	Col    int
	Column string
	// Value is the cell as written, trimmed.
	Value string
	// Recovered is, for recoverable-suppression, the value a reader can
	// work out for the redacted cell (approximate when the other cells
	// are rounded).
	Recovered string
	// Message says what is wrong and what to do, for a researcher.
	Message string
}

// Column is what the checks decided about one column.
type Column struct {
	Name string
	Role Role
	// Why says how the role was decided, for a person: "declared",
	// "header word \"count\"", "consecutive whole numbers (like week
	// numbers)".
	Why string
	// Total is true for a column of totals ("Total", "All").
	Total bool
	// LooksMidpoint6 is true for a count column that is midpoint-6
	// rounded without its header saying so (a hint, not a flag).
	LooksMidpoint6 bool
}

// Result is what the checks found in one table or text file.
type Result struct {
	RuleSet string
	// Rows is the number of data rows (or lines) read.
	Rows    int
	Columns []Column
	// Findings are sorted by row, column and rule. At most a bounded
	// number are listed per rule and column (see Notes); Fails and
	// Reviews count them all.
	Findings       []Finding
	Fails, Reviews int
	// Notes explain anything that limited the checks, for a person.
	Notes []string
}

// Status is the worst severity found.
func (r *Result) Status() Status {
	switch {
	case r.Fails > 0:
		return StatusFail
	case r.Reviews > 0:
		return StatusReview
	}
	return StatusPass
}

func sortFindings(fs []Finding) {
	slices.SortStableFunc(fs, func(a, b Finding) int {
		return cmp.Or(
			cmp.Compare(a.Row, b.Row),
			cmp.Compare(a.Col, b.Col),
			cmp.Compare(ruleIndex(a.Rule), ruleIndex(b.Rule)),
			cmp.Compare(a.Message, b.Message),
		)
	})
}
