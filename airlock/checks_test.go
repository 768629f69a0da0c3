package airlock_test

import (
	"strings"
	"testing"

	"github.com/airlock-project/airlock/airlock"
)

func TestCheckFlagsAllowSubmit(t *testing.T) {
	for _, tc := range []struct {
		name     string
		files    []airlock.FlagCount
		advisory bool
		want     string // "" for allowed, else part of the refusal
	}{
		{"no files", nil, false, ""},
		{"no open fails", []airlock.FlagCount{{Path: "a.csv"}, {Path: "b.csv"}}, false, ""},
		{"one open fail blocks", []airlock.FlagCount{{Path: "a.csv", OpenFails: 1}}, false, "a.csv (1 open fail flag)"},
		{"each blocking file is named", []airlock.FlagCount{{Path: "a.csv", OpenFails: 2}, {Path: "b.csv"}, {Path: "c.csv", OpenFails: 3}},
			false, "a.csv (2 open fail flags) and c.csv (3 open fail flags)"},
		{"advisory never blocks", []airlock.FlagCount{{Path: "a.csv", OpenFails: 5}}, true, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := airlock.CheckFlagsAllowSubmit(tc.files, tc.advisory)
			if tc.want == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if airlock.ErrorCode(err) != airlock.ESTATE || !strings.Contains(airlock.ErrorMessage(err), tc.want) {
				t.Fatalf("err = %v, want ESTATE naming %q", err, tc.want)
			}
		})
	}
}

func TestApplyCheckNotes(t *testing.T) {
	small := airlock.CheckFinding{Rule: "small-count", Severity: "fail", Row: 2, Col: 1, Column: "n", Value: "5"}
	unrounded := airlock.CheckFinding{Rule: "unrounded-count", Severity: "fail", Row: 3, Col: 1, Column: "n", Value: "13"}
	hint := airlock.CheckFinding{Rule: "extreme-value", Severity: "review", Row: 4, Col: 2, Column: "max", Value: "99"}
	fc := &airlock.FileCheck{Tables: []airlock.CheckTable{{Header: "h1", Findings: []airlock.CheckFinding{small, unrounded, hint}, Fails: 2, Reviews: 1}}}
	exception := func(f airlock.CheckFinding, header string) *airlock.CheckNote {
		return &airlock.CheckNote{Kind: airlock.CheckNoteException, Rule: f.Rule, Row: f.Row, Column: f.Column, Header: header, Reason: "because"}
	}
	for _, tc := range []struct {
		name                        string
		fc                          *airlock.FileCheck
		notes                       []*airlock.CheckNote
		withData                    bool
		openFails, openReviews, exc int
		stale                       int
		status                      airlock.CheckStatus
	}{
		{"no notes", fc, nil, true, 2, 1, 0, 0, airlock.CheckFail},
		{"one exception", fc, []*airlock.CheckNote{exception(small, "h1")}, true, 1, 1, 1, 0, airlock.CheckFail},
		{"both fails excepted leave the review", fc, []*airlock.CheckNote{exception(small, "h1"), exception(unrounded, "h1")}, true, 0, 1, 2, 0, airlock.CheckReview},
		{"an exception on another header is stale", fc, []*airlock.CheckNote{exception(small, "h0")}, true, 2, 1, 0, 1, airlock.CheckFail},
		{"an exception on another row matches nothing", fc, []*airlock.CheckNote{exception(airlock.CheckFinding{Rule: "small-count", Row: 9, Column: "n"}, "h1")}, true, 2, 1, 0, 1, airlock.CheckFail},
		{"unlisted findings stay open", &airlock.FileCheck{Tables: []airlock.CheckTable{{Header: "h1", Findings: []airlock.CheckFinding{small}, Fails: 1500}}},
			[]*airlock.CheckNote{exception(small, "h1")}, true, 1499, 0, 1, 0, airlock.CheckFail},
		{"a figure with data passes", &airlock.FileCheck{Figure: true, Tables: []airlock.CheckTable{{}}}, nil, true, 0, 0, 0, 0, airlock.CheckPass},
		{"a figure without data gets a review", &airlock.FileCheck{Figure: true, Tables: []airlock.CheckTable{{}}}, nil, false, 0, 1, 0, 0, airlock.CheckReview},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := airlock.ApplyCheckNotes("a.csv", tc.fc, tc.notes, tc.withData)
			if c.OpenFails != tc.openFails || c.OpenReviews != tc.openReviews || c.Excepted != tc.exc || len(c.Stale) != tc.stale || c.Status() != tc.status {
				t.Fatalf("open fails %d, open reviews %d, excepted %d, stale %d, status %s; want %d, %d, %d, %d, %s",
					c.OpenFails, c.OpenReviews, c.Excepted, len(c.Stale), c.Status(), tc.openFails, tc.openReviews, tc.exc, tc.stale, tc.status)
			}
		})
	}
}

func TestValidateCheckNote(t *testing.T) {
	roles := []airlock.CheckRoleChoice{{Role: "dimension", Label: "Not a count"}}
	for _, tc := range []struct {
		name string
		note airlock.CheckNote
		ok   bool
	}{
		{"role with reason", airlock.CheckNote{Kind: airlock.CheckNoteRole, Column: "week", Role: "dimension", Reason: "week number"}, true},
		{"role without reason", airlock.CheckNote{Kind: airlock.CheckNoteRole, Column: "week", Role: "dimension", Reason: "  "}, false},
		{"unknown role", airlock.CheckNote{Kind: airlock.CheckNoteRole, Column: "week", Role: "banana", Reason: "x"}, false},
		{"role without column", airlock.CheckNote{Kind: airlock.CheckNoteRole, Role: "dimension", Reason: "x"}, false},
		{"exception with reason", airlock.CheckNote{Kind: airlock.CheckNoteException, Rule: "small-count", Row: 2, Column: "n", Reason: "a public figure"}, true},
		{"exception without reason", airlock.CheckNote{Kind: airlock.CheckNoteException, Rule: "small-count", Row: 2, Column: "n"}, false},
		{"exception without rule", airlock.CheckNote{Kind: airlock.CheckNoteException, Row: 2, Reason: "x"}, false},
		{"reason not UTF-8", airlock.CheckNote{Kind: airlock.CheckNoteException, Rule: "small-count", Reason: "caf\xe9"}, false},
		{"reason too long", airlock.CheckNote{Kind: airlock.CheckNoteException, Rule: "small-count", Reason: strings.Repeat("x", 2001)}, false},
		{"unknown kind", airlock.CheckNote{Kind: "veto", Reason: "x"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := tc.note
			err := airlock.ValidateCheckNote(&n, roles)
			if (err == nil) != tc.ok {
				t.Fatalf("err = %v, want ok %v", err, tc.ok)
			}
			if err != nil && airlock.ErrorCode(err) != airlock.EINVALID {
				t.Fatalf("code %s, want EINVALID", airlock.ErrorCode(err))
			}
		})
	}
}
