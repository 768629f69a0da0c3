package receiver

import (
	"encoding/csv"
	"errors"
	"io"
	"net/http"
	"path"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/airlock-project/airlock/airlock"
)

// Bounds of a preview: a table shows its first rows and columns from its
// first bytes, a text its first bytes; the whole file is a download away.
// The CSV reader keeps about 40 bytes per cell (and allocates several
// times that), so reading a whole 16 MB release file of commas would take
// over 640 MB; a table's first 1,000 rows are rarely a tenth of its limit.
const (
	previewRows       = 1000
	previewColumns    = 200
	previewTableBytes = 256 << 10
	previewBytes      = 1 << 20
)

// fileView is a released file's page: what it is and a preview, as the
// jobs site's outputs viewer shows them (tables as tables, text as text,
// images as images, HTML sandboxed in a frame, anything else to download).
type fileView struct {
	workspaceItem
	File      ReleasedFile
	Kind      string // "table", "text", "image", "html" or ""
	Rows      [][]string
	Text      string
	Truncated bool
	Published bool
}

// previewKind is how a file's name says it can be shown.
func previewKind(name string) string {
	switch strings.ToLower(path.Ext(name)) {
	case ".csv":
		return "table"
	case ".txt", ".log", ".md", ".json":
		return "text"
	case ".png", ".jpg", ".jpeg", ".svg", ".svgz":
		return "image"
	case ".html", ".htm":
		return "html"
	}
	return ""
}

// fileViewShow answers GET /files/:file/view, for whoever may read the
// file.
func (s *Server) fileViewShow(c echo.Context) error {
	f, err := s.readableFile(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	ws := s.dir.workspaces[f.Workspace]
	if ws == nil {
		return airlock.Errorf(airlock.ENOTFOUND, "Workspace %s is no longer on this site.", f.Workspace)
	}
	p := s.dir.project(ws)
	item, err := s.workspaceItemOf(ctx, ws, p)
	if err != nil {
		return err
	}
	v := fileView{workspaceItem: item, File: *f, Kind: previewKind(f.Name)}
	if v.Published, err = s.isPublished(ctx, f); err != nil {
		return err
	}
	if f.Uploaded && (v.Kind == "table" || v.Kind == "text") {
		rc, err := s.openStored(f)
		if err != nil {
			return err
		}
		defer rc.Close()
		if v.Kind == "table" {
			v.Rows, v.Truncated, err = previewTable(rc)
		} else {
			v.Text, v.Truncated, err = previewText(rc)
		}
		if err != nil {
			v.Kind, v.Text = "text", "" // not a table after all: offer the download
		}
	}
	return s.render(c, http.StatusOK, "file", page{Title: path.Base(f.Name),
		Crumbs: wsCrumbs(p, ws), Data: v})
}

// previewTable reads at most previewRows rows of at most previewColumns
// cells from the first previewTableBytes of a CSV file; truncated says that
// the file holds more (a row cut at the byte limit is left out).
func previewTable(r io.Reader) (rows [][]string, truncated bool, err error) {
	lr := &io.LimitedReader{R: r, N: previewTableBytes + 1}
	cr := csv.NewReader(lr)
	cr.FieldsPerRecord, cr.LazyQuotes, cr.ReuseRecord = -1, true, false
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			if lr.N == 0 && len(rows) > 0 { // cut at the limit: the last row may be partial
				return rows[:len(rows)-1], true, nil
			}
			return rows, truncated, nil
		} else if err != nil {
			return nil, false, err
		}
		if len(rows) == previewRows {
			return rows, true, nil
		}
		if len(rec) > previewColumns {
			rec, truncated = slices.Clone(rec[:previewColumns]), true
		}
		for i, cell := range rec {
			rec[i] = strings.ToValidUTF8(cell, "\uFFFD")
		}
		rows = append(rows, rec)
	}
}

// previewText reads the first previewBytes of a text file.
func previewText(r io.Reader) (string, bool, error) {
	b, err := io.ReadAll(io.LimitReader(r, previewBytes+1))
	if err != nil {
		return "", false, err
	}
	truncated := len(b) > previewBytes
	if truncated {
		b = b[:previewBytes] // a character cut in two shows as U+FFFD
	}
	return strings.ToValidUTF8(string(b), "\uFFFD"), truncated, nil
}
