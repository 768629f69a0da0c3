// Package checkfile runs the disclosure checks (package checks, D17) on a
// file's bytes: each CSV or TSV file, each sheet of a workbook and each
// table of an HTML page as a table, in the same streaming pass as its
// summary statistics; text, logs and the text of SVG figures for review
// hints. It is shared by `airlock check` and the server's checks of
// workspace and request files (Cache).
package checkfile

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/airlock-project/airlock/workspaces/checks"
	"github.com/airlock-project/airlock/workspaces/content"
)

// Report is the result for one table (or the text) of one file.
type Report struct {
	// Sheet is the sheet, or "table N" of an HTML file; "" otherwise.
	Sheet string
	// Header fingerprints the table's header row ("" for text).
	Header string
	Result *checks.Result
}

// File is what the checks found in one file.
type File struct {
	Reports []Report
	// Figure is true for images and SVG figures: pixels cannot be
	// checked, and the data behind a figure should come with it, which
	// only the caller can tell.
	Figure bool
}

// Roles are the column roles a researcher declared, by sheet ("" for a
// file that is one table) and column header.
type Roles map[string]map[string]string

// Check checks one file by what its bytes are, as the viewer shows it.
func Check(ctx context.Context, name string, r io.ReaderAt, size int64, s checks.Settings, roles Roles) (*File, error) {
	head := make([]byte, content.SniffLimit)
	n, err := r.ReadAt(head, 0)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	sn := content.Sniff(name, head[:n])
	whole := func() io.Reader { return io.NewSectionReader(r, 0, size) }
	one := func(res *checks.Result) *File { return &File{Reports: []Report{{Result: res}}} }
	switch sn.Kind {
	case content.KindTable:
		t, err := content.OpenTable(r, size, content.TableOptionsFor(name))
		if err != nil {
			return nil, err
		}
		res, err := checkTable(ctx, t, s, roles[""])
		if err != nil {
			return nil, err
		}
		return &File{Reports: []Report{{Header: Fingerprint(t.Header()), Result: res}}}, nil
	case content.KindSpreadsheet:
		return checkWorkbook(ctx, r, size, s, roles)
	case content.KindHTML:
		return checkHTML(whole(), s, roles)
	case content.KindText, content.KindLog:
		tc := checks.NewTextChecker(s, sn.Kind == content.KindLog)
		if err := eachLine(whole(), tc.Line); err != nil {
			return nil, err
		}
		return one(tc.Result()), nil
	case content.KindSVG:
		tc := checks.NewTextChecker(s, false)
		note := svgText(whole(), tc.Label)
		f := one(tc.Result())
		if note != "" {
			f.Reports[0].Result.Notes = append(f.Reports[0].Result.Notes, note)
		}
		f.Figure = true
		return f, nil
	case content.KindImage:
		f := one(&checks.Result{RuleSet: checks.RuleSet})
		f.Figure = true
		return f, nil
	}
	what := "binary data"
	if sn.Mismatch != "" {
		what = sn.Mismatch
	}
	return nil, fmt.Errorf("cannot be checked: it is %s, not a table, text or image", what)
}

