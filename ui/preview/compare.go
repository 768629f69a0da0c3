package preview

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"image"
	"io"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"

	"github.com/airlock-project/airlock/airlock"
	"github.com/airlock-project/airlock/ui/viewer"
	"github.com/airlock-project/airlock/workspaces/content"
	"github.com/airlock-project/airlock/workspaces/content/compare"
)

// Query parameters of comparison URLs.
const (
	paramAll  = "all"  // any value: every row, not only those that differ
	paramSide = "side" // "old" or "new": that version's raw bytes (images)
)

// Compare writes the comparison of two versions of a file, under the same
// sandbox as Render's pages (D8): tables (CSV, and each sheet of a
// workbook) row by row and cell by cell, paged; text line by line with the
// changed characters marked; images side by side; anything else by size
// and hash. The web layer authorises and audits the view of both versions
// before calling it. File.Label names each version on the page.
func (v *Engine) Compare(w http.ResponseWriter, r *http.Request, old, new File) error {
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	q := r.URL.Query()
	vr := &viewRequest{w: w, r: r, f: new, ra: content.ReaderAt(new.Content), q: q}
	ovr := &viewRequest{w: w, r: r, f: old, ra: content.ReaderAt(old.Content), q: q}
	nsn, err := sniff(vr)
	if err != nil {
		return err
	}
	osn, err := sniff(ovr)
	if err != nil {
		return err
	}
	if which := q.Get(paramSide); which != "" {
		target, sn := vr, nsn
		if which == "old" {
			target, sn = ovr, osn
		}
		if sn.Kind != content.KindImage || !target.f.Allowed {
			return v.page(vr, http.StatusNotFound, path.Base(new.Name), "", []string{"Only images are shown from a comparison by themselves."}, "")
		}
		return v.raw(target, sn)
	}
	c := viewer.Comparison{Old: version(old), New: version(new)}
	title := "Changes in " + path.Base(new.Name)
	if !old.Allowed || !new.Allowed {
		c.Summary = "These versions are not an allowed file type, so only their sizes and hashes are compared."
		return v.compareFiles(vr, title, c)
	}
	textual := func(k content.Kind) bool {
		return k == content.KindText || k == content.KindLog || k == content.KindHTML || k == content.KindSVG
	}
	switch {
	case old.Hash != "" && old.Hash == new.Hash:
		c.Summary = "No differences: both versions are the same bytes."
		return v.compareFiles(vr, title, c)
	case osn.Kind == content.KindTable && nsn.Kind == content.KindTable:
		return v.compareTables(vr, ovr, title, c)
	case osn.Kind == content.KindSpreadsheet && nsn.Kind == content.KindSpreadsheet:
		return v.compareSheets(vr, ovr, title, c)
	case textual(osn.Kind) && textual(nsn.Kind) && !osn.IsBinary() && !nsn.IsBinary():
		if old.Size > compare.MaxTextBytes || new.Size > compare.MaxTextBytes {
			c.Summary = fmt.Sprintf("These versions are too long to compare line by line (over %s); their sizes and hashes differ.", humanSize(compare.MaxTextBytes))
			return v.compareFiles(vr, title, c)
		}
		return v.compareText(vr, ovr, title, c)
	case osn.Kind == content.KindImage && nsn.Kind == content.KindImage:
		return v.compareImages(vr, ovr, title, c)
	}
	c.Summary = "These versions cannot be compared cell by cell or line by line; their sizes and hashes differ."
	return v.compareFiles(vr, title, c)
}

// sniff reads the start of a file and says what it holds.
func sniff(vr *viewRequest) (content.Sniffed, error) {
	head := make([]byte, content.SniffLimit)
	n, err := vr.ra.ReadAt(head, 0)
	if err != nil && !errors.Is(err, io.EOF) {
		return content.Sniffed{}, err
	}
	return content.Sniff(vr.f.Name, head[:n]), nil
}

// version describes a file for the comparison's heading.
func version(f File) viewer.Version {
	return viewer.Version{Label: f.Label, Hash: f.Hash, Size: humanSize(f.Size)}
}

func (v *Engine) compareFiles(vr *viewRequest, title string, c viewer.Comparison) error {
	body, err := viewer.CompareFiles(c)
	if err != nil {
		return err
	}
	return v.page(vr, http.StatusOK, title, body, nil, "")
}

