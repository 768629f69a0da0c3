package checks_test

import (
	"bufio"
	"crypto/sha256"
	"encoding/csv"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/airlock-project/airlock/workspaces/checks"
	"github.com/airlock-project/airlock/workspaces/content"
)

var updateFindings = flag.Bool("update-findings", false, "rewrite testdata/findings.golden")

// goldenTable is a large generated table whose findings are recorded in
// testdata/findings.golden, so that a change meant to make the checks
// faster is shown to find exactly what they found before.
type goldenTable struct {
	name     string
	settings func(*checks.Settings)
	records  func(testing.TB) [][]string // header first
}

func goldenTables() []goldenTable {
	tables := []goldenTable{
		{name: "aggregate-120k", records: func(tb testing.TB) [][]string { return aggregateRecords(tb, 120_000) }},
		{name: "aggregate-50k-zeros", records: func(tb testing.TB) [][]string { return aggregateRecords(tb, 50_000) },
			settings: func(s *checks.Settings) { s.ZerosAreDisclosive = true }},
		{name: "aggregate-30k-maxgroups-500", records: func(tb testing.TB) [][]string { return aggregateRecords(tb, 30_000) },
			settings: func(s *checks.Settings) { s.MaxGroups = 500 }},
		{name: "long-totals", records: func(testing.TB) [][]string { return longTotals(1, 400, 6) }},
		// The regions' first total comes after the rows that decide the
		// roles: the region groups are followed speculatively until then.
		{name: "long-totals-late", records: func(testing.TB) [][]string { return longTotals(6, 150, 15) }},
		{name: "long-totals-maxgroups-40", records: func(testing.TB) [][]string { return longTotals(2, 150, 6) },
			settings: func(s *checks.Settings) { s.MaxGroups = 40 }},
		{name: "wide-row-totals", records: func(testing.TB) [][]string { return wideRowTotals(3, 20000) }},
		{name: "life-table", records: func(testing.TB) [][]string { return lifeTable(4, 6000) }},
		{name: "statistics-by-row", records: func(testing.TB) [][]string { return statisticsByRow(5, 6000) }},
	}
	for seed := range 24 {
		tables = append(tables, goldenTable{name: "random-" + strconv.Itoa(seed), records: func(testing.TB) [][]string { return randomTable(uint64(seed), 2500) }})
	}
	return tables
}

