package compare

import (
	"strings"
	"time"

	"github.com/sergi/go-diff/diffmatchpatch"
)

// MaxTextBytes is the largest text, per version, compared line by line;
// longer files are compared by size and hash only.
const MaxTextBytes = 4 << 20

// contextLines is how many unchanged lines are shown around each change.
const contextLines = 3

// Segment is a run of a line's text, changed or not.
type Segment struct {
	Text    string
	Changed bool
}

// Line is one line of a text comparison: its 1-based number in each
// version (0 when it is not there), whether it was added or removed, and
// its text in runs, the changed runs marked.
type Line struct {
	OldNo, NewNo int
	State        State // Same, Added or Removed
	Segments     []Segment
}

// Hunk is a run of changed lines with the unchanged lines around them.
type Hunk struct {
	Lines []Line
	// Skipped is how many unchanged lines come before this hunk and are
	// not shown.
	Skipped int
}

// TextDiff is a line comparison of two texts.
type TextDiff struct {
	Hunks          []Hunk
	Added, Removed int // lines
	// SkippedAfter is how many unchanged lines follow the last hunk.
	SkippedAfter int
}

// Text compares two texts line by line with a maintained diff library
// (diff-match-patch), then pairs each removed line with the added line
// that replaced it and marks the changed characters within them.
func Text(old, new string) TextDiff {
	dmp := diffmatchpatch.New()
	dmp.DiffTimeout = 5 * time.Second
	a, b, lines := dmp.DiffLinesToRunes(old, new)
	diffs := dmp.DiffCharsToLines(dmp.DiffMainRunes(a, b, false), lines)

	var all []Line
	oldNo, newNo := 0, 0
	for i := 0; i < len(diffs); i++ {
		d := diffs[i]
		switch d.Type {
		case diffmatchpatch.DiffEqual:
			for _, l := range splitLines(d.Text) {
				oldNo++
				newNo++
				all = append(all, Line{OldNo: oldNo, NewNo: newNo, Segments: []Segment{{Text: l}}})
			}
		case diffmatchpatch.DiffDelete, diffmatchpatch.DiffInsert:
			var removed, added []string
			if d.Type == diffmatchpatch.DiffDelete {
				removed = splitLines(d.Text)
				if i+1 < len(diffs) && diffs[i+1].Type == diffmatchpatch.DiffInsert {
					added = splitLines(diffs[i+1].Text)
					i++
				}
			} else {
				added = splitLines(d.Text)
			}
			pairs := min(len(removed), len(added))
			var dels, ins []Line
			for k, l := range removed {
				oldNo++
				line := Line{OldNo: oldNo, State: Removed, Segments: []Segment{{Text: l, Changed: true}}}
				if k < pairs {
					line.Segments, _ = intraLine(dmp, l, added[k])
				}
				dels = append(dels, line)
			}
			for k, l := range added {
				newNo++
				line := Line{NewNo: newNo, State: Added, Segments: []Segment{{Text: l, Changed: true}}}
				if k < pairs {
					_, line.Segments = intraLine(dmp, removed[k], l)
				}
				ins = append(ins, line)
			}
			all = append(append(all, dels...), ins...)
		}
	}
	return hunks(all)
}

// intraLine marks the characters that differ between a removed line and
// the line that replaced it.
func intraLine(dmp *diffmatchpatch.DiffMatchPatch, old, new string) (dels, ins []Segment) {
	diffs := dmp.DiffCleanupSemantic(dmp.DiffMain(old, new, false))
	for _, d := range diffs {
		switch d.Type {
		case diffmatchpatch.DiffEqual:
			dels = append(dels, Segment{Text: d.Text})
			ins = append(ins, Segment{Text: d.Text})
		case diffmatchpatch.DiffDelete:
			dels = append(dels, Segment{Text: d.Text, Changed: true})
		case diffmatchpatch.DiffInsert:
			ins = append(ins, Segment{Text: d.Text, Changed: true})
		}
	}
	return dels, ins
}

// splitLines splits text into lines without their line endings.
func splitLines(s string) []string {
	s = strings.TrimSuffix(s, "\n")
	if s == "" {
		return []string{""}
	}
	out := strings.Split(s, "\n")
	for i, l := range out {
		out[i] = strings.TrimSuffix(l, "\r")
	}
	return out
}

// hunks groups the changed lines with contextLines unchanged lines
// around them, counting the unchanged lines left out.
func hunks(all []Line) TextDiff {
	var td TextDiff
	keep := make([]bool, len(all))
	for i, l := range all {
		switch l.State {
		case Added:
			td.Added++
		case Removed:
			td.Removed++
		default:
			continue
		}
		for k := max(0, i-contextLines); k <= min(len(all)-1, i+contextLines); k++ {
			keep[k] = true
		}
	}
	skipped := 0
	var cur *Hunk
	for i, l := range all {
		if !keep[i] {
			skipped++
			cur = nil
			continue
		}
		if cur == nil {
			td.Hunks = append(td.Hunks, Hunk{Skipped: skipped})
			cur = &td.Hunks[len(td.Hunks)-1]
			skipped = 0
		}
		cur.Lines = append(cur.Lines, l)
	}
	td.SkippedAfter = skipped
	return td
}

// Summary says in one line what changed: "2 lines added; 1 line removed".
func (td TextDiff) Summary() string {
	var parts []string
	if td.Added > 0 {
		parts = append(parts, plural(td.Added, "line")+" added")
	}
	if td.Removed > 0 {
		parts = append(parts, plural(td.Removed, "line")+" removed")
	}
	if len(parts) == 0 {
		return "No differences: both versions hold the same text."
	}
	return strings.Join(parts, "; ") + "."
}
