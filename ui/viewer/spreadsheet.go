package viewer

import (
	"html/template"

	"github.com/airlock-project/airlock/workspaces/content"
)

type sheetTab struct {
	Name    string
	URL     string
	Current bool
	Hidden  bool
}

type spreadsheetView struct {
	Tabs   []sheetTab
	Active string
	Merged []string
	More   int
	Table  template.HTML
}

// maxMergedShown bounds the merged ranges listed under a sheet.
const maxMergedShown = 20

// Spreadsheet renders sheet tabs (links from sheetURL(i); hidden sheets are
// marked) above the active sheet's table, which the caller renders with
// Table and Stats, and lists the sheet's merged ranges.
func Spreadsheet(sheets []content.SheetInfo, active int, merged []string, sheetURL func(i int) string, table template.HTML) (template.HTML, error) {
	v := spreadsheetView{Table: table}
	for i, s := range sheets {
		v.Tabs = append(v.Tabs, sheetTab{Name: s.Name, URL: sheetURL(i), Current: i == active, Hidden: s.Hidden})
		if i == active {
			v.Active = s.Name
		}
	}
	if len(merged) > maxMergedShown {
		v.More = len(merged) - maxMergedShown
		merged = merged[:maxMergedShown]
	}
	v.Merged = merged
	return render("spreadsheet", v)
}
