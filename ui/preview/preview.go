// Package preview is the preview engine of the application: it renders a
// file's bytes as the page shown in the preview frame or opened in a new
// tab. It decides how to show a file from its sniffed content (tables,
// spreadsheets, highlighted text, logs, images; HTML and SVG served raw
// under a sandbox), keeps opened tables and converted sheets in
// reference-counted caches keyed by content hash, and computes their
// statistics and converts large sheets in the background.
//
// The web layer authorises and audits each view, sets the sandbox headers
// (SandboxCSP) and calls Engine.Render; the engine never decides who may
// see a file.
package preview

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"net/url"
	"os"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/airlock-project/airlock/airlock"
	"github.com/airlock-project/airlock/ui/viewer"
	"github.com/airlock-project/airlock/workspaces/content"
)

// contentRenderVersion is part of every content ETag: bump it whenever the
// rendered HTML changes, so browsers do not keep showing the old rendering.
const contentRenderVersion = "v1"

// templateFS holds the page templates of the engine's own documents.
//
//go:embed templates/*.html
var templateFS embed.FS

// SandboxCSP is the policy of file-content responses (D8): a sandbox
// without scripts, so an output file can never run code on the
// application's origin, even when opened in a new tab. Content handlers
// set it before calling Render; raw HTML and SVG keep it.
const SandboxCSP = "sandbox; default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; frame-ancestors 'self'"

// viewCSP is the policy of the pages the viewer renders itself (tables,
// text, logs, images, notes): still a sandbox without scripts (D8), with
// forms allowed so the table search works in the frame, and the viewer's
// stylesheets and raw image bytes from our origin. These pages keep our
// origin (allow-same-origin): a frame with an opaque origin sends its links
// and forms as cross-site requests, without the session cookie, so paging
// and sorting would land on the sign-in page. Nothing can run in them, so
// the origin grants nothing. Raw HTML and SVG outputs keep the stricter
// SandboxCSP, whose bare sandbox makes their origin opaque whatever the
// frame allows.
const viewCSP = "sandbox allow-forms allow-same-origin; default-src 'none'; style-src 'self'; img-src 'self'; " +
	"form-action 'self'; base-uri 'none'; frame-ancestors 'self'"

// Query parameters of content URLs besides the table's (viewer.Param*).
const (
	paramPlaintext = "plaintext" // any value: the escaped text of the file
	paramRaw       = "raw"       // any value: an image's bytes
	paramBefore    = "before"    // a log chunk ending at this byte offset
	paramSheet     = "sheet"     // 0-based sheet of a workbook
	paramVersion   = "v"         // the content's version tag: a hashed URL
)

// File is one file handed to Render by a content handler.
type File struct {
	// Name is the file's path in its workspace or request; only its
	// extension and base name are used, never to decide how it is shown.
	Name string
	// Size is the length of Content in bytes.
	Size int64
	// Hash identifies the bytes: their SHA-256 in lowercase hex, or another
	// hex digest that changes whenever they do; "" when not known. It keys
	// the engine's caches and the ETag.
	Hash string
	// Flags are the disclosure-check flags to show on a table's cells, by
	// sheet name ("" for a CSV file); nil shows none.
	Flags map[string]*viewer.Flags
	// Variant names what besides the bytes changes the rendering (the
	// flags and the exceptions on them); it is part of the ETag and the
	// version tag, not of the cache keys.
	Variant string
	// ModTime is when the bytes last changed, for Last-Modified and
	// If-Modified-Since; zero when not meaningful (source code).
	ModTime time.Time
	// Allowed reports whether the file type may be requested and released;
	// other files are not shown.
	Allowed bool
	// Content reads the bytes. It is valid only during Render. An *os.File
	// lets the engine keep a duplicate handle, so a large table or sheet is
	// opened once and paged from the cache.
	Content io.ReadSeeker
	// Label names the version in a comparison ("Reviewed in round 1");
	// only Compare uses it.
	Label string
}

