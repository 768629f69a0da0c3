package viewer

import (
	"slices"
)

// ParamFlagged shows only the rows the disclosure checks flagged.
const ParamFlagged = "flagged"

// CellFlag is one disclosure-check flag on a cell (D17), as the table
// shows it: an icon, the severity in words and the reason as text, never
// colour alone.
type CellFlag struct {
	// Fail is a fail flag; otherwise a review flag.
	Fail    bool
	Rule    string
	Message string
	// Recovered is the value a reader can work out for a redacted cell.
	Recovered string
	// Exception is who asked for an exception and why, "" for an open
	// flag; an excepted flag is shown struck through.
	Exception string
}

// Flags are the flags of one table by data row and column.
type Flags struct {
	cells map[[2]int][]CellFlag
	rows  []int // sorted, unique
	// Fails and Reviews count the flags the table shows on its cells;
	// Open those without an exception.
	Fails, Reviews, Open int
}

// NewFlags returns an empty set of flags.
func NewFlags() *Flags { return &Flags{cells: map[[2]int][]CellFlag{}} }

// Add flags the cell at a 1-based data row and 0-based column.
func (f *Flags) Add(row, col int, fl CellFlag) {
	if row <= 0 || col < 0 {
		return
	}
	k := [2]int{row, col}
	f.cells[k] = append(f.cells[k], fl)
	if i, ok := slices.BinarySearch(f.rows, row); !ok {
		f.rows = slices.Insert(f.rows, i, row)
	}
	if fl.Fail {
		f.Fails++
	} else {
		f.Reviews++
	}
	if fl.Exception == "" {
		f.Open++
	}
}

// Rows are the flagged data rows, in file order.
func (f *Flags) Rows() []int {
	if f == nil {
		return nil
	}
	return f.rows
}

// at returns the flags of one cell.
func (f *Flags) at(row, col int) []CellFlag {
	if f == nil {
		return nil
	}
	return f.cells[[2]int{row, col}]
}

// after returns the first flagged row after row, or 0.
func (f *Flags) after(row int) int {
	if f == nil {
		return 0
	}
	i, ok := slices.BinarySearch(f.rows, row)
	if ok {
		i++
	}
	if i < len(f.rows) {
		return f.rows[i]
	}
	return 0
}
