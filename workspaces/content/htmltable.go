package content

import (
	"errors"
	"io"
	"strconv"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Limits of HTMLTableRows.
const (
	maxHTMLCellBytes = 4096
	maxHTMLSpan      = 100
	maxHTMLDepth     = 64
)

// HTMLTableRows reads the tables of an HTML document in one pass and
// calls row for each of their rows, in order: table numbers the tables
// from 0 in the order they open, and cells are the rows' cell texts with
// white space collapsed (valid only during the call). A cell spanning
// several columns is followed by empty cells for the columns it covers, so
// columns stay aligned as the browser shows them, and a label spanning
// rows is repeated in each (as a long table means it); a table inside a cell
// is a table of its own. Scripts and styles are not text. An error from
// row stops the reading and is returned; the document itself never
// fails, however malformed.
func HTMLTableRows(r io.Reader, row func(table int, cells []string) error) error {
	z := html.NewTokenizer(r)
	z.SetMaxBuf(16 << 20)
	var stack []*htmlTable
	tables := 0
	skip := 0 // inside script or style
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			if err := z.Err(); err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, html.ErrBufferExceeded) {
				return err
			}
			// End of document: finish what is open.
			for len(stack) > 0 {
				if err := stack[len(stack)-1].endRow(row); err != nil {
					return err
				}
				stack = stack[:len(stack)-1]
			}
			return nil
		case html.TextToken:
			if skip == 0 && len(stack) > 0 {
				stack[len(stack)-1].text(z.Text())
			}
		case html.StartTagToken, html.SelfClosingTagToken, html.EndTagToken:
			name, hasAttr := z.TagName()
			a := atom.Lookup(name)
			end := tt == html.EndTagToken
			if a == atom.Script || a == atom.Style {
				if end && skip > 0 {
					skip--
				} else if tt == html.StartTagToken {
					skip++
				}
				continue
			}
			var top *htmlTable
			if len(stack) > 0 {
				top = stack[len(stack)-1]
			}
			switch {
			case a == atom.Table && !end && tt != html.SelfClosingTagToken:
				if len(stack) < maxHTMLDepth {
					stack = append(stack, &htmlTable{num: tables, spans: map[int]htmlSpan{}})
					tables++
				}
			case a == atom.Table && end:
				if top != nil {
					if err := top.endRow(row); err != nil {
						return err
					}
					stack = stack[:len(stack)-1]
				}
			case top == nil:
			case a == atom.Tr && !end:
				if err := top.endRow(row); err != nil {
					return err
				}
				top.inRow = true
			case a == atom.Tr && end:
				if err := top.endRow(row); err != nil {
					return err
				}
			case (a == atom.Td || a == atom.Th) && !end:
				top.endCell()
				if !top.inRow {
					top.inRow = true
				}
				colspan, rowspan := 1, 1
				for hasAttr {
					var k, v []byte
					k, v, hasAttr = z.TagAttr()
					switch string(k) {
					case "colspan":
						colspan = spanOf(v)
					case "rowspan":
						rowspan = spanOf(v)
					}
				}
				top.startCell(colspan, rowspan)
			case (a == atom.Td || a == atom.Th) && end:
				top.endCell()
			case a == atom.Br && !end:
				top.text([]byte(" "))
			case !end && (a == atom.P || a == atom.Div || a == atom.Li):
				top.text([]byte(" "))
			}
		}
	}
}

func spanOf(v []byte) int {
	n, err := strconv.Atoi(strings.TrimSpace(string(v)))
	if err != nil || n < 1 {
		return 1
	}
	return min(n, maxHTMLSpan)
}

// htmlTable is a table being read.
type htmlTable struct {
	num    int
	inRow  bool
	inCell bool
	cells  []string
	cell   strings.Builder
	// The cell being read spans these.
	colspan, rowspan int
	// spans are cells of earlier rows reaching down into this one, by
	// column.
	spans map[int]htmlSpan
}

type htmlSpan struct {
	rows int
	text string
}

func (t *htmlTable) text(b []byte) {
	if !t.inCell || t.cell.Len() >= maxHTMLCellBytes {
		return
	}
	t.cell.Write(b[:min(len(b), maxHTMLCellBytes-t.cell.Len())])
}

// fillSpans skips the columns that cells of earlier rows still cover.
func (t *htmlTable) fillSpans() {
	for {
		sp, ok := t.spans[len(t.cells)]
		if !ok {
			return
		}
		col := len(t.cells)
		t.cells = append(t.cells, sp.text)
		if sp.rows--; sp.rows <= 0 {
			delete(t.spans, col)
		} else {
			t.spans[col] = sp
		}
	}
}

func (t *htmlTable) startCell(colspan, rowspan int) {
	t.fillSpans()
	t.inCell, t.colspan, t.rowspan = true, colspan, rowspan
	t.cell.Reset()
}

func (t *htmlTable) endCell() {
	if !t.inCell {
		return
	}
	t.inCell = false
	if len(t.cells) >= DefaultMaxColumns {
		return
	}
	start := len(t.cells)
	t.cells = append(t.cells, strings.Join(strings.Fields(t.cell.String()), " "))
	for i := 1; i < t.colspan && len(t.cells) < DefaultMaxColumns; i++ {
		t.cells = append(t.cells, "")
	}
	if t.rowspan > 1 {
		for c := start; c < len(t.cells); c++ {
			t.spans[c] = htmlSpan{rows: t.rowspan - 1, text: t.cells[c]}
		}
	}
}

// endRow hands a finished row over.
func (t *htmlTable) endRow(row func(int, []string) error) error {
	t.endCell()
	if !t.inRow {
		return nil
	}
	t.inRow = false
	if len(t.cells) == 0 {
		return nil
	}
	t.fillSpans()
	// Cells of earlier rows that reach past this row's end cover it too.
	for c, sp := range t.spans {
		if c > len(t.cells) {
			if sp.rows--; sp.rows <= 0 {
				delete(t.spans, c)
			} else {
				t.spans[c] = sp
			}
		}
	}
	err := row(t.num, t.cells)
	t.cells = t.cells[:0]
	return err
}
