package ui

import "testing"

// TestBreakPath: a path may wrap after its slashes, and its names are
// escaped, so a file called "<script>" stays text.
func TestBreakPath(t *testing.T) {
	for in, want := range map[string]string{
		"output/tables/a.csv": "output/<wbr>tables/<wbr>a.csv",
		"a.csv":               "a.csv",
		"x/<script>&.csv":     "x/<wbr>&lt;script&gt;&amp;.csv",
	} {
		if got := string(breakPath(in)); got != want {
			t.Errorf("breakPath(%q) = %q, want %q", in, got, want)
		}
	}
}