// Options tune an Engine. The zero value uses the defaults, but pages then
// have no stylesheets.
type Options struct {
	// Stylesheets are the URLs of the stylesheets every rendered page links:
	// the viewer fragments' classes (ui/viewer.Stylesheet) and the page
	// layout. They must be allowed by the pages' style-src 'self'.
	Stylesheets []string
	// Tables is how many opened CSV tables are kept, keyed by content hash
	// (0 means 32). Each holds an open file and a sparse row index.
	Tables int
	// Sheets is how many converted spreadsheet sheets are kept (0 means 8).
	// Each holds an open file and its converted text in an unlinked
	// temporary file in Workbook.TempDir, at most Workbook.MaxSheetBytes on
	// disk, removed when the sheet leaves the cache and is no longer used.
	Sheets int
	// SyncStatsBytes: tables up to this size, and sheets whose XML is at
	// most this size unpacked, get their summary statistics on the first
	// view; larger ones are shown while they are read (a sheet's first
	// pages while it is still being converted) and get their statistics
	// from a background pass, shown once it is done (0 means 8 MB).
	SyncStatsBytes int64
	// BackgroundTimeout bounds one background pass over a table (0 means
	// 10 minutes).
	BackgroundTimeout time.Duration
	// Workbook bounds what spreadsheets may take.
	Workbook content.WorkbookLimits
}