// Fingerprint identifies a header row: what a researcher declared about a
// table's columns applies while its header is the same.
func Fingerprint(header []string) string {
	h := sha256.New()
	for _, c := range header {
		h.Write([]byte(c))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// newChecker is a checker with the researcher's roles declared.
func newChecker(header []string, s checks.Settings, roles map[string]string) *checks.Checker {
	c := checks.New(header, s)
	for col, role := range roles {
		c.Declare(col, checks.Role(role))
	}
	return c
}

// checkTable runs the checks in the same pass as the summary statistics,
// on a second core.
func checkTable(ctx context.Context, t *content.Table, s checks.Settings, roles map[string]string) (*checks.Result, error) {
	bg := newChecker(t.Header(), s, roles).InBackground()
	st, err := t.StatsWith(ctx, &numberSink{bg: bg})
	res := bg.Result()
	if err != nil {
		return nil, err
	}
	res.Notes = append(res.Notes, st.Notes...)
	return res, nil
}

// numberSink hands the checks each row with the numbers the statistics
// read from it, so that no cell is parsed twice.
type numberSink struct {
	bg *checks.Background
}

func (s *numberSink) Add(row []string) { s.bg.Add(row) }

func (s *numberSink) AddNumbers(row []string, nums []content.Number) {
	checks.AddNumbersOf(s.bg, row, nums)
}

func checkWorkbook(ctx context.Context, r io.ReaderAt, size int64, s checks.Settings, roles Roles) (*File, error) {
	wb, err := content.OpenWorkbook(r, size, content.WorkbookLimits{})
	if err != nil {
		return nil, err
	}
	defer wb.Close()
	out := &File{}
	for _, info := range wb.Sheets() {
		sh, err := wb.Sheet(ctx, info.Name)
		if err != nil {
			return nil, err
		}
		res, err := checkTable(ctx, sh.Table, s, roles[info.Name])
		header := sh.Table.Header()
		sh.Close()
		if err != nil {
			return nil, err
		}
		if info.Hidden {
			res.Notes = append(res.Notes, "This sheet is hidden in Excel; it is released with the workbook all the same.")
		}
		out.Reports = append(out.Reports, Report{Sheet: info.Name, Header: Fingerprint(header), Result: res})
	}
	return out, nil
}

// checkHTML checks each table of an HTML file like a CSV file whose first
// row is the header.
func checkHTML(r io.Reader, s checks.Settings, roles Roles) (*File, error) {
	var tables []*checks.Checker
	var headers [][]string
	err := content.HTMLTableRows(r, func(table int, cells []string) error {
		for len(tables) <= table {
			tables = append(tables, nil)
			headers = append(headers, nil)
		}
		if tables[table] == nil {
			tables[table] = newChecker(cells, s, roles[htmlSheet(table)])
			headers[table] = cells
			return nil
		}
		tables[table].Add(cells)
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := &File{}
	for i, c := range tables {
		if c != nil {
			out.Reports = append(out.Reports, Report{Sheet: htmlSheet(i), Header: Fingerprint(headers[i]), Result: c.Result()})
		}
	}
	if len(out.Reports) == 0 {
		out.Reports = append(out.Reports, Report{Result: &checks.Result{RuleSet: checks.RuleSet, Notes: []string{"The page has no tables to check."}}})
	}
	return out, nil
}

func htmlSheet(i int) string { return "table " + strconv.Itoa(i+1) }

// eachLine calls fn with each line of r, cut at 64 KB.
func eachLine(r io.Reader, fn func(string)) error {
	br := bufio.NewReaderSize(r, 64<<10)
	for {
		line, isPrefix, err := br.ReadLine()
		if len(line) > 0 || (err == nil && !isPrefix) {
			fn(string(line))
		}
		for isPrefix && err == nil {
			_, isPrefix, err = br.ReadLine()
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// Bounds of the SVG text read for hints: a figure's labels are near the
// top of its tree, and the XML decoder keeps every open element, so a
// figure nested a million deep took 240 MB.
const (
	maxSVGBytes = 16 << 20
	maxSVGDepth = 256
)

// svgText hands the text of an SVG figure to fn, line by line: labels and
// annotations often carry counts. It returns a note when it stopped short.
func svgText(r io.Reader, fn func(string)) string {
	lr := &io.LimitedReader{R: r, N: maxSVGBytes}
	d := xml.NewDecoder(lr)
	d.Strict = false
	depth := 0
	for {
		tok, err := d.Token()
		if err != nil {
			if lr.N == 0 {
				return fmt.Sprintf("Only the first %d MB of the figure was read for labels.", maxSVGBytes>>20)
			}
			return ""
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			if depth++; depth > maxSVGDepth {
				return fmt.Sprintf("The figure nests elements more than %d deep; the labels inside them were not read.", maxSVGDepth)
			}
		case xml.EndElement:
			depth--
		case xml.CharData:
			for line := range strings.SplitSeq(string(tok), "\n") {
				if line = strings.TrimSpace(line); line != "" {
					fn(line)
				}
			}
		}
	}
}
