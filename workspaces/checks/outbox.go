package checks

import (
	"fmt"
	"slices"
)

// outbox collects findings, listing a bounded number per rule and column
// while counting them all.
type outbox struct {
	findings       []Finding
	fromLine       []bool // findings[i] came from a line (a total)
	listed         map[listKey]int
	unlisted       map[listKey]*[2]int // fails, reviews
	fails, reviews int
	notes          []string
}

type listKey struct {
	rule Rule
	col  int
}

func (o *outbox) add(f Finding, fromLine bool) {
	if f.Severity == Fail {
		o.fails++
	} else {
		o.reviews++
	}
	if o.listed == nil {
		o.listed, o.unlisted = map[listKey]int{}, map[listKey]*[2]int{}
	}
	k := listKey{f.Rule, f.Col}
	if o.listed[k] >= maxListedPerColumn || len(o.findings) >= maxListed {
		n := o.unlisted[k]
		if n == nil {
			n = new([2]int)
			o.unlisted[k] = n
		}
		if f.Severity == Fail {
			n[0]++
		} else {
			n[1]++
		}
		return
	}
	o.listed[k]++
	o.findings = append(o.findings, f)
	o.fromLine = append(o.fromLine, fromLine)
}

// room reports whether a finding would be listed; when it would not, it
// counts it and reports false.
func (o *outbox) room(r Rule, sev Severity, col int) bool {
	k := listKey{r, col}
	if o.listed[k] < maxListedPerColumn && len(o.findings) < maxListed {
		return true
	}
	if o.unlisted == nil {
		o.listed, o.unlisted = map[listKey]int{}, map[listKey]*[2]int{}
	}
	if sev == Fail {
		o.fails++
	} else {
		o.reviews++
	}
	n := o.unlisted[k]
	if n == nil {
		n = new([2]int)
		o.unlisted[k] = n
	}
	if sev == Fail {
		n[0]++
	} else {
		n[1]++
	}
	return false
}

func (o *outbox) note(n string) {
	if !slices.Contains(o.notes, n) {
		o.notes = append(o.notes, n)
	}
}

// drop removes the findings of the given columns and, when lines is set,
// every finding that came from a line (totals), uncounting them.
func (o *outbox) drop(cols []int, lines bool) {
	keep, keepLine := o.findings[:0], o.fromLine[:0]
	for i, f := range o.findings {
		if slices.Contains(cols, f.Col) || (lines && o.fromLine[i]) {
			if f.Severity == Fail {
				o.fails--
			} else {
				o.reviews--
			}
			continue
		}
		keep, keepLine = append(keep, f), append(keepLine, o.fromLine[i])
	}
	o.findings, o.fromLine = keep, keepLine
	for k, n := range o.unlisted {
		if slices.Contains(cols, k.col) {
			o.fails -= n[0]
			o.reviews -= n[1]
			delete(o.unlisted, k)
		}
	}
}

// done sorts the findings and explains what was not listed.
func (o *outbox) done(names []string) ([]Finding, int, int, []string) {
	sortFindings(o.findings)
	notes := o.notes
	keys := make([]listKey, 0, len(o.unlisted))
	for k := range o.unlisted {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b listKey) int {
		if a.col != b.col {
			return a.col - b.col
		}
		return ruleIndex(a.rule) - ruleIndex(b.rule)
	})
	for _, k := range keys {
		where := "the file"
		if k.col >= 0 && k.col < len(names) {
			where = fmt.Sprintf("column %q", names[k.col])
		}
		n := o.unlisted[k]
		notes = append(notes, fmt.Sprintf("%d more %s findings in %s are counted but not listed.", n[0]+n[1], k.rule, where))
	}
	return o.findings, o.fails, o.reviews, notes
}
