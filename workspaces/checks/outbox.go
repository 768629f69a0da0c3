package checks

import (
	"fmt"
	"slices"
)

// outbox collects findings, listing a bounded number per rule and column
// while counting them all. A table can hold millions of flagged cells, so
// the counts per rule and column are kept in flat slices indexed by slot
// (see slotOf), not in maps keyed by the rule's name.
type outbox struct {
	findings       []Finding
	fromLine       []bool  // findings[i] came from a line (a total)
	listed         []int32 // per slot: findings listed
	unlisted       [][2]int
	fails, reviews int
	notes          []string
}

// ruleSlots is the number of slots per column: one per rule and one for
// a rule not in Rules.
var ruleSlots = len(Rules) + 1

// slotOf is where the counts of a rule in a column (-1 for the file)
// are kept.
func slotOf(r Rule, col int) int { return (col+1)*ruleSlots + ruleIndex(r) }

// grow makes room for slot.
func (o *outbox) grow(slot int) {
	if slot >= len(o.listed) {
		n := max(slot+1, 2*len(o.listed), 16*ruleSlots)
		o.listed = slices.Grow(o.listed, n-len(o.listed))[:n]
		o.unlisted = slices.Grow(o.unlisted, n-len(o.unlisted))[:n]
	}
}

func (o *outbox) add(f Finding, fromLine bool) {
	if f.Severity == Fail {
		o.fails++
	} else {
		o.reviews++
	}
	slot := slotOf(f.Rule, f.Col)
	o.grow(slot)
	if o.listed[slot] >= maxListedPerColumn || len(o.findings) >= maxListed {
		o.uncounted(slot, f.Severity)
		return
	}
	o.listed[slot]++
	o.findings = append(o.findings, f)
	o.fromLine = append(o.fromLine, fromLine)
}

// uncounted counts a finding that is not listed.
func (o *outbox) uncounted(slot int, sev Severity) {
	if sev == Fail {
		o.unlisted[slot][0]++
	} else {
		o.unlisted[slot][1]++
	}
}

// room reports whether a finding would be listed; when it would not, it
// counts it and reports false.
func (o *outbox) room(r Rule, sev Severity, col int) bool {
	slot := slotOf(r, col)
	o.grow(slot)
	if o.listed[slot] < maxListedPerColumn && len(o.findings) < maxListed {
		return true
	}
	if sev == Fail {
		o.fails++
	} else {
		o.reviews++
	}
	o.uncounted(slot, sev)
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
	for slot := range o.unlisted {
		if n := &o.unlisted[slot]; slices.Contains(cols, slot/ruleSlots-1) {
			o.fails -= n[0]
			o.reviews -= n[1]
			*n = [2]int{}
		}
	}
}

// done sorts the findings and explains what was not listed, column by
// column and rule by rule.
func (o *outbox) done(names []string) ([]Finding, int, int, []string) {
	sortFindings(o.findings)
	notes := o.notes
	for slot, n := range o.unlisted {
		if n[0]+n[1] == 0 {
			continue
		}
		col, rule := slot/ruleSlots-1, "unknown"
		if k := slot % ruleSlots; k < len(Rules) {
			rule = string(Rules[k])
		}
		where := "the file"
		if col >= 0 && col < len(names) {
			where = fmt.Sprintf("column %q", names[col])
		}
		notes = append(notes, fmt.Sprintf("%d more %s findings in %s are counted but not listed.", n[0]+n[1], rule, where))
	}
	return o.findings, o.fails, o.reviews, notes
}
