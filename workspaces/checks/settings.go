package checks

import (
	"errors"
	"fmt"
)

// Settings are a backend's disclosure-check settings. Researchers cannot
// change them; they can only declare column roles and ask for exceptions.
// Start from DefaultSettings: the zero value turns most rules off.
type Settings struct {
	// SmallCountMax is the largest small count, inclusive: a count
	// 0 < v <= SmallCountMax fails small-count. Default 7 (OpenSAFELY);
	// ACRO's threshold of 10 ("fail below 10") is 9 here.
	SmallCountMax int
	// RoundingBase is what counts must be multiples of, unless they are
	// midpoint-6 rounded. Default 5.
	RoundingBase int
	// RequireRounding makes unrounded-count a fail; when false it is a
	// review. Default true.
	RequireRounding bool
	// AcceptMidpoint6 honours the _midpoint6 and _midpoint6_derived
	// header suffixes and recognises columns that are midpoint-6 rounded
	// without saying so. Default true.
	AcceptMidpoint6 bool
	// ZerosAreDisclosive makes a zero count a small count and "0 of N" a
	// class disclosure. Default false (ACRO's default is true).
	ZerosAreDisclosive bool
	// SurvivalMinCount is the small-count threshold for the events and
	// censorings of a survival table; 0 means SmallCountMax (the default).
	SurvivalMinCount int
	// NKN and NKK are the n-k dominance rule: a cell fails when its NKN
	// largest contributors hold at least NKK of its total. Defaults 2 and
	// 0.90 (ACRO).
	NKN int
	NKK float64
	// PRatioP is the p-ratio dominance rule: a cell fails when what is
	// left after the two largest contributors is less than PRatioP of the
	// largest. Default 0.10 (ACRO).
	PRatioP float64
	// DoFMin is the fewest residual degrees of freedom a model may show
	// without review. Default 10 (ACRO).
	DoFMin int
	// MarkersExplicit are the spellings of a redacted cell, compared after
	// trimming, lower-casing and removing spaces. Bounds such as "<8" or
	// "<=7" are always explicit markers. Default: [redacted], redacted,
	// suppressed, *, **, ~, c, x.
	MarkersExplicit []string
	// MarkersAmbiguous are spellings that may mean missing or redacted,
	// compared the same way; a blank cell is always one. Default: na,
	// n/a, nan, null, none, -, and ".".
	MarkersAmbiguous []string
	// TotalLabels are the row labels and column headers that mark a
	// total, compared after trimming and lower-casing. Default: total,
	// all, overall, grand total, sum.
	TotalLabels []string
	// MaxGroups bounds the long-table groups tracked per table to find
	// the lines that totals close; past it, recoverable-suppression and
	// total-differencing say on the table that they were not run.
	// Default 100,000.
	MaxGroups int
}

// DefaultSettings returns the settings of the reference note.
func DefaultSettings() Settings {
	return Settings{
		SmallCountMax:    7,
		RoundingBase:     5,
		RequireRounding:  true,
		AcceptMidpoint6:  true,
		NKN:              2,
		NKK:              0.90,
		PRatioP:          0.10,
		DoFMin:           10,
		MarkersExplicit:  []string{"[redacted]", "redacted", "suppressed", "*", "**", "~", "c", "x"},
		MarkersAmbiguous: []string{"na", "n/a", "nan", "null", "none", "-", "."},
		TotalLabels:      []string{"total", "all", "overall", "grand total", "sum"},
		MaxGroups:        100000,
	}
}

// Validate reports the first setting that makes no sense, in words an
// administrator can act on.
func (s Settings) Validate() error {
	switch {
	case s.SmallCountMax < 0:
		return errors.New("small_count_max must be 0 or more")
	case s.RoundingBase < 1:
		return errors.New("rounding_base must be 1 or more")
	case s.SurvivalMinCount < 0:
		return errors.New("survival_min_count must be 0 or more (0 means small_count_max)")
	case s.NKN < 1:
		return errors.New("nk_n must be 1 or more")
	case !(s.NKK > 0 && s.NKK <= 1):
		return errors.New("nk_k must be more than 0 and at most 1")
	case !(s.PRatioP >= 0 && s.PRatioP < 1):
		return errors.New("pratio_p must be at least 0 and less than 1")
	case s.DoFMin < 0:
		return errors.New("dof_min must be 0 or more")
	case s.MaxGroups < 0:
		return errors.New("max_groups must be 0 or more")
	}
	for _, list := range []struct {
		name string
		v    []string
	}{{"markers_explicit", s.MarkersExplicit}, {"markers_ambiguous", s.MarkersAmbiguous}, {"total_labels", s.TotalLabels}} {
		for _, m := range list.v {
			n := normalizeMarker(m)
			if n == "" {
				return fmt.Errorf("%s: %q is blank once spaces are removed", list.name, m)
			}
			if len(n) > maxMarkerBytes {
				return fmt.Errorf("%s: %q is longer than %d characters", list.name, m, maxMarkerBytes)
			}
		}
	}
	return nil
}

// survivalMin is the threshold for survival events and censorings.
func (s Settings) survivalMin() int {
	if s.SurvivalMinCount > 0 {
		return s.SurvivalMinCount
	}
	return s.SmallCountMax
}
