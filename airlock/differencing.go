package airlock

import (
	"context"
	"io"
	"time"
)

// Differencing: a table set beside one this workspace released before can
// reveal a small group by subtraction. These are the domain's view of the
// comparison with released tables; the comparing runs behind Differencer,
// wired in by the program.

// ReleasedFile is an output file released from a workspace.
type ReleasedFile struct {
	Request    string
	Path       string
	FileID     string
	Size       int64
	ReleasedAt time.Time
}

// ReleasedCandidate is a released file a new table may be compared with.
type ReleasedCandidate struct {
	ReleasedFile
	// Open opens the released bytes.
	Open func() (io.ReadSeekCloser, error)
}

// DifferenceFlag is one cell whose difference from the released table is
// a small non-zero count.
type DifferenceFlag struct {
	// Row is the 1-based data row of the new table; Column its header.
	Row      int
	Column   string
	Released string
	Current  string
	// Difference is Current minus Released.
	Difference float64
}

// DifferencingResult is the comparison of a new table with one released
// table of the same path or the same header.
type DifferencingResult struct {
	Released ReleasedFile
	SamePath bool // else the same header
	// Flags list the first cells flagged; Total counts them all.
	Flags     []DifferenceFlag
	Total     int
	Threshold int
}

// Differencer compares a table with tables released from its workspace
// before and flags the cells whose difference is a small count.
type Differencer interface {
	Differencing(ctx context.Context, in CheckInput, released []ReleasedCandidate) ([]DifferencingResult, error)
}
