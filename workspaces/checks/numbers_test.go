package checks_test

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/airlock-project/airlock/workspaces/checks"
	"github.com/airlock-project/airlock/workspaces/content"
)

// numberCell draws a cell that tests how a number is read: padded,
// signed, with exponents, long, or nearly a number.
func numberCell(r *rand.Rand) string {
	cells := []string{" 12 ", "\t5", "7\u00a0", "1e3", "1.50", "+7", "-0", "0.000", "-3.25", "1.5E-3", "2e+2",
		"1234567890123456789", "0.00000000000000012", strings.Repeat("9", 70), "1" + strings.Repeat("0", 63),
		"12.", ".5", "1,000", "5%", "12 (4.5%)", "1e", "--1", "1.2.3", "1e400", "٣", " "}
	return cells[r.IntN(len(cells))]
}

// FuzzAddNumbersMatchesAdd holds AddNumbers, given the numbers of a
// statistics pass, to Add, which parses every cell itself.
func FuzzAddNumbersMatchesAdd(f *testing.F) {
	for i := range 20 {
		f.Add(uint64(i), uint8(3+i%6), uint16(5+i*37))
	}
	f.Fuzz(func(t *testing.T, seed uint64, cols uint8, nrows uint16) {
		r := rand.New(rand.NewPCG(seed, seed>>7))
		ncol := 1 + int(cols)%12
		n := 1000 + int(nrows)%1500 // past the rows that decide the roles, which Add reads itself
		header := randomHeader(r, ncol)
		e := newEveryWay(header, checks.DefaultSettings())
		for range n {
			w := randomWidth(r, ncol, 20)
			row := make([]string, w)
			for j := range row {
				if r.IntN(3) == 0 {
					row[j] = numberCell(r)
				} else {
					row[j] = randomCell(r)
				}
			}
			e.add(row)
		}
		plain, others := e.results()
		want := summary(plain)
		for way, res := range others {
			if got := summary(res); got != want {
				t.Fatalf("%s differs from Add:\n%s\nvs\n%s", way, got, want)
			}
		}
	})
}

func summary(res *checks.Result) string {
	return dump(res) + fmt.Sprintf("%d rows, %d fails, %d reviews\n", res.Rows, res.Fails, res.Reviews)
}

// TestAddNumbersMatchesAddOnRates covers what the fuzz rarely builds:
// rates beside their numerator and denominator, shown to varying
// decimals, so that the digits after the point matter.
func TestAddNumbersMatchesAddOnRates(t *testing.T) {
	header := []string{"region", "numerator", "denominator", "rate"}
	r := rand.New(rand.NewPCG(3, 4))
	plain := checks.New(header, checks.DefaultSettings())
	numbered := checks.New(header, checks.DefaultSettings())
	for i := range 3000 {
		num, den := 5*(1+r.IntN(100)), 5*(100+r.IntN(1000))
		rate := strconv.FormatFloat(float64(num)/float64(den)*100, 'f', r.IntN(4), 64)
		switch r.IntN(10) {
		case 0:
			rate = " " + rate + " "
		case 1:
			rate = strconv.FormatFloat(float64(num)/float64(den)*100, 'e', r.IntN(4), 64)
		}
		row := []string{"r" + strconv.Itoa(i%30), strconv.Itoa(num), strconv.Itoa(den), rate}
		cnums := make([]checks.Number, len(row))
		for i, n := range content.ReadNumbers(nil, row) {
			cnums[i] = checks.Number(n)
		}
		plain.Add(row)
		numbered.AddNumbers(row, cnums)
	}
	want := summary(plain.Result())
	if !strings.Contains(want, string(checks.RuleRateMismatch)) {
		t.Fatalf("no rate-mismatch finding to compare:\n%s", want)
	}
	if got := summary(numbered.Result()); got != want {
		t.Errorf("AddNumbers differs from Add:\n%s\nvs\n%s", got, want)
	}
}
