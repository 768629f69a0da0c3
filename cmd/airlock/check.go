package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/airlock-project/airlock/workspaces/checkfile"
	"github.com/airlock-project/airlock/workspaces/checks"
)

// runCheck is `airlock check [--json] [settings flags] FILE…`: the
// disclosure checks (D17) on files on disk, so a researcher's pipeline can
// run them before asking for release. Each CSV or TSV file, each sheet of
// a workbook and each table of an HTML file is checked as a table; text,
// logs and SVG text get review hints; images a review. The exit status is
// 0 when nothing fails, 1 when a file has a fail finding, and 2 for a
// wrong command line or a file that cannot be read or checked.
func runCheck(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlagSet("airlock check [--json] [flags] FILE...", stderr)
	asJSON := fs.Bool("json", false, "print one JSON array of findings: file, sheet, rule, severity, row, column, value, message")
	settings := sdcFlags(fs, getenv)
	files, err := parseFlags(fs, args[1:])
	if err != nil {
		return err
	}
	s, err := settings()
	if err != nil {
		fs.Usage()
		return err
	}
	if len(files) == 0 {
		fs.Usage()
		return usagef("check: name at least one file")
	}
	var reports []checkReport
	failed := 0
	for _, name := range files {
		rs, err := checkFile(ctx, name, s)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			fmt.Fprintf(stderr, "airlock check: %s: %v\n", name, err)
			failed++
			continue
		}
		reports = append(reports, rs...)
	}
	if *asJSON {
		if err := writeFindingsJSON(stdout, reports); err != nil {
			return err
		}
		for _, r := range reports {
			for _, n := range r.result.Notes {
				fmt.Fprintf(stderr, "airlock check: %s: %s\n", r.where(), n)
			}
		}
	} else {
		writeFindingsText(stdout, reports)
	}
	if failed > 0 {
		return usagef("check: %d of %d files could not be checked", failed, len(files))
	}
	fails := map[string]bool{}
	for _, r := range reports {
		if r.result.Fails > 0 {
			fails[r.file] = true
		}
	}
	if len(fails) > 0 {
		return fmt.Errorf("check: %d of %d files have findings that fail", len(fails), len(files))
	}
	return nil
}

// checkReport is the result for one table (or text) of one file.
type checkReport struct {
	file   string
	sheet  string // the sheet, or "table N" of an HTML file; "" otherwise
	result *checks.Result
}

func (r checkReport) where() string {
	if r.sheet == "" {
		return r.file
	}
	return r.file + " [" + r.sheet + "]"
}

// checkFile checks one file by what its bytes are, as the viewer shows it.
func checkFile(ctx context.Context, name string, s checks.Settings) ([]checkReport, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, plainOSError(err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, plainOSError(err)
	}
	if st.IsDir() {
		return nil, errors.New("is a directory; name the files in it")
	}
	cf, err := checkfile.Check(ctx, name, f, st.Size(), s, nil)
	if err != nil {
		return nil, plainOSError(err)
	}
	out := make([]checkReport, 0, len(cf.Reports))
	for _, r := range cf.Reports {
		out = append(out, checkReport{file: name, sheet: r.Sheet, result: r.Result})
	}
	if cf.Figure && len(out) > 0 {
		res := out[0].result
		res.Findings = append([]checks.Finding{figureFinding(name)}, res.Findings...)
		res.Reviews++
	}
	return out, nil
}

// figureFinding is the review every figure gets: pixels cannot be checked,
// and the data behind a figure should come with it.
func figureFinding(name string) checks.Finding {
	f := checks.Finding{Rule: checks.RuleFigure, Severity: checks.Review, Col: -1}
	stem := strings.TrimSuffix(name, filepath.Ext(name))
	for _, ext := range []string{".csv", ".tsv", ".xlsx", ".html", ".htm"} {
		if st, err := os.Stat(stem + ext); err == nil && !st.IsDir() {
			f.Message = fmt.Sprintf("A figure cannot be checked automatically: a checker will compare it with its data, %s, which is checked as a table.", filepath.Base(stem+ext))
			return f
		}
	}
	f.Message = "Underlying data not supplied: a figure cannot be checked automatically, so add the table it is drawn from (with its counts rounded and redacted) to the same file group."
	return f
}

