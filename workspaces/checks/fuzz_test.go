package checks_test

import (
	"bytes"
	"encoding/csv"
	"math/rand/v2"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/airlock-project/airlock/workspaces/checks"
)

// randomCell draws a cell that the rules care about: counts small and
// large, rounded or not, decimals, markers of every kind, totals, labels.
func randomCell(r *rand.Rand) string {
	switch r.IntN(16) {
	case 0:
		return strconv.Itoa(r.IntN(8))
	case 1, 2:
		return strconv.Itoa(5 * r.IntN(400))
	case 3:
		return strconv.Itoa(r.IntN(100000))
	case 4:
		return strconv.FormatFloat(r.Float64()*100, 'f', r.IntN(5), 64)
	case 5:
		return []string{"[REDACTED]", "*", "<8", "<5", "<=7", "c", "x", "~", "Suppressed"}[r.IntN(9)]
	case 6:
		return []string{"", "NA", "n/a", "-", ".", "null", "NaN"}[r.IntN(7)]
	case 7:
		return []string{"Total", "All", "overall", "Grand Total", "sum"}[r.IntN(5)]
	case 8:
		return []string{"n", "mean", "sd", "min", "max", "median", "p25", "df_resid", "nobs"}[r.IntN(9)]
	case 9:
		return []string{"[0,10)", "10-20", "90+", "<10", "30-39"}[r.IntN(5)]
	case 10:
		return strconv.Itoa(6*r.IntN(50) + 3)
	case 11:
		return strconv.Itoa(r.IntN(5)) + " (" + strconv.FormatFloat(r.Float64()*100, 'f', 1, 64) + "%)"
	case 12:
		return strconv.Itoa(1990 + r.IntN(40))
	case 13:
		return "-" + strconv.Itoa(r.IntN(50))
	case 14:
		return "1," + strconv.Itoa(100+r.IntN(900))
	}
	return []string{"North", "South", "male", "female", "A", "B", "é", "  padded  "}[r.IntN(8)]
}

// randomHeader draws n headers the rules look for.
func randomHeader(r *rand.Rand, n int) []string {
	header := make([]string, n)
	for i := range header {
		header[i] = fuzzHeaders[r.IntN(len(fuzzHeaders))]
	}
	return header
}

// randomWidth is the number of cells of a row of a table ncol wide: one
// row in oneIn is shorter or longer.
func randomWidth(r *rand.Rand, ncol, oneIn int) int {
	if r.IntN(oneIn) == 0 {
		return r.IntN(ncol + 3)
	}
	return ncol
}

var fuzzHeaders = []string{"region", "sex", "n", "total", "rate", "numerator", "denominator", "pct", "mean_age", "min_age",
	"week", "at_risk", "n_event", "n_censor", "surv", "time", "sum", "top1", "top2", "df_resid", "nobs", "coef",
	"lower", "upper", "bin", "n_midpoint6", "n_midpoint6_derived", "statistic", "value", "male", "female", "x", "", "Total", "population"}

// assertFindings checks that every finding points at a cell that exists
// and holds the value it reports.
func assertFindings(t *testing.T, header []string, rows [][]string, res *checks.Result) {
	t.Helper()
	width := len(header)
	for _, r := range rows {
		width = max(width, len(r))
	}
	width = min(width, checks.MaxColumns)
	if len(res.Columns) > width {
		t.Fatalf("%d columns reported for a table %d wide", len(res.Columns), width)
	}
	listed := map[checks.Severity]int{}
	for _, f := range res.Findings {
		listed[f.Severity]++
		if f.Message == "" || (f.Severity != checks.Fail && f.Severity != checks.Review) {
			t.Fatalf("bad finding %+v", f)
		}
		if f.Row < 0 || f.Row > len(rows) || f.Col < -1 || f.Col >= len(res.Columns) {
			t.Fatalf("finding outside the table (%d rows, %d columns): %+v", len(rows), len(res.Columns), f)
		}
		if f.Col >= 0 && f.Column != res.Columns[f.Col].Name {
			t.Fatalf("finding names column %q at %d, which is %q", f.Column, f.Col, res.Columns[f.Col].Name)
		}
		if f.Row > 0 && f.Col < 0 {
			t.Fatalf("row finding without a column: %+v", f)
		}
		if f.Row > 0 && f.Rule != checks.RuleClassDisclosure {
			row := rows[f.Row-1]
			cell := ""
			if f.Col < len(row) {
				cell = strings.TrimSpace(row[f.Col])
			}
			if f.Value != cell {
				t.Fatalf("finding says %q but row %d column %d holds %q: %+v", f.Value, f.Row, f.Col, cell, f)
			}
		}
	}
	if listed[checks.Fail] > res.Fails || listed[checks.Review] > res.Reviews {
		t.Fatalf("listed %v, counted %d fails and %d reviews", listed, res.Fails, res.Reviews)
	}
	if res.Rows != len(rows) {
		t.Fatalf("Rows = %d, want %d", res.Rows, len(rows))
	}
}