// compareImages shows both images side by side with their dimensions.
func (v *Engine) compareImages(vr, ovr *viewRequest, title string, c viewer.Comparison) error {
	for _, side := range []struct {
		vr    *viewRequest
		ver   *viewer.Version
		which string
	}{{ovr, &c.Old, "old"}, {vr, &c.New, "new"}} {
		cfg, format, err := image.DecodeConfig(io.NewSectionReader(side.vr.ra, 0, side.vr.f.Size))
		if err != nil {
			c.Notes = append(c.Notes, "The "+side.which+" image is damaged and cannot be shown: "+err.Error()+".")
			continue
		}
		side.ver.Image = "?" + url.Values{paramSide: {side.which}}.Encode()
		side.ver.Width, side.ver.Height, side.ver.Format = cfg.Width, cfg.Height, strings.ToUpper(format)
	}
	c.Summary = "The image changed"
	if c.Old.Width != c.New.Width || c.Old.Height != c.New.Height {
		c.Summary += fmt.Sprintf(" from %d × %d to %d × %d pixels", c.Old.Width, c.Old.Height, c.New.Width, c.New.Height)
	}
	c.Summary += "; the two versions are shown side by side."
	return v.compareFiles(vr, title, c)
}

// compareText shows a line comparison of two texts.
func (v *Engine) compareText(vr, ovr *viewRequest, title string, c viewer.Comparison) error {
	read := func(x *viewRequest) (string, error) {
		b, err := io.ReadAll(io.NewSectionReader(x.ra, 0, x.f.Size))
		return string(bytes.ToValidUTF8(b, []byte("\uFFFD"))), err
	}
	ot, err := read(ovr)
	if err != nil {
		return err
	}
	nt, err := read(vr)
	if err != nil {
		return err
	}
	td := compare.Text(ot, nt)
	c.Summary = td.Summary()
	body, err := viewer.CompareText(c, td)
	if err != nil {
		return err
	}
	return v.page(vr, http.StatusOK, title, body, nil, "")
}

// compareTables compares two CSV or TSV tables, from the engine's table
// cache, and shows a page of the result.
func (v *Engine) compareTables(vr, ovr *viewRequest, title string, c viewer.Comparison) error {
	oe, err := acquireTable(v.tables, ovr.f, ovr.ra, content.TableOptionsFor(ovr.f.Name))
	if err != nil {
		return err
	}
	ne, err := acquireTable(v.tables, vr.f, vr.ra, content.TableOptionsFor(vr.f.Name))
	if err != nil {
		v.tables.release(oe)
		return err
	}
	key := ovr.f.Hash + "|" + vr.f.Hash
	body, err := v.diffPage(vr, key, c, v.tables, oe, v.tables, ne, nil)
	if err != nil {
		return err
	}
	return v.page(vr, http.StatusOK, title, body, nil, "")
}

// compareSheets compares the sheet chosen (?sheet=, of the new version)
// with the old version's sheet of the same name, with the sheet tabs.
func (v *Engine) compareSheets(vr, ovr *viewRequest, title string, c viewer.Comparison) error {
	ctx := vr.r.Context()
	idx := int(offsetParam(vr.q, paramSheet))
	list, ne, err := v.sheet(ctx, vr.f, vr.ra, idx)
	if err != nil {
		return v.sheetRefused(vr, title, err)
	}
	if ne == nil {
		c.Summary = "The new version has no sheets."
		return v.compareFiles(vr, title, c)
	}
	if idx >= len(list) {
		idx = 0
	}
	name := list[idx].Name
	oldList, oe0, err := v.sheet(ctx, ovr.f, ovr.ra, 0)
	if err != nil {
		v.sheets.release(ne)
		return v.sheetRefused(vr, title, err)
	}
	oi := -1
	for i, s := range oldList {
		if s.Name == name {
			oi = i
		}
	}
	var oe *tableEntry
	switch {
	case oi == 0:
		oe = oe0
	case oi > 0:
		if oe0 != nil {
			v.sheets.release(oe0)
		}
		if _, oe, err = v.sheet(ctx, ovr.f, ovr.ra, oi); err != nil {
			v.sheets.release(ne)
			return v.sheetRefused(vr, title, err)
		}
	default:
		if oe0 != nil {
			v.sheets.release(oe0)
		}
		c.Notes = append(c.Notes, "The old version has no sheet named “"+name+"”: every row of this sheet is new.")
		empty, _ := content.OpenTable(bytes.NewReader(nil), 0, content.TableOptions{})
		oe = &tableEntry{cached: cached{refs: 1}, table: empty, inMemory: true}
	}
	for _, s := range oldList {
		found := false
		for _, n := range list {
			found = found || n.Name == s.Name
		}
		if !found {
			c.Notes = append(c.Notes, "The sheet “"+s.Name+"” of the old version is not in the new one.")
		}
	}
	for _, e := range []*tableEntry{oe, ne} {
		if e.sheet != nil {
			if err := e.sheet.Wait(ctx); err != nil {
				v.sheets.release(oe)
				v.sheets.release(ne)
				return err
			}
		}
	}
	key := ovr.f.Hash + "/" + strconv.Itoa(oi) + "|" + vr.f.Hash + "/" + strconv.Itoa(idx)
	body, err := v.diffPage(vr, key, c, v.sheets, oe, v.sheets, ne, url.Values{paramSheet: {strconv.Itoa(idx)}})
	if err != nil {
		return err
	}
	body, err = viewer.Spreadsheet(list, idx, nil, func(i int) string {
		return "?" + url.Values{paramSheet: {strconv.Itoa(i)}}.Encode()
	}, body)
	if err != nil {
		return err
	}
	return v.page(vr, http.StatusOK, title, body, nil, "")
}