// plainOSError drops the path from an os error, which the caller names.
func plainOSError(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// jsonFinding is one finding of `airlock check --json`; row and column are
// null for findings about a column or the whole file, sheet for files
// that are not workbooks or HTML.
type jsonFinding struct {
	File     string  `json:"file"`
	Sheet    *string `json:"sheet"`
	Rule     string  `json:"rule"`
	Severity string  `json:"severity"`
	Row      *int    `json:"row"`
	Column   *string `json:"column"`
	Value    string  `json:"value"`
	Message  string  `json:"message"`
}

func writeFindingsJSON(w io.Writer, reports []checkReport) error {
	out := []jsonFinding{}
	for _, r := range reports {
		for _, f := range r.result.Findings {
			jf := jsonFinding{File: r.file, Rule: string(f.Rule), Severity: string(f.Severity), Value: f.Value, Message: f.Message}
			if r.sheet != "" {
				jf.Sheet = &r.sheet
			}
			if f.Row > 0 {
				jf.Row = &f.Row
			}
			if f.Col >= 0 {
				jf.Column = &f.Column
			}
			out = append(out, jf)
		}
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

func writeFindingsText(w io.Writer, reports []checkReport) {
	count := map[checks.Status]int{}
	for _, r := range reports {
		res := r.result
		count[res.Status()]++
		fmt.Fprintf(w, "%s: %s", r.where(), res.Status())
		if res.Fails+res.Reviews > 0 {
			fmt.Fprintf(w, " (%d fail, %d review)", res.Fails, res.Reviews)
		}
		fmt.Fprintln(w)
		for _, f := range res.Findings {
			var at string
			switch {
			case f.Row > 0 && f.Col >= 0:
				at = fmt.Sprintf("row %d, %s", f.Row, f.Column)
			case f.Row > 0:
				at = fmt.Sprintf("line %d", f.Row)
			case f.Col >= 0:
				at = f.Column
			default:
				at = "file"
			}
			fmt.Fprintf(w, "  %s: %s %s: %s\n", at, f.Severity, f.Rule, f.Message)
		}
		for _, n := range res.Notes {
			fmt.Fprintf(w, "  note: %s\n", n)
		}
	}
	fmt.Fprintf(w, "%d checked: %d fail, %d review, %d pass.\n", len(reports), count[checks.StatusFail], count[checks.StatusReview], count[checks.StatusPass])
}

// sdcFlags adds the disclosure-check settings to fs, each with its
// AIRLOCK_SDC_* environment variable (the backend's settings) as the
// default, and returns them once parsed and validated.
func sdcFlags(fs *flag.FlagSet, getenv func(string) string) func() (checks.Settings, error) {
	d := checks.DefaultSettings()
	var errs []error
	intFlag := func(dst *int, name, env string, usage string) {
		v := getenvOr(getenv, "AIRLOCK_SDC_"+env, "")
		if v != "" {
			n, err := strconv.Atoi(v)
			if err != nil {
				errs = append(errs, fmt.Errorf("AIRLOCK_SDC_%s=%q is not a whole number", env, v))
			}
			*dst = n
		}
		fs.IntVar(dst, name, *dst, usage+" (AIRLOCK_SDC_"+env+")")
	}
	floatFlag := func(dst *float64, name, env string, usage string) {
		if v := getenvOr(getenv, "AIRLOCK_SDC_"+env, ""); v != "" {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				errs = append(errs, fmt.Errorf("AIRLOCK_SDC_%s=%q is not a number", env, v))
			}
			*dst = f
		}
		fs.Float64Var(dst, name, *dst, usage+" (AIRLOCK_SDC_"+env+")")
	}
	boolFlag := func(dst *bool, name, env string, usage string) {
		if v := getenvOr(getenv, "AIRLOCK_SDC_"+env, ""); v != "" {
			b, err := strconv.ParseBool(v)
			if err != nil {
				errs = append(errs, fmt.Errorf("AIRLOCK_SDC_%s=%q is not true or false", env, v))
			}
			*dst = b
		}
		fs.BoolVar(dst, name, *dst, usage+" (AIRLOCK_SDC_"+env+")")
	}
	listFlag := func(dst *[]string, name, env string, usage string) {
		for v := range strings.SplitSeq(getenvOr(getenv, "AIRLOCK_SDC_"+env, ""), ",") {
			if v = strings.TrimSpace(v); v != "" {
				*dst = append(*dst, v)
			}
		}
		fs.Func(name, usage+"; repeat for more (AIRLOCK_SDC_"+env+", comma-separated)", func(v string) error {
			*dst = append(*dst, v)
			return nil
		})
	}
	intFlag(&d.SmallCountMax, "small-count-max", "SMALL_COUNT_MAX", "largest small count, inclusive")
	intFlag(&d.RoundingBase, "rounding-base", "ROUNDING_BASE", "counts must be multiples of this")
	boolFlag(&d.RequireRounding, "require-rounding", "REQUIRE_ROUNDING", "unrounded counts fail; false makes them a review")
	boolFlag(&d.AcceptMidpoint6, "accept-midpoint6", "ACCEPT_MIDPOINT6", "accept midpoint-6 rounding (_midpoint6 headers, and columns that are)")
	boolFlag(&d.ZerosAreDisclosive, "zeros-are-disclosive", "ZEROS_ARE_DISCLOSIVE", "zero counts are small counts, and 0 of N a class disclosure")
	intFlag(&d.SurvivalMinCount, "survival-min-count", "SURVIVAL_MIN_COUNT", "small-count threshold of survival events and censorings; 0 means -small-count-max")
	intFlag(&d.NKN, "nk-n", "NK_N", "dominance: the number of largest contributions")
	floatFlag(&d.NKK, "nk-k", "NK_K", "dominance: the share of the total they may not reach")
	floatFlag(&d.PRatioP, "pratio-p", "PRATIO_P", "dominance: p-ratio threshold")
	intFlag(&d.DoFMin, "dof-min", "DOF_MIN", "fewest residual degrees of freedom of a model")
	listFlag(&d.MarkersExplicit, "marker", "MARKERS_EXPLICIT", "another spelling of a redacted cell")
	listFlag(&d.MarkersAmbiguous, "ambiguous-marker", "MARKERS_AMBIGUOUS", "another spelling that may mean missing or redacted")
	listFlag(&d.TotalLabels, "total-label", "TOTAL_LABELS", "another label of a total row or column")
	intFlag(&d.MaxGroups, "max-groups", "MAX_GROUPS", "long-table groups followed per table")
	return func() (checks.Settings, error) {
		if len(errs) > 0 {
			return d, &usageError{err: errors.Join(errs...)}
		}
		if err := d.Validate(); err != nil {
			return d, usagef("check: %v", err)
		}
		return d, nil
	}
}

func getenvOr(getenv func(string) string, name, def string) string {
	if v := getenv(name); v != "" {
		return v
	}
	return def
}
