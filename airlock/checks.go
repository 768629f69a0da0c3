package airlock

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// Disclosure checks (D17): the machine reads every cell of an output first
// and raises flags; a person decides. These are the domain's view of the
// results and of what a researcher says about them. The checks themselves
// run behind FileChecker, wired in by the program.

// Check severities, as the checks name them.
const (
	SeverityFail   = "fail"
	SeverityReview = "review"
)

// CheckStatus is a file's overall result.
type CheckStatus string

// Check statuses: the worst open flag. Flags a researcher has excepted, or
// that a declared role removed, no longer count.
const (
	CheckPass   CheckStatus = "pass"
	CheckReview CheckStatus = "review"
	CheckFail   CheckStatus = "fail"
	// CheckNone is a file the checks do not read (a supporting file, a
	// file whose type has no checks).
	CheckNone CheckStatus = ""
)

// CheckFinding is one flag raised by the checks.
type CheckFinding struct {
	Rule     string
	Severity string
	// Row is the 1-based data row (line for text), 0 for a column- or
	// file-level finding.
	Row int
	// Col is the 0-based column, -1 for none; Column is its header.
	Col       int
	Column    string
	Value     string
	Recovered string
	Message   string
}

// Fails reports whether the finding is a fail flag.
func (f *CheckFinding) Fails() bool { return f.Severity == SeverityFail }

// CheckColumn is what the checks decided a column holds.
type CheckColumn struct {
	Name string
	Role string
	Why  string
}

// CheckTable is the result for one table: a CSV file, one sheet of a
// workbook, one table of an HTML page, or the lines of a text file.
type CheckTable struct {
	// Sheet names the sheet ("table 2" for an HTML page), "" for a file
	// that is one table.
	Sheet string
	// Header fingerprints the table's header row, so that what a
	// researcher said about its columns can outlive an update of the file
	// that keeps the header.
	Header   string
	Rows     int
	Columns  []CheckColumn
	Findings []CheckFinding
	// Fails and Reviews count every finding, also those not listed.
	Fails, Reviews int
	Notes          []string
}

// FileCheck is the result of the checks for one file's bytes.
type FileCheck struct {
	RuleSet string
	Tables  []CheckTable
	// Figure marks an image or SVG: it gets a review finding unless its
	// group holds a table (Figures are judged with their data).
	Figure bool
}

// CheckInput is one file to check.
type CheckInput struct {
	// Name is the file's path; only its extension is used.
	Name string
	// Hash is the SHA-256 of the bytes; results are cached by it.
	Hash string
	Size int64
	// Open opens the bytes; called only when the result is not cached.
	Open func() (io.ReadSeekCloser, error)
	// Roles are the column roles a researcher declared, by sheet and
	// header.
	Roles map[string]map[string]string
	// CachedOnly asks only for a result already computed: a list of many
	// files shows what is known and never waits for a first pass. Without
	// one the checker returns nil and no error.
	CachedOnly bool
}

// FileChecker runs the disclosure checks on a file. Implementations cache
// results per content hash and declared roles.
type FileChecker interface {
	CheckFile(ctx context.Context, in CheckInput) (*FileCheck, error)
	// Checks reports whether files of this name are read by the checks
	// at all (tables, text, figures).
	Checks(name string) bool
	// Roles lists the roles a researcher may declare, in the order a form
	// offers them, each with its label.
	Roles() []CheckRoleChoice
}

// CheckRoleChoice is a role a researcher can declare for a column.
type CheckRoleChoice struct {
	Role, Label string
}

// CheckNoteKind says what a researcher's note about the checks does.
type CheckNoteKind string

// Note kinds.
const (
	// CheckNoteRole declares what a column holds ("not a count: week
	// number"); the checks are run again with it.
	CheckNoteRole CheckNoteKind = "role"
	// CheckNoteException asks the checkers to accept one flag as it is.
	CheckNoteException CheckNoteKind = "exception"
)

// CheckNote is what a researcher said about the checks of one request file.
type CheckNote struct {
	ID     int64
	Path   string
	Kind   CheckNoteKind
	Sheet  string
	Column string
	// Role is the declared role of a role note.
	Role string
	// Rule and Row name the flag of an exception (Row 0 for a column or
	// file flag); Column is its column ("" for none).
	Rule string
	Row  int
	// Header is the fingerprint of the table header the note was made on.
	Header    string
	Reason    string
	Author    string
	CreatedAt time.Time
}

// maxCheckReason bounds the reason of a note.
const maxCheckReason = 2000