// Engine renders files for the preview frame. It decides how to show a
// file from its sniffed content, never from its name alone: tables (paged,
// sorted and filtered on the server, with summary statistics), spreadsheets,
// highlighted text, logs, images, and HTML or SVG served raw under a
// sandbox. It is safe for concurrent use; Close stops background work and
// closes cached files.
type Engine struct {
	opts   Options
	doc    *template.Template
	tables *tableCache
	sheets *tableCache
	books  *lru[[]content.SheetInfo]
	diffs  *diffCache
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// New builds the engine. It fails only if the embedded templates are
// broken.
func New(opts Options) (*Engine, error) {
	if opts.Tables <= 0 {
		opts.Tables = 32
	}
	if opts.Sheets <= 0 {
		opts.Sheets = 8
	}
	if opts.SyncStatsBytes <= 0 {
		opts.SyncStatsBytes = 8 << 20
	}
	if opts.BackgroundTimeout <= 0 {
		opts.BackgroundTimeout = 10 * time.Minute
	}
	opts.Stylesheets = append([]string(nil), opts.Stylesheets...)
	v := &Engine{opts: opts}
	var err error
	if v.doc, err = template.ParseFS(templateFS, "templates/*.html"); err != nil {
		return nil, fmt.Errorf("parse content templates: %w", err)
	}
	v.tables = newTableCache(opts.Tables)
	v.sheets = newTableCache(opts.Sheets)
	v.books = newLRU[[]content.SheetInfo](64)
	v.diffs = newDiffCache(4)
	v.ctx, v.cancel = context.WithCancel(context.Background())
	return v, nil
}

// Close stops background passes and sheet conversions, waits for them and
// closes the cached files.
func (v *Engine) Close() error {
	v.cancel()
	v.wg.Wait()
	v.diffs.close()
	v.tables.close()
	v.sheets.close()
	return nil
}

// docData is what templates/content/doc.html receives.
type docData struct {
	Title string
	CSS   []string
	Notes []string
	Body  template.HTML
	// Plaintext is a link to the plain-text view, or "".
	Plaintext string
}

// viewRequest is one Render call.
type viewRequest struct {
	w     http.ResponseWriter
	r     *http.Request
	f     File
	ra    io.ReaderAt
	q     url.Values
	notes []string
	// provisional marks a page rendered before everything was known (the
	// statistics, the row count, a sheet still converting): it must not
	// be cached, or a reload would be answered 304 with it for good.
	provisional bool
}

// Render writes the response showing f: a page rendered under a sandbox
// without scripts, or for HTML, SVG and raw images the bytes themselves
// under SandboxCSP. A file that cannot be shown gets a page saying why,
// with a 4xx status. It answers conditional requests by the content hash.
func (v *Engine) Render(w http.ResponseWriter, r *http.Request, f File) error {
	h := w.Header()
	q := r.URL.Query()
	etag := contentETag(f.Hash, f.Variant)
	if etag != "" {
		h.Set("ETag", etag)
		if q.Get(paramVersion) == variantTag(f.Hash, f.Variant) {
			h.Set("Cache-Control", "private, max-age=31536000, immutable")
		} else {
			h.Set("Cache-Control", "private, no-cache")
		}
		if !f.ModTime.IsZero() {
			h.Set("Last-Modified", f.ModTime.UTC().Format(http.TimeFormat))
		}
		if notModified(r, etag, f.ModTime) {
			// The browser keeps the stored page's policy; the stricter one
			// the content handler set for raw files must not replace it.
			h.Del("Content-Security-Policy")
			w.WriteHeader(http.StatusNotModified)
			return nil
		}
	} else {
		h.Set("Cache-Control", "private, no-cache")
	}
	vr := &viewRequest{w: w, r: r, f: f, ra: content.ReaderAt(f.Content), q: q}
	base := path.Base(f.Name)
	if !f.Allowed {
		return v.page(vr, http.StatusUnsupportedMediaType, base, "",
			[]string{base + " is not an allowed file type, so it cannot be shown."}, "")
	}
	head := make([]byte, content.SniffLimit)
	n, err := vr.ra.ReadAt(head, 0)
	if err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	sn := content.Sniff(f.Name, head[:n])
	if q.Has(paramPlaintext) {
		return v.plaintext(vr, sn)
	}
	if sn.Mismatch != "" {
		if sn.Active() {
			return v.page(vr, http.StatusUnsupportedMediaType, base, "",
				[]string{"This file is " + sn.Mismatch + ", so it is not shown. Open it as plain text to read its contents safely."},
				v.plainURL(vr))
		}
		if sn.IsBinary() {
			return v.page(vr, http.StatusUnsupportedMediaType, base, "",
				[]string{"This file is " + sn.Mismatch + ", so it cannot be shown."}, "")
		}
		vr.notes = append(vr.notes, "This file is "+sn.Mismatch+"; it is shown as what it contains.")
	}
	switch sn.Kind {
	case content.KindTable:
		return v.table(vr)
	case content.KindSpreadsheet:
		return v.spreadsheet(vr)
	case content.KindLog:
		return v.log(vr)
	case content.KindText:
		return v.text(vr)
	case content.KindImage:
		return v.image(vr, sn)
	case content.KindHTML, content.KindSVG:
		return v.raw(vr, sn)
	}
	return v.page(vr, http.StatusUnsupportedMediaType, base, "",
		append(vr.notes, base+" is not text, a table or an image ("+sn.MIME+"), so it cannot be shown here."), "")
}

// notModified reports whether a conditional request is answered 304. An
// If-None-Match, matched exactly as the reference does, decides alone;
// without one, If-Modified-Since is compared to the modification time,
// which HTTP dates give to the second.
func notModified(r *http.Request, etag string, mod time.Time) bool {
	if inm := r.Header.Get("If-None-Match"); inm != "" {
		return inm == etag
	}
	ims := r.Header.Get("If-Modified-Since")
	if ims == "" || mod.IsZero() {
		return false
	}
	t, err := http.ParseTime(ims)
	return err == nil && !mod.Truncate(time.Second).After(t)
}

// page writes a whole rendered document under viewCSP.
func (v *Engine) page(vr *viewRequest, status int, title string, body template.HTML, notes []string, plain string) error {
	var buf bytes.Buffer
	err := v.doc.ExecuteTemplate(&buf, "doc.html", docData{Title: title, CSS: v.opts.Stylesheets, Notes: notes, Body: body, Plaintext: plain})
	if err != nil {
		return err
	}
	h := vr.w.Header()
	if vr.provisional {
		h.Del("ETag")
		h.Del("Last-Modified")
		h.Set("Cache-Control", "no-store")
	}
	h.Set("Content-Security-Policy", viewCSP)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Type", "text/html; charset=utf-8")
	vr.w.WriteHeader(status)
	_, err = vr.w.Write(buf.Bytes())
	return err
}

// plainURL links the plain-text view of the current file.
func (v *Engine) plainURL(vr *viewRequest) string {
	q := url.Values{paramPlaintext: {"1"}}
	if tag := variantTag(vr.f.Hash, vr.f.Variant); tag != "" {
		q.Set(paramVersion, tag)
	}
	return "?" + q.Encode()
}

// link builds a relative link to another view of the same file, keeping
// the version tag and the extra parameters.
func link(vr *viewRequest, q url.Values) string {
	if tag := vr.q.Get(paramVersion); tag != "" {
		q.Set(paramVersion, tag)
	}
	return "?" + q.Encode()
}

// offsetParam reads a non-negative integer parameter.
func offsetParam(q url.Values, name string) int64 {
	n, err := strconv.ParseInt(q.Get(name), 10, 64)
	if err != nil || n < 0 {
		return 0
	}
	return n
}

// table shows a page of a CSV or TSV table with its statistics.
func (v *Engine) table(vr *viewRequest) error {
	ctx := vr.r.Context()
	opts := content.TableOptionsFor(vr.f.Name)
	e, err := acquireTable(v.tables, vr.f, vr.ra, opts)
	if err != nil {
		return err
	}
	defer v.tables.release(e)
	tq := viewer.ParseTableQuery(vr.q)
	flags := vr.f.Flags[""]
	only := flags != nil && vr.q.Has(viewer.ParamFlagged)
	pg, err := tablePage(ctx, e.table, tq, flags, only)
	if err != nil {
		return err
	}
	stats := v.tableStats(ctx, v.tables, e, vr.f.Size)
	if stats == nil && pg.Total != 0 {
		vr.notes = append(vr.notes, "The summary statistics are being computed; reload to see them.")
	}
	vr.provisional = stats == nil || pg.Total < 0
	body, err := renderTable(pg, stats, tq, func(q viewer.TableQuery) string { return link(vr, tableValues(q, only)) }, flags, only)
	if err != nil {
		return err
	}
	return v.page(vr, http.StatusOK, path.Base(vr.f.Name), body, vr.notes, v.plainURL(vr))
}

// renderTable joins the statistics and the table fragments.
func renderTable(pg content.PageResult, stats *content.Stats, tq viewer.TableQuery, urlFor func(viewer.TableQuery) string, flags *viewer.Flags, only bool) (template.HTML, error) {
	var out template.HTML
	if stats != nil {
		s, err := viewer.Stats(stats)
		if err != nil {
			return "", err
		}
		out += s
	}
	t, err := viewer.FlaggedTable(pg, stats, tq, urlFor, flags, only)
	if err != nil {
		return "", err
	}
	return out + t, nil
}

// tableValues are a table view's URL parameters, keeping the
// only-flagged-rows switch.
func tableValues(q viewer.TableQuery, only bool) url.Values {
	vals := q.Values()
	if only {
		vals.Set(viewer.ParamFlagged, "1")
	}
	return vals
}

// tablePage reads one page of a table, or with only the page of flagged
// rows (in file order, the query's offset counting flagged rows), each
// read by its row number.
func tablePage(ctx context.Context, t *content.Table, tq viewer.TableQuery, flags *viewer.Flags, only bool) (content.PageResult, error) {
	if !only {
		return t.Page(ctx, tq.Query)
	}
	rows := flags.Rows()
	q := tq.Query
	q.SortCol, q.Desc, q.Filter, q.FilterCol = -1, false, "", -1
	q.Offset = min(q.Offset, len(rows))
	pick := rows[q.Offset:min(len(rows), q.Offset+q.Limit)]
	out := content.PageResult{Query: q, Matched: len(rows), Total: -1}
	first, err := t.Page(ctx, content.Query{Limit: 1, SortCol: -1, FilterCol: -1})
	if err != nil {
		return out, err
	}
	out.Header, out.Total = first.Header, first.Total
	for _, r := range pick {
		one, err := t.Page(ctx, content.Query{Offset: r - 1, Limit: 1, SortCol: -1, FilterCol: -1})
		if err != nil {
			return out, err
		}
		if len(one.Rows) == 0 {
			continue
		}
		if len(one.Header) > len(out.Header) {
			out.Header = one.Header
		}
		out.Rows = append(out.Rows, one.Rows[0])
		out.RowNumbers = append(out.RowNumbers, one.RowNumbers[0])
		out.Widths = append(out.Widths, one.Widths[0])
	}
	for i, row := range out.Rows {
		for len(row) < len(out.Header) {
			row = append(row, "")
		}
		out.Rows[i] = row
	}
	return out, nil
}

// tableStats returns the statistics of a cached table: at once for small
// files, otherwise from a background pass (which also builds the row
// index), nil until it is done.
func (v *Engine) tableStats(ctx context.Context, c *tableCache, e *tableEntry, size int64) *content.Stats {
	if st := e.stats(); st != nil {
		return st
	}
	if size <= v.opts.SyncStatsBytes {
		st, err := e.table.Stats(ctx)
		if err != nil {
			return nil
		}
		e.setStats(st)
		return st
	}
	if e.startBackground() {
		c.retain(e)
		v.wg.Add(1)
		go func() {
			defer v.wg.Done()
			defer c.release(e)
			ctx, cancel := context.WithTimeout(v.ctx, v.opts.BackgroundTimeout)
			defer cancel()
			if st, err := e.table.Stats(ctx); err == nil {
				e.setStats(st)
			} else {
				e.backgroundFailed()
			}
		}()
	}
	return nil
}

// spreadsheet shows one sheet of a workbook as a table, with sheet tabs.
func (v *Engine) spreadsheet(vr *viewRequest) error {
	ctx := vr.r.Context()
	idx := int(offsetParam(vr.q, paramSheet))
	sheets, e, err := v.sheet(ctx, vr.f, vr.ra, idx)
	var aerr *airlock.Error
	if errors.As(err, &aerr) {
		switch aerr.Code {
		case airlock.EINVALID:
			// A damaged workbook or a zip bomb: say so inside the frame.
			return v.page(vr, http.StatusUnsupportedMediaType, path.Base(vr.f.Name), "",
				append(vr.notes, aerr.Message), "")
		case airlock.EUNAVAILABLE:
			// Too many large workbooks are being read at once.
			vr.provisional = true
			vr.w.Header().Set("Retry-After", "30")
			return v.page(vr, http.StatusTooManyRequests, path.Base(vr.f.Name), "",
				append(vr.notes, aerr.Message), "")
		}
	}
	if err != nil {
		return err
	}
	if e != nil {
		defer v.sheets.release(e)
	}
	if idx >= len(sheets) {
		idx = 0
	}
	tq := viewer.ParseTableQuery(vr.q)
	var table template.HTML
	var merged []string
	if e != nil {
		var flags *viewer.Flags
		if idx < len(sheets) {
			flags = vr.f.Flags[sheets[idx].Name]
		}
		only := flags != nil && vr.q.Has(viewer.ParamFlagged)
		pg, err := tablePage(ctx, e.table, tq, flags, only)
		if err != nil {
			return err
		}
		urlFor := func(q viewer.TableQuery) string {
			vals := tableValues(q, only)
			vals.Set(paramSheet, strconv.Itoa(idx))
			return link(vr, vals)
		}
		// A small sheet may convert to a large table (rows padded to a
		// wide header): its statistics wait for a background pass too.
		stats := v.tableStats(ctx, v.sheets, e, max(e.sheet.SourceBytes(), e.sheet.TextBytes()))
		if stats == nil && pg.Total != 0 {
			vr.notes = append(vr.notes, "The summary statistics are being computed; reload to see them.")
		}
		vr.provisional = stats == nil || pg.Total < 0
		if table, err = renderTable(pg, stats, tq, urlFor, flags, only); err != nil {
			return err
		}
		select {
		case <-e.sheet.Done():
			merged = e.sheet.Merged
		default: // still converting: the merged ranges come at the end
			vr.provisional = true
		}
	}
	body, err := viewer.Spreadsheet(sheets, idx, merged, func(i int) string {
		return link(vr, url.Values{paramSheet: {strconv.Itoa(i)}})
	}, table)
	if err != nil {
		return err
	}
	return v.page(vr, http.StatusOK, path.Base(vr.f.Name), body, vr.notes, "")
}

// sheet returns the sheet list of a workbook and its converted sheet idx
// (sheet 0 if there is no such sheet; nil if it has none) as a table
// entry the caller must release. Sheets of a file with a known hash are
// cached and converted in the background, reading through a duplicate
// handle: a large sheet's first page is shown at once, while the rest is
// converted. Small sheets, and files that cannot be cached, are converted
// whole first.
func (v *Engine) sheet(ctx context.Context, f File, ra io.ReaderAt, idx int) ([]content.SheetInfo, *tableEntry, error) {
	if f.Hash != "" {
		if list, ok := v.books.get(f.Hash); ok {
			if len(list) == 0 {
				return list, nil, nil
			}
			if idx >= len(list) {
				idx = 0
			}
			if e, ok := v.sheets.get(sheetKey(f.Hash, idx)); ok {
				return list, e, nil
			}
		}
	}
	var dup *os.File
	if osf, ok := f.Content.(*os.File); ok && f.Hash != "" {
		if d, err := dupFile(osf); err == nil {
			dup, ra = d, d
		}
	}
	closeDup := func() {
		if dup != nil {
			dup.Close()
		}
	}
	wb, err := content.OpenWorkbook(ra, f.Size, v.opts.Workbook)
	if err != nil {
		closeDup()
		return nil, nil, err
	}
	defer wb.Close() // a running conversion keeps what it needs
	list := wb.Sheets()
	if f.Hash != "" {
		v.books.put(f.Hash, list)
	}
	if len(list) == 0 {
		closeDup()
		return list, nil, nil
	}
	if idx >= len(list) {
		idx = 0
	}
	if dup == nil {
		sh, err := wb.Sheet(ctx, list[idx].Name)
		if err != nil {
			return nil, nil, err
		}
		return list, &tableEntry{cached: cached{refs: 1}, table: sh.Table, sheet: sh}, nil
	}
	// The conversion outlives this request: it is bounded by the viewer's
	// lifetime and BackgroundTimeout, not by the request.
	cctx, cancel := context.WithTimeout(v.ctx, v.opts.BackgroundTimeout)
	sh, err := wb.OpenSheet(cctx, list[idx].Name)
	if err != nil {
		cancel()
		closeDup()
		return nil, nil, err
	}
	go func() {
		<-sh.Done()
		cancel()
	}()
	if sh.SourceBytes() <= v.opts.SyncStatsBytes {
		if err := sh.Wait(ctx); err != nil {
			sh.Close()
			closeDup()
			return nil, nil, err
		}
	}
	e := &tableEntry{cached: cached{key: sheetKey(f.Hash, idx), refs: 1}, table: sh.Table, sheet: sh, file: dup}
	return list, v.sheets.add(e), nil
}

// sheetKey names a converted sheet in the cache.
func sheetKey(hash string, idx int) string { return hash + "/" + strconv.Itoa(idx) }

// log shows the end of a job log, or with ?before= an earlier chunk.
func (v *Engine) log(vr *viewRequest) error {
	ctx := vr.r.Context()
	earlier := func(before int64) string {
		return link(vr, url.Values{paramBefore: {strconv.FormatInt(before, 10)}})
	}
	var body template.HTML
	if vr.q.Has(paramBefore) {
		c, err := content.LogTail(ctx, vr.ra, vr.f.Size, min(offsetParam(vr.q, paramBefore), vr.f.Size), 0)
		if err != nil {
			return err
		}
		if body, err = viewer.LogChunk(c, earlier); err != nil {
			return err
		}
	} else {
		l, err := content.ReadLog(ctx, vr.ra, vr.f.Size, content.LogOptions{})
		if err != nil {
			return err
		}
		if body, err = viewer.Log(l, earlier); err != nil {
			return err
		}
	}
	return v.page(vr, http.StatusOK, path.Base(vr.f.Name), body, vr.notes, v.plainURL(vr))
}

// text shows a page of highlighted text with line numbers.
func (v *Engine) text(vr *viewRequest) error {
	offset := int(min(offsetParam(vr.q, viewer.ParamOffset), 1<<31-1))
	pg, err := content.Lines(vr.r.Context(), io.NewSectionReader(vr.ra, 0, vr.f.Size), offset, content.DefaultLineLimit, 0)
	if err != nil {
		return err
	}
	body, err := viewer.Text(vr.f.Name, pg, content.DefaultLineLimit, func(off int) string {
		return link(vr, url.Values{viewer.ParamOffset: {strconv.Itoa(off)}})
	})
	if err != nil {
		return err
	}
	return v.page(vr, http.StatusOK, path.Base(vr.f.Name), body, vr.notes, v.plainURL(vr))
}

// plainData is what the "plain" template receives.
type plainData struct {
	Text           string
	Notes          []string
	Prev, Next     string
	First, Showing int
}

// plaintext shows any allowed file's bytes as escaped text, paged.
func (v *Engine) plaintext(vr *viewRequest, sn content.Sniffed) error {
	base := path.Base(vr.f.Name)
	if sn.IsBinary() || sn.Kind == content.KindImage || sn.Kind == content.KindSpreadsheet {
		return v.page(vr, http.StatusUnsupportedMediaType, base, "",
			[]string{base + " is not a text file (" + sn.MIME + "), so it has no plain-text view."}, "")
	}
	const limit = content.MaxLineLimit
	offset := int(min(offsetParam(vr.q, viewer.ParamOffset), 1<<31-1))
	pg, err := content.Lines(vr.r.Context(), io.NewSectionReader(vr.ra, 0, vr.f.Size), offset, limit, 0)
	if err != nil {
		return err
	}
	d := plainData{Text: strings.Join(pg.Lines, "\n"), Notes: pg.Notes, First: pg.First, Showing: len(pg.Lines)}
	pageURL := func(off int) string {
		return link(vr, url.Values{paramPlaintext: {"1"}, viewer.ParamOffset: {strconv.Itoa(off)}})
	}
	if pg.More {
		d.Next = pageURL(pg.First - 1 + len(pg.Lines))
	}
	if pg.First > 1 {
		d.Prev = pageURL(viewer.PrevOffset(pg, limit))
	}
	var buf bytes.Buffer
	if err := v.doc.ExecuteTemplate(&buf, "plain.html", d); err != nil {
		return err
	}
	return v.page(vr, http.StatusOK, base+" (plain text)", template.HTML(buf.String()), vr.notes, "")
}

// imageData is what the "image" template receives.
type imageData struct {
	Src, Alt, Format string
	Width, Height    int
}

// image shows a PNG or JPEG fitted to the frame with its dimensions; the
// <img> (or anything asking with ?raw=1 or as an image) gets the bytes.
// Only the header is read, never the pixels; an image declaring more than
// content.MaxImagePixels gets a page saying so, and its bytes are not
// served, since the browser would decode every pixel.
func (v *Engine) image(vr *viewRequest, sn content.Sniffed) error {
	vr.w.Header().Add("Vary", "Sec-Fetch-Dest")
	raw := vr.q.Has(paramRaw) || vr.r.Header.Get("Sec-Fetch-Dest") == "image"
	hdr, err := content.ReadImageHeader(io.NewSectionReader(vr.ra, 0, vr.f.Size))
	if err != nil {
		var aerr *airlock.Error
		if !errors.As(err, &aerr) {
			return err
		}
		if raw && hdr.Width == 0 {
			return v.raw(vr, sn) // damaged: the browser shows it broken
		}
		return v.page(vr, http.StatusUnsupportedMediaType, path.Base(vr.f.Name), "", append(vr.notes, aerr.Message), "")
	}
	if raw {
		return v.raw(vr, sn)
	}
	d := imageData{Src: link(vr, url.Values{paramRaw: {"1"}}), Alt: path.Base(vr.f.Name),
		Format: hdr.Format, Width: hdr.Width, Height: hdr.Height}
	var buf bytes.Buffer
	if err := v.doc.ExecuteTemplate(&buf, "image.html", d); err != nil {
		return err
	}
	return v.page(vr, http.StatusOK, path.Base(vr.f.Name), template.HTML(buf.String()), vr.notes, "")
}

// raw serves the bytes as they are, with the sniffed type, under the
// content handlers' sandbox (SandboxCSP), so HTML and SVG never run scripts.
func (v *Engine) raw(vr *viewRequest, sn content.Sniffed) error {
	h := vr.w.Header()
	ctype := sn.MIME
	switch sn.Kind {
	case content.KindHTML:
		ctype = "text/html; charset=utf-8"
	case content.KindSVG:
		ctype = "image/svg+xml"
	}
	h.Set("Content-Type", ctype)
	h.Set("Content-Security-Policy", SandboxCSP)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Disposition", "inline")
	_, err := io.Copy(vr.w, io.NewSectionReader(vr.ra, 0, vr.f.Size))
	return err
}

// contentETag is the ETag of a file's renderings, or "" for an unknown hash.
func contentETag(hash, variant string) string {
	if hash == "" {
		return ""
	}
	return `"` + variantTag(hash, variant) + `"`
}

// variantTag is versionTag of one variant of the rendering.
func variantTag(hash, variant string) string {
	tag := versionTag(hash)
	if tag != "" && variant != "" {
		tag += "-" + variant
	}
	return tag
}

// PinnedVariantURL is PinnedURL for one variant of the rendering (File.Variant).
func PinnedVariantURL(contentURL, hash, variant string) string {
	return contentURL + "?" + url.Values{paramVersion: {variantTag(hash, variant)}}.Encode()
}

// PinnedURL is contentURL pinned to one content: the engine answers it
// with a page the browser may keep for good, since a changed file gets
// another hash and so another URL.
func PinnedURL(contentURL, hash string) string {
	return contentURL + "?" + url.Values{paramVersion: {versionTag(hash)}}.Encode()
}

// versionTag names one rendering of one content: the start of the hash
// and the render version. Content URLs carrying it as ?v= are immutable.
func versionTag(hash string) string {
	if hash == "" {
		return ""
	}
	return hash[:min(len(hash), 32)] + "-" + contentRenderVersion
}

// dupFile opens a second handle on the same open file, so a cached table
// can keep reading the very bytes that were viewed after the handler closes
// its own handle, even if the file is later replaced on disk.
func dupFile(f *os.File) (*os.File, error) {
	raw, err := f.SyscallConn()
	if err != nil {
		return nil, err
	}
	var dup *os.File
	var derr error
	err = raw.Control(func(fd uintptr) { dup, derr = dupFD(fd, f.Name()) })
	if err != nil {
		return nil, err
	}
	return dup, derr
}