func runTable(header []string, rows [][]string) *checks.Result {
	c := checks.New(header, checks.DefaultSettings())
	for _, r := range rows {
		c.Add(r)
	}
	return c.Result()
}

// FuzzRandomTables checks tables drawn from the cells and headers the
// rules look for, shaped by the fuzzer's seed.
func FuzzRandomTables(f *testing.F) {
	for i := range 20 {
		f.Add(uint64(i), uint8(3+i%6), uint16(5+i*37))
	}
	f.Fuzz(func(t *testing.T, seed uint64, cols uint8, nrows uint16) {
		r := rand.New(rand.NewPCG(seed, seed>>7))
		ncol := 1 + int(cols)%12
		n := int(nrows) % 1500
		header := randomHeader(r, ncol)
		rows := make([][]string, n)
		for i := range rows {
			w := randomWidth(r, ncol, 20)
			rows[i] = make([]string, w)
			for j := range rows[i] {
				rows[i][j] = randomCell(r)
			}
		}
		assertFindings(t, header, rows, runTable(header, rows))
	})
}

// FuzzCSV checks whatever bytes read as a CSV file.
func FuzzCSV(f *testing.F) {
	for _, s := range []string{
		"region,male,female,total\nNorth,120,[REDACTED],125\n",
		"age_band,heart_disease\n30-39,5\n",
		"time,n_risk,n_event,n_censor,surv\n0,100,[REDACTED],5,0.97\n1,90,10,0,0.862\n",
		"statistic,male,female\nn,120,5\nmean_age,45.2,50.1\n",
		"industry,n,sum,top1,top2\nA,20,1000,800,150\n",
		"lower,upper,n\n50,60,10\n60,70,5\n",
		"ratio,numerator,denominator\n0.3478,10,30\n",
		"region,sex,n\nNorth,Total,105\nNorth,male,100\nNorth,female,*\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r := csv.NewReader(bytes.NewReader(data))
		r.FieldsPerRecord, r.LazyQuotes = -1, true
		header, err := r.Read()
		if err != nil {
			return
		}
		var rows [][]string
		for len(rows) < 3000 {
			rec, err := r.Read()
			if err != nil {
				break
			}
			rows = append(rows, rec)
		}
		assertFindings(t, header, rows, runTable(header, rows))
	})
}

// TestMemoryIsBounded feeds a large random table without keeping it and
// checks what the checker holds afterwards: it depends on the columns and
// groups, not the rows.
func TestMemoryIsBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("large table")
	}
	header := []string{"practice", "region", "sex", "n", "total", "rate", "numerator", "denominator", "mean_age", "x"}
	r := rand.New(rand.NewPCG(1, 2))
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	c := checks.New(header, checks.DefaultSettings())
	row := make([]string, len(header))
	for i := range 300000 {
		row[0] = "P" + strconv.Itoa(i/30)
		row[1] = []string{"North", "South", "Total"}[i%3]
		for j := 2; j < len(row); j++ {
			row[j] = randomCell(r)
		}
		c.Add(row)
	}
	runtime.GC()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	res := c.Result()
	runtime.KeepAlive(c)
	held := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	if held > 64<<20 {
		t.Errorf("the checker holds %d MB after 300,000 rows", held>>20)
	}
	if res.Rows != 300000 {
		t.Errorf("Rows = %d", res.Rows)
	}
	t.Logf("held %.1f MB, %d findings listed, %d fails, %d reviews", float64(held)/(1<<20), len(res.Findings), res.Fails, res.Reviews)
}
