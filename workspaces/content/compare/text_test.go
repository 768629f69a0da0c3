package compare_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/airlock-project/airlock/workspaces/content/compare"
)

func TestText(t *testing.T) {
	var old, new strings.Builder
	for i := 1; i <= 20; i++ {
		fmt.Fprintf(&old, "line %d\n", i)
		switch i {
		case 5:
			new.WriteString("line five, rounded\n")
		case 12:
		default:
			fmt.Fprintf(&new, "line %d\n", i)
		}
	}
	new.WriteString("a new last line\n")
	td := compare.Text(old.String(), new.String())
	if got := td.Summary(); got != "2 lines added; 2 lines removed." {
		t.Fatalf("summary = %q", got)
	}
	if len(td.Hunks) != 2 || td.Hunks[0].Skipped != 1 || td.Hunks[1].Skipped != 2 || td.SkippedAfter != 0 {
		t.Fatalf("hunks = %+v, skipped after %d", td.Hunks, td.SkippedAfter)
	}
	var changed []string
	for _, h := range td.Hunks {
		for _, l := range h.Lines {
			for _, s := range l.Segments {
				if s.Changed && l.State != compare.Same {
					changed = append(changed, fmt.Sprintf("%s %d/%d %q", l.State, l.OldNo, l.NewNo, s.Text))
				}
			}
		}
	}
	want := []string{`removed 5/0 "5"`, `added 0/5 "five, rounded"`, `removed 12/0 "line 12"`, `added 0/20 "a new last line"`}
	if strings.Join(changed, "\n") != strings.Join(want, "\n") {
		t.Fatalf("changed runs:\n%s\nwant:\n%s", strings.Join(changed, "\n"), strings.Join(want, "\n"))
	}
	if s := compare.Text("same\n", "same\n").Summary(); s != "No differences: both versions hold the same text." {
		t.Fatalf("identical: %q", s)
	}
}