// ValidateCheckNote checks a note a researcher is making: a reason is
// required, and a role note needs a role the checks know.
func ValidateCheckNote(n *CheckNote, roles []CheckRoleChoice) error {
	if err := CheckText("reason", n.Reason); err != nil {
		return err
	}
	if err := CheckName("column", n.Column); err != nil && n.Column != "" {
		return err
	}
	n.Reason = strings.TrimSpace(n.Reason)
	if n.Reason == "" {
		return Errorf(EINVALID, "Say why: a reason is required, and the output checkers will read it.")
	}
	if len(n.Reason) > maxCheckReason {
		return Errorf(EINVALID, "A reason can be at most %d characters.", maxCheckReason)
	}
	switch n.Kind {
	case CheckNoteRole:
		if n.Column == "" {
			return Errorf(EINVALID, "Choose the column whose role you are declaring.")
		}
		if !slices.ContainsFunc(roles, func(c CheckRoleChoice) bool { return c.Role == n.Role }) {
			return Errorf(EINVALID, "%q is not a column role the checks know.", n.Role)
		}
	case CheckNoteException:
		if n.Rule == "" {
			return Errorf(EINVALID, "Choose the flag you are asking an exception for.")
		}
		if n.Row < 0 {
			return Errorf(EINVALID, "Row %d does not exist.", n.Row)
		}
	default:
		return Errorf(EINVALID, "There is no kind of note %q.", n.Kind)
	}
	return nil
}

// CheckedFinding is a finding with what a researcher said about it.
type CheckedFinding struct {
	CheckFinding
	// Exception is the researcher's exception for this flag, or nil.
	Exception *CheckNote
	// Override is the role declaration that took this flag away: the
	// checks without it raised the flag, with it they do not.
	Override *CheckNote
}

// Open reports whether the flag still asks for action.
func (f *CheckedFinding) Open() bool { return f.Exception == nil && f.Override == nil }

// CheckedTable is a table's result with the researcher's notes applied.
type CheckedTable struct {
	CheckTable
	Findings []CheckedFinding
	// Roles are the role notes in force on this table, by column.
	Roles map[string]*CheckNote
	// OpenFails and OpenReviews count the flags with no exception
	// (unlisted findings count as open).
	OpenFails, OpenReviews int
}

// CheckedFile is a file's result as a researcher or checker sees it.
type CheckedFile struct {
	Path    string
	RuleSet string
	Tables  []CheckedTable
	// Stale are notes made on a header the file no longer has: they no
	// longer apply.
	Stale []*CheckNote
	// Fails and Reviews count every flag, OpenFails and OpenReviews those
	// still open.
	Fails, Reviews, OpenFails, OpenReviews int
	Excepted                               int
	// Overridden counts the flags a declared role took away.
	Overridden int
}

// Status is the worst open flag.
func (c *CheckedFile) Status() CheckStatus {
	switch {
	case c == nil:
		return CheckNone
	case c.OpenFails > 0:
		return CheckFail
	case c.OpenReviews > 0:
		return CheckReview
	}
	return CheckPass
}

// FigureFinding is the review a figure gets when its group holds no table
// it could have been drawn from.
func FigureFinding() CheckFinding {
	return CheckFinding{Rule: "figure", Severity: SeverityReview, Col: -1,
		Message: "Underlying data not supplied: a figure cannot be checked automatically, so add the table it is drawn from (with its counts rounded and redacted) to the same file group."}
}

// ApplyCheckNotes joins a file's result with the notes made on it. Role
// notes were already given to the checks; here they are only listed.
// Exceptions match a flag by sheet, rule, row and column, and apply only
// while the table's header is the one they were made on. withData says
// whether the file's group holds a table, for figures.
func ApplyCheckNotes(path string, fc *FileCheck, notes []*CheckNote, withData bool) *CheckedFile {
	out := &CheckedFile{Path: path, RuleSet: fc.RuleSet}
	used := map[*CheckNote]bool{}
	tables := fc.Tables
	if fc.Figure && !withData {
		tables = slices.Clone(tables)
		if len(tables) == 0 {
			tables = []CheckTable{{}}
		}
		t := tables[0]
		t.Findings = append([]CheckFinding{FigureFinding()}, t.Findings...)
		t.Reviews++
		tables[0] = t
	}
	for _, t := range tables {
		ct := CheckedTable{CheckTable: t, Roles: map[string]*CheckNote{}}
		for _, n := range notes {
			if n.Kind == CheckNoteRole && n.Sheet == t.Sheet && n.Header == t.Header {
				ct.Roles[n.Column] = n
				used[n] = true
			}
		}
		listedFails, listedReviews := 0, 0
		for _, f := range t.Findings {
			cf := CheckedFinding{CheckFinding: f}
			for _, n := range notes {
				if n.Kind == CheckNoteException && n.Sheet == t.Sheet && n.Header == t.Header &&
					n.Rule == f.Rule && n.Row == f.Row && n.Column == findingColumn(f) {
					cf.Exception = n
					used[n] = true
				}
			}
			if f.Fails() {
				listedFails++
			} else {
				listedReviews++
			}
			switch {
			case !cf.Open():
				out.Excepted++
			case f.Fails():
				ct.OpenFails++
			default:
				ct.OpenReviews++
			}
			ct.Findings = append(ct.Findings, cf)
		}
		// Findings past the listing bound cannot be excepted one by one.
		ct.OpenFails += max(0, t.Fails-listedFails)
		ct.OpenReviews += max(0, t.Reviews-listedReviews)
		out.Fails += t.Fails
		out.Reviews += t.Reviews
		out.OpenFails += ct.OpenFails
		out.OpenReviews += ct.OpenReviews
		out.Tables = append(out.Tables, ct)
	}
	for _, n := range notes {
		if !used[n] {
			out.Stale = append(out.Stale, n)
		}
	}
	return out
}

