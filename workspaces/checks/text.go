package checks

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// TextChecker reads a text file, log or JSON line by line for small
// counts written in prose ("n = 5", "(n=3)", "4 patients", "6 (2.1%)") or
// as JSON counts ("n": 5).
// It can only hint: its findings are reviews, and a log gets one more
// review, since logs are rarely needed outside the secure environment.
type TextChecker struct {
	s      Settings
	log    bool
	lines  int
	out    outbox
	result *Result
}

// NewTextChecker starts checking a text file; log is set for job logs.
func NewTextChecker(s Settings, log bool) *TextChecker {
	if s.Validate() != nil {
		s = DefaultSettings()
	}
	return &TextChecker{s: s, log: log}
}

var (
	textNEquals = regexp.MustCompile(`(?i)\bn\s*=\s*(\d+)\b`)
	textPeople  = regexp.MustCompile(`(?i)\b(\d+)\s+(?:patients?|people|persons?|individuals?|participants?|subjects?|cases?|deaths?|events?|births?|admissions?|women|men|children|adults)\b`)
	textPercent = regexp.MustCompile(`\b(\d+)\s*\(\s*\d+(?:\.\d+)?\s*%\s*\)`)
	// JSON outputs: "n": 5, "count": 3, "n_events": 4, "deaths": 2.
	textJSON = regexp.MustCompile(`(?i)"(?:n|count|counts|n_[a-z0-9_]*|[a-z0-9_]*_count|patients|people|events|cases|deaths|frequency|freq)"\s*:\s*"?(\d+)\b`)
)

// maxTextLine bounds the part of a line that is searched.
const maxTextLine = 4096

// Line checks the next line of the file.
func (t *TextChecker) Line(line string) {
	t.lines++
	t.scan(line, t.lines)
}

// Label checks a piece of text that has no line of its own, such as a
// label of a figure; its findings are about the whole file.
func (t *TextChecker) Label(text string) { t.scan(text, 0) }

func (t *TextChecker) scan(line string, row int) {
	if len(line) > maxTextLine {
		line = line[:maxTextLine]
	}
	if !strings.ContainsAny(line, "0123456789") {
		return
	}
	for _, re := range []*regexp.Regexp{textNEquals, textPeople, textPercent, textJSON} {
		for _, m := range re.FindAllStringSubmatchIndex(line, 8) {
			k, err := strconv.Atoi(line[m[2]:m[3]])
			if err != nil || k > t.s.SmallCountMax || (k == 0 && !t.s.ZerosAreDisclosive) {
				continue
			}
			phrase := strings.TrimSpace(line[m[0]:m[1]])
			if !t.out.room(RuleSmallCount, Review, -1) {
				continue
			}
			where := fmt.Sprintf("Line %d mentions", row)
			if row == 0 {
				where = "The text of the figure says"
			}
			t.out.add(Finding{Rule: RuleSmallCount, Severity: Review, Row: row, Col: -1, Value: phrase,
				Message: fmt.Sprintf("%s %q, a count at or below %d: if it counts people, redact it or leave it out.", where, clip(phrase), t.s.SmallCountMax)}, false)
		}
	}
}

// Result finishes the check; later calls return the same result.
func (t *TextChecker) Result() *Result {
	if t.result != nil {
		return t.result
	}
	if t.log {
		t.out.add(Finding{Rule: RuleLogFile, Severity: Review, Col: -1,
			Message: "Logs are rarely needed outside the secure environment: check this one holds no patient-level data or small counts, or leave it out of the release."}, false)
	}
	r := &Result{RuleSet: RuleSet, Rows: t.lines}
	r.Findings, r.Fails, r.Reviews, r.Notes = t.out.done(nil)
	t.result = r
	return r
}