// TestFindingsGolden runs the checks on every golden table by Add, by
// AddNumbers with a statistics pass's numbers and in the background, and
// compares a digest of everything they report with the one recorded.
// -update-findings rewrites the record; AIRLOCK_FINDINGS_DUMP=dir writes
// each table's full report there, to compare two versions with diff.
func TestFindingsGolden(t *testing.T) {
	if testing.Short() {
		t.Skip("large tables")
	}
	golden := filepath.Join("testdata", "findings.golden")
	want := map[string]string{}
	if !*updateFindings {
		data, err := os.ReadFile(golden)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
			name, _, _ := strings.Cut(line, " ")
			want[name] = line
		}
	}
	dumpDir := os.Getenv("AIRLOCK_FINDINGS_DUMP")
	var lines []string
	for _, gt := range goldenTables() {
		recs := gt.records(t)
		s := checks.DefaultSettings()
		if gt.settings != nil {
			gt.settings(&s)
		}
		full := runAllWays(t, gt.name, recs, s)
		if dumpDir != "" {
			if err := os.WriteFile(filepath.Join(dumpDir, gt.name+".txt"), []byte(full.text), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		line := gt.name + " " + full.line
		lines = append(lines, line)
		if !*updateFindings && want[gt.name] != line {
			t.Errorf("findings of %s changed:\n got %s\nwant %s", gt.name, line, want[gt.name])
		}
	}
	if *updateFindings {
		if err := os.WriteFile(golden, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

type goldenReport struct {
	text string // everything the result says
	line string // counts and a digest of text
}

// everyWay feeds rows to checkers that take them every way a caller can
// hand them over: by Add, by AddNumbers, and in the background by
// AddNumbers and AddNumbersOf. All must find the same.
type everyWay struct {
	plain, numbered *checks.Checker
	bg, bgOf        *checks.Background
	nums            []content.Number
	cnums           []checks.Number
}

func newEveryWay(header []string, s checks.Settings) *everyWay {
	return &everyWay{plain: checks.New(header, s), numbered: checks.New(header, s),
		bg: checks.New(header, s).InBackground(), bgOf: checks.New(header, s).InBackground()}
}

func (e *everyWay) add(row []string) {
	e.nums = content.ReadNumbers(e.nums, row)
	e.cnums = e.cnums[:0]
	for _, n := range e.nums {
		e.cnums = append(e.cnums, checks.Number(n))
	}
	e.plain.Add(row)
	e.numbered.AddNumbers(row, e.cnums)
	e.bg.AddNumbers(row, e.cnums)
	checks.AddNumbersOf(e.bgOf, row, e.nums)
}

// results returns what Add found, and what each other way found by its name.
func (e *everyWay) results() (*checks.Result, map[string]*checks.Result) {
	return e.plain.Result(), map[string]*checks.Result{
		"AddNumbers": e.numbered.Result(), "Background.AddNumbers": e.bg.Result(), "AddNumbersOf": e.bgOf.Result()}
}

// runAllWays checks recs every way, which must agree, and reports the result.
func runAllWays(t *testing.T, name string, recs [][]string, s checks.Settings) goldenReport {
	t.Helper()
	e := newEveryWay(recs[0], s)
	for _, r := range recs[1:] {
		e.add(r)
	}
	want, others := e.results()
	rep := goldenReportOf(want)
	for way, res := range others {
		if got := goldenReportOf(res); got != rep {
			t.Errorf("%s: %s differs from Add: %s vs %s", name, way, got.line, rep.line)
		}
	}
	assertFindings(t, recs[0], recs[1:], want)
	return rep
}

func goldenReportOf(res *checks.Result) goldenReport {
	var b strings.Builder
	fmt.Fprintf(&b, "%s rows=%d fails=%d reviews=%d\n", res.RuleSet, res.Rows, res.Fails, res.Reviews)
	for _, c := range res.Columns {
		fmt.Fprintf(&b, "column %q %s total=%v mid6=%v (%s)\n", c.Name, c.Role, c.Total, c.LooksMidpoint6, c.Why)
	}
	byRule := map[checks.Rule]int{}
	for _, f := range res.Findings {
		byRule[f.Rule]++
		fmt.Fprintf(&b, "%d %d %q %s %s %q %q: %s\n", f.Row, f.Col, f.Column, f.Rule, f.Severity, f.Value, f.Recovered, f.Message)
	}
	for _, n := range res.Notes {
		fmt.Fprintf(&b, "note: %s\n", n)
	}
	var rules []string
	for _, r := range checks.Rules {
		if byRule[r] > 0 {
			rules = append(rules, fmt.Sprintf("%s=%d", r, byRule[r]))
		}
	}
	text := b.String()
	line := fmt.Sprintf("rows=%d fails=%d reviews=%d listed=%d notes=%d %s sha256=%x",
		res.Rows, res.Fails, res.Reviews, len(res.Findings), len(res.Notes), strings.Join(rules, ","), sha256.Sum256([]byte(text)))
	return goldenReport{text: text, line: line}
}

// aggregateRecords is the rows of writeAggregateCSV read into memory,
// header first.
func aggregateRecords(tb testing.TB, rows int) [][]string {
	f, err := os.Open(writeAggregateCSV(tb, rows))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(bufio.NewReader(f)).ReadAll()
	if err != nil {
		tb.Fatal(err)
	}
	return recs
}

// noisyCount draws a count that is usually rounded and large, sometimes
// small, unrounded, zero or redacted.
func noisyCount(r *rand.Rand) (v int, cell string) {
	switch x := r.IntN(100); {
	case x < 4:
		v = 1 + r.IntN(7)
		return v, []string{"[REDACTED]", "*", "<8", ""}[r.IntN(4)]
	case x < 8:
		v = 1 + r.IntN(7)
	case x < 11:
		v = 8 + r.IntN(300)
	case x < 14:
		v = 0
	default:
		v = 5 * r.IntN(300)
	}
	return v, strconv.Itoa(v)
}

// longTotals is a long table by week, region, age band and sex with
// totals over each dimension: sexes total after their parts (sometimes
// before), bands total in an "All" band, and regions in a "Total" region
// after every region of the week; some totals are off by a little or
// redacted.
func longTotals(seed uint64, weeks, nregions int) [][]string {
	r := rand.New(rand.NewPCG(seed, seed*7+1))
	recs := [][]string{{"week", "region", "age_band", "sex", "n", "deaths"}}
	var regions []string
	for i := range nregions {
		regions = append(regions, "Region "+strconv.Itoa(i+1))
	}
	bands := []string{"0-17", "18-39", "40-64", "65+"}
	total := func(v int) string {
		if r.IntN(40) == 0 {
			v += 1 + r.IntN(4) // a total a reader can difference
		}
		if r.IntN(60) == 0 {
			return "[REDACTED]"
		}
		return strconv.Itoa(v)
	}
	for wk := 1; wk <= weeks; wk++ {
		type key struct{ band, sex int }
		regionSum := map[key][2]int{}
		for _, reg := range regions {
			var all [3][2]int
			for b, band := range bands {
				var vals [2][2]int
				var cells [2][2]string
				for s := range 2 {
					for k := range 2 {
						vals[s][k], cells[s][k] = noisyCount(r)
					}
				}
				sum := [2]int{vals[0][0] + vals[1][0], vals[0][1] + vals[1][1]}
				rows := [][]string{
					{strconv.Itoa(wk), reg, band, "male", cells[0][0], cells[0][1]},
					{strconv.Itoa(wk), reg, band, "female", cells[1][0], cells[1][1]},
				}
				tot := []string{strconv.Itoa(wk), reg, band, "Total", total(sum[0]), total(sum[1])}
				if r.IntN(5) == 0 {
					recs = append(recs, tot)
					recs = append(recs, rows...)
				} else {
					recs = append(recs, rows...)
					recs = append(recs, tot)
				}
				for s := range 2 {
					for k := range 2 {
						all[s][k] += vals[s][k]
					}
					v := regionSum[key{b, s}]
					v[0], v[1] = v[0]+vals[s][0], v[1]+vals[s][1]
					regionSum[key{b, s}] = v
				}
				all[2][0] += sum[0]
				all[2][1] += sum[1]
				v := regionSum[key{b, 2}]
				v[0], v[1] = v[0]+sum[0], v[1]+sum[1]
				regionSum[key{b, 2}] = v
			}
			for s, sex := range []string{"male", "female", "Total"} {
				recs = append(recs, []string{strconv.Itoa(wk), reg, "All", sex, total(all[s][0]), total(all[s][1])})
			}
		}
		for b, band := range bands {
			for s, sex := range []string{"male", "female", "Total"} {
				v := regionSum[key{b, s}]
				recs = append(recs, []string{strconv.Itoa(wk), "Total", band, sex, total(v[0]), total(v[1])})
			}
		}
	}
	return recs
}

// wideRowTotals is a wide table with a total per row, a numerator,
// denominator and rate, and counts with percentages.
func wideRowTotals(seed uint64, rows int) [][]string {
	r := rand.New(rand.NewPCG(seed, seed*7+1))
	recs := [][]string{{"practice", "male", "female", "other", "total", "numerator", "denominator", "rate_per_1000", "patients"}}
	for i := range rows {
		var sum int
		row := []string{"P" + strconv.Itoa(10000+i)}
		for range 3 {
			v, c := noisyCount(r)
			sum += v
			row = append(row, c)
		}
		if r.IntN(30) == 0 {
			sum += 1 + r.IntN(5)
		}
		row = append(row, strconv.Itoa(sum))
		num, numCell := noisyCount(r)
		den := 5 * (100 + r.IntN(2000))
		rate := strconv.FormatFloat(float64(num)/float64(den)*1000, 'f', 1+r.IntN(2), 64)
		if r.IntN(25) == 0 {
			rate = strconv.FormatFloat(float64(num+3)/float64(den)*1000, 'f', 2, 64)
		}
		p, _ := noisyCount(r)
		row = append(row, numCell, strconv.Itoa(den), rate, strconv.Itoa(p)+" ("+strconv.FormatFloat(float64(p)/10, 'f', 1, 64)+"%)")
		recs = append(recs, row)
	}
	return recs
}

// lifeTable is survival curves by stratum, with redacted events and
// censorings that the numbers at risk and the survival estimate give back.
func lifeTable(seed uint64, rows int) [][]string {
	r := rand.New(rand.NewPCG(seed, seed*7+1))
	recs := [][]string{{"stratum", "time", "n_risk", "n_event", "n_censor", "surv"}}
	for s := 0; len(recs) <= rows; s++ {
		risk, surv := 500+r.IntN(2000), 1.0
		for t := 0; t < 40 && risk > 0 && len(recs) <= rows; t++ {
			ev, cn := r.IntN(max(risk/20, 1)+1), r.IntN(max(risk/30, 1)+1)
			if ev+cn > risk {
				ev, cn = risk, 0
			}
			surv *= 1 - float64(ev)/float64(risk)
			evc, cnc := strconv.Itoa(ev), strconv.Itoa(cn)
			if r.IntN(15) == 0 {
				evc = "[REDACTED]"
			}
			if r.IntN(15) == 0 {
				cnc = "<10"
			}
			recs = append(recs, []string{"S" + strconv.Itoa(s), strconv.Itoa(t), strconv.Itoa(risk), evc, cnc, strconv.FormatFloat(surv, 'f', 4, 64)})
			risk -= ev + cn
		}
	}
	return recs
}

// statisticsByRow is blocks of n, mean, sd, min and max rows per region
// and year, some with small or redacted n.
func statisticsByRow(seed uint64, rows int) [][]string {
	r := rand.New(rand.NewPCG(seed, seed*7+1))
	recs := [][]string{{"region", "year", "statistic", "age", "bmi"}}
	for b := 0; len(recs) <= rows; b++ {
		reg, year := "R"+strconv.Itoa(b%50), strconv.Itoa(2000+b/50)
		labels := []string{"n", "mean", "sd", "min", "max", "median"}
		if r.IntN(4) == 0 {
			labels = []string{"mean", "sd", "n", "p25", "p75"}
		}
		for _, l := range labels {
			row := []string{reg, year, l}
			for range 2 {
				if l == "n" {
					_, c := noisyCount(r)
					row = append(row, c)
				} else {
					row = append(row, strconv.FormatFloat(r.Float64()*80, 'f', 1, 64))
				}
			}
			recs = append(recs, row)
		}
	}
	return recs
}

// randomTable is a table of the fuzz tests' cells and headers, long
// enough to be checked past the rows that decide the roles.
func randomTable(seed uint64, rows int) [][]string {
	r := rand.New(rand.NewPCG(seed, seed>>7+11))
	ncol := 2 + r.IntN(10)
	recs := [][]string{randomHeader(r, ncol)}
	labels := slices.Clip([]string{"North", "South", "Total", "East"})
	for range rows {
		row := make([]string, randomWidth(r, ncol, 50))
		for j := range row {
			if j == 0 && r.IntN(2) == 0 {
				row[j] = labels[r.IntN(len(labels))]
				continue
			}
			row[j] = randomCell(r)
		}
		recs = append(recs, row)
	}
	return recs
}

// TestRuleIndex holds the order findings are sorted and counted in to Rules.
func TestRuleIndex(t *testing.T) {
	for i, r := range checks.Rules {
		if got := checks.RuleIndex(r); got != i {
			t.Errorf("RuleIndex(%s) = %d, want %d", r, got, i)
		}
	}
	if got := checks.RuleIndex("no-such-rule"); got != len(checks.Rules) {
		t.Errorf("RuleIndex of an unknown rule = %d", got)
	}
}