// findingColumn is the column an exception names for a finding: its
// header, or "" for a finding about no column.
func findingColumn(f CheckFinding) string {
	if f.Col < 0 {
		return ""
	}
	return f.Column
}

// FlagCount is how many fail flags are still open on one file.
type FlagCount struct {
	Path      string
	OpenFails int
}

// CheckFlagsAllowSubmit is the checks' part of submitting (D17): by
// default a request whose output files hold open fail flags cannot be
// submitted until each is fixed, declared away by a column role, or
// excepted with a reason; a backend can make flags advisory. Review flags
// never block.
func CheckFlagsAllowSubmit(files []FlagCount, advisory bool) error {
	if advisory {
		return nil
	}
	var open []string
	for _, f := range files {
		if f.OpenFails > 0 {
			noun := "open fail flag"
			if f.OpenFails != 1 {
				noun += "s"
			}
			open = append(open, fmt.Sprintf("%s (%d %s)", f.Path, f.OpenFails, noun))
		}
	}
	if len(open) == 0 {
		return nil
	}
	return Errorf(ESTATE, "Before submitting, fix the files the disclosure checks fail, or mark a column's role or ask for an exception with a reason: %s.", listNames(open))
}

// tableExtensions are the files a figure's data can come in.
var tableExtensions = []string{".csv", ".tsv", ".xlsx", ".html", ".htm"}

// HasDataFor reports whether a figure's group also holds, as an output, a
// table it may be drawn from.
func (g *FileGroup) HasDataFor(figure string) bool {
	for _, f := range g.OutputFiles() {
		if f.Path == figure {
			continue
		}
		ext := strings.ToLower(f.Path[strings.LastIndexByte(f.Path, '.')+1:])
		if slices.Contains(tableExtensions, "."+ext) {
			return true
		}
	}
	return false
}

// MatchCheckNote ties a note to the file's present result: the column of
// a role note must be one of the table's, the flag of an exception one of
// its listed flags. It sets the note's header fingerprint.
func MatchCheckNote(c *CheckedFile, n *CheckNote) error {
	for _, t := range c.Tables {
		if t.Sheet != n.Sheet {
			continue
		}
		switch n.Kind {
		case CheckNoteRole:
			if slices.ContainsFunc(t.Columns, func(col CheckColumn) bool { return col.Name == n.Column }) {
				n.Header = t.Header
				return nil
			}
			return Errorf(EINVALID, "The table has no column %q.", n.Column)
		case CheckNoteException:
			for _, f := range t.Findings {
				if f.Rule == n.Rule && f.Row == n.Row && findingColumn(f.CheckFinding) == n.Column {
					n.Header = t.Header
					return nil
				}
			}
			return Errorf(EINVALID, "There is no %s flag there any more; look at the file's checks again.", n.Rule)
		}
	}
	if n.Sheet != "" {
		return Errorf(EINVALID, "The file has no sheet %q.", n.Sheet)
	}
	return Errorf(EINVALID, "The file has no table to note.")
}

// Flags counts every flag of the file, open or not.
func (c *CheckedFile) Flags() int { return c.Fails + c.Reviews }

// Unlisted reports whether the table has more flags than are listed.
func (t *CheckedTable) Unlisted() bool { return t.Fails+t.Reviews > len(t.Findings) }

// AddOverridden lists, struck through, the flags that the author's role
// declarations took away: those base (the result without the roles)
// raised in a declared column and the present result does not. They are
// not counted among the file's flags.
func (c *CheckedFile) AddOverridden(base *FileCheck) {
	for i := range c.Tables {
		ct := &c.Tables[i]
		if len(ct.Roles) == 0 {
			continue
		}
		for _, bt := range base.Tables {
			if bt.Sheet != ct.Sheet || bt.Header != ct.Header {
				continue
			}
			for _, f := range bt.Findings {
				note := ct.Roles[findingColumn(f)]
				if note == nil || slices.ContainsFunc(ct.Findings, func(cf CheckedFinding) bool {
					return cf.Rule == f.Rule && cf.Row == f.Row && cf.Col == f.Col
				}) {
					continue
				}
				ct.Findings = append(ct.Findings, CheckedFinding{CheckFinding: f, Override: note})
				c.Overridden++
			}
		}
		slices.SortStableFunc(ct.Findings, func(a, b CheckedFinding) int {
			if a.Row != b.Row {
				return a.Row - b.Row
			}
			return a.Col - b.Col
		})
	}
}