// sheetRefused shows why a workbook cannot be read, as the viewer does.
func (v *Engine) sheetRefused(vr *viewRequest, title string, err error) error {
	var aerr *airlock.Error
	if errors.As(err, &aerr) && (aerr.Code == airlock.EINVALID || aerr.Code == airlock.EUNAVAILABLE) {
		status := http.StatusUnsupportedMediaType
		if aerr.Code == airlock.EUNAVAILABLE {
			status = http.StatusTooManyRequests
			vr.w.Header().Set("Retry-After", "30")
		}
		return v.page(vr, status, title, "", []string{aerr.Message}, "")
	}
	return err
}

// diffPage compares two acquired tables (or takes the comparison from the
// cache) and renders the page the query asks for. It takes over the
// callers' references to oe and ne.
func (v *Engine) diffPage(vr *viewRequest, key string, c viewer.Comparison, oc *tableCache, oe *tableEntry, nc *tableCache, ne *tableEntry, extra url.Values) (template.HTML, error) {
	ctx := vr.r.Context()
	de, ok := v.diffs.get(key)
	if ok {
		oc.release(oe)
		nc.release(ne)
	} else {
		d, err := compare.Tables(ctx, oe.table, ne.table)
		if err != nil {
			oc.release(oe)
			nc.release(ne)
			return "", err
		}
		de = &diffEntry{cached: cached{key: key, refs: 1}, d: d, oc: oc, oe: oe, nc: nc, ne: ne}
		if oe.outlivesRequest() && ne.outlivesRequest() {
			de = v.diffs.add(de)
		}
	}
	defer v.diffs.release(de)
	d := de.d
	if err := d.CountCells(ctx); err != nil {
		return "", err
	}
	all := vr.q.Has(paramAll)
	pg, err := d.Page(ctx, compare.Query{Offset: int(min(offsetParam(vr.q, viewer.ParamOffset), 1<<31-1)), Limit: content.DefaultPageLimit, All: all})
	if err != nil {
		return "", err
	}
	c.Summary, c.Notes = d.Summary(), append(c.Notes, d.Notes...)
	return viewer.CompareTable(c, d, pg, func(offset int, all bool) string {
		q := url.Values{}
		for k, vs := range extra {
			q[k] = vs
		}
		if offset > 0 {
			q.Set(viewer.ParamOffset, strconv.Itoa(offset))
		}
		if all {
			q.Set(paramAll, "1")
		}
		return "?" + q.Encode()
	})
}

// diffEntry is one cached table comparison with the two tables it reads
// its pages from; it holds a reference to each, released when it has left
// the cache and nobody uses it any more.
type diffEntry struct {
	cached
	d      *compare.Table
	oc, nc *tableCache
	oe, ne *tableEntry
}

// diffCache keeps the last few table comparisons, so paging one reads
// only the rows shown (a comparison of two million-row tables keeps about
// 8 bytes per row).
type diffCache = refCache[*diffEntry]

func newDiffCache(max int) *diffCache { return newRefCache[*diffEntry](max) }

// outlivesRequest reports whether the table reads nothing through the
// request's own handle, so a comparison of it may be cached.
func (e *tableEntry) outlivesRequest() bool { return e.file != nil || e.sheet != nil || e.inMemory }

// close releases the tables of an entry nobody uses.
func (e *diffEntry) close() {
	e.oc.release(e.oe)
	e.nc.release(e.ne)
}

// humanSize writes a byte count for people: 1.5 MB.
func humanSize(n int64) string {
	switch {
	case n < 1000:
		return strconv.FormatInt(n, 10) + " bytes"
	case n < 1000*1000:
		return strconv.FormatFloat(float64(n)/1000, 'f', 1, 64) + " KB"
	case n < 1000*1000*1000:
		return strconv.FormatFloat(float64(n)/1e6, 'f', 1, 64) + " MB"
	}
	return strconv.FormatFloat(float64(n)/1e9, 'f', 1, 64) + " GB"
}
