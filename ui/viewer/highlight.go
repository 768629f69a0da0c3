package viewer

import (
	"bytes"
	"html/template"
	"path"
	"strings"
	"unicode/utf8"

	"github.com/alecthomas/chroma/v2"
	"github.com/alecthomas/chroma/v2/formatters/html"
	"github.com/alecthomas/chroma/v2/lexers"
	"github.com/alecthomas/chroma/v2/styles"
)

// highlightStyle is the one light chroma style the stylesheet carries.
const highlightStyle = "github"

// MaxHighlightBytes is the longest text Highlight colours; longer text is
// shown plain, still numbered. chroma's lexers cost about 10 s of CPU and
// gigabytes of allocation per MB of code, and more for deeply nested JSON
// (each bracket pushes a state): a page of ordinary code is a few tens of
// KB.
const MaxHighlightBytes = 128 << 10

// plainExtensions are shown without highlighting: chroma has no lexer for
// them (Stata's .do and .ado), and guessing from the content picks a wrong
// language more often than not.
var plainExtensions = map[string]bool{".do": true, ".ado": true, ".txt": true, ".log": true, ".csv": true, ".tsv": true}

// newFormatter returns the one HTML formatter configuration: classes only
// (no style attributes), numbered lines with anchors id="L<n>" linked by
// href="#L<n>".
func newFormatter(firstLine int) *html.Formatter {
	return html.New(
		html.WithClasses(true),
		html.WithLineNumbers(true),
		html.WithLinkableLineNumbers(true, "L"),
		html.BaseLineNumber(firstLine),
	)
}

// lexerFor picks a lexer by file name, then by content, then plain text.
func lexerFor(name string, src string) chroma.Lexer {
	if plainExtensions[strings.ToLower(path.Ext(name))] {
		return lexers.Get("plaintext")
	}
	if l := lexers.Match(path.Base(name)); l != nil {
		return l
	}
	if l := lexers.Analyse(src); l != nil {
		return l
	}
	return lexers.Fallback
}

// Highlight renders source text with chroma: a lexer chosen by file name
// (lexers.Match), else by content analysis, else plain text; classes only;
// each line numbered from firstLine (1 for a whole file, the first line of
// a page otherwise) with an anchor id="L<n>" and a link to it. src should
// be a page of lines (see content.Lines); invalid UTF-8 is replaced. Text
// longer than MaxHighlightBytes is numbered but not coloured.
func Highlight(name string, src []byte, firstLine int) template.HTML {
	if firstLine < 1 {
		firstLine = 1
	}
	text := string(src)
	if !utf8.ValidString(text) {
		text = strings.ToValidUTF8(text, "\uFFFD")
	}
	var lexer chroma.Lexer
	if len(text) > MaxHighlightBytes {
		lexer = lexers.Get("plaintext")
	} else {
		lexer = chroma.Coalesce(lexerFor(name, text))
	}
	var buf bytes.Buffer
	it, err := lexer.Tokenise(nil, text)
	if err == nil {
		err = newFormatter(firstLine).Format(&buf, styles.Get(highlightStyle), it)
	}
	if err != nil {
		// Fall back to plain text, still escaped and numbered.
		buf.Reset()
		it, perr := lexers.Fallback.Tokenise(nil, text)
		if perr != nil || newFormatter(firstLine).Format(&buf, styles.Get(highlightStyle), it) != nil {
			return template.HTML("<pre class=\"chroma\">" + template.HTMLEscapeString(text) + "</pre>")
		}
	}
	return template.HTML(buf.String()) // #nosec: chroma escapes every token
}

// ansiCSS styles the classes of content.ParseANSI.
const ansiCSS = `
/* ANSI colours in logs (content.ParseANSI) */
.ansi-black { color: #3b3b3b; } .ansi-bg-black { background-color: #3b3b3b; color: #fff; }
.ansi-red { color: #c62828; } .ansi-bg-red { background-color: #c62828; color: #fff; }
.ansi-green { color: #2e7d32; } .ansi-bg-green { background-color: #2e7d32; color: #fff; }
.ansi-yellow { color: #8d6e00; } .ansi-bg-yellow { background-color: #f9a825; }
.ansi-blue { color: #1565c0; } .ansi-bg-blue { background-color: #1565c0; color: #fff; }
.ansi-magenta { color: #8e24aa; } .ansi-bg-magenta { background-color: #8e24aa; color: #fff; }
.ansi-cyan { color: #00838f; } .ansi-bg-cyan { background-color: #00838f; color: #fff; }
.ansi-white { color: #757575; } .ansi-bg-white { background-color: #eeeeee; }
.ansi-bright-black { color: #616161; } .ansi-bg-bright-black { background-color: #616161; color: #fff; }
.ansi-bright-red { color: #e53935; } .ansi-bg-bright-red { background-color: #e53935; color: #fff; }
.ansi-bright-green { color: #43a047; } .ansi-bg-bright-green { background-color: #43a047; color: #fff; }
.ansi-bright-yellow { color: #a67c00; } .ansi-bg-bright-yellow { background-color: #fdd835; }
.ansi-bright-blue { color: #1e88e5; } .ansi-bg-bright-blue { background-color: #1e88e5; color: #fff; }
.ansi-bright-magenta { color: #ab47bc; } .ansi-bg-bright-magenta { background-color: #ab47bc; color: #fff; }
.ansi-bright-cyan { color: #00acc1; } .ansi-bg-bright-cyan { background-color: #00acc1; color: #fff; }
.ansi-bright-white { color: #9e9e9e; } .ansi-bg-bright-white { background-color: #fafafa; }
.ansi-bold { font-weight: bold; } .ansi-dim { opacity: 0.7; } .ansi-italic { font-style: italic; }
.ansi-underline { text-decoration: underline; } .ansi-strike { text-decoration: line-through; }
.ansi-reverse { filter: invert(100%); }
`

// viewerCSS styles the table, statistics, log and spreadsheet fragments.
const viewerCSS = `
/* Viewer fragments (ui/viewer) */
.table-scroll { overflow: auto; max-height: 75vh; }
.airlock-table { border-collapse: separate; border-spacing: 0; font-variant-numeric: tabular-nums; }
.airlock-table th, .airlock-table td { padding: 0.2rem 0.5rem; border-bottom: 1px solid #e0e0e0; text-align: left; vertical-align: top; white-space: pre-wrap; }
.airlock-table .sticky-header th { position: sticky; top: 0; background: #f5f5f5; z-index: 1; }
.airlock-table th.rownum, .airlock-table td.rownum { color: #757575; text-align: right; }
.airlock-table tbody th.rownum { position: sticky; left: 0; background: #fafafa; }
.airlock-table .num { text-align: right; }
.airlock-table .cell-absent { background: repeating-linear-gradient(45deg, #fafafa, #fafafa 4px, #eeeeee 4px, #eeeeee 8px); }
.airlock-table .hide-col { color: #9e9e9e; text-decoration: none; }
.airlock-table .flag { background: #fff3e0; font-weight: bold; }
.airlock-table td.cell-flag { outline: 2px solid #e0a100; outline-offset: -2px; background: #fff8e1; min-width: 14rem; }
.airlock-table td.cell-flag-fail { outline-color: #c62828; background: #ffebee; }
.airlock-table td.cell-flag-excepted { outline: 2px dashed #9e9e9e; background: #f5f5f5; }
.cell-value { display: block; font-weight: bold; }
.cell-flag-note { display: block; font-size: 0.8rem; white-space: normal; text-align: left; font-weight: normal; }
.cell-flag-note.excepted s { color: #616161; }
.cell-flag-fail .flag-icon { color: #c62828; }
.next-flag { display: block; font-size: 0.75rem; }
.table-flags { background: #fff8e1; border-left: 4px solid #e0a100; padding: 0.35rem 0.5rem; }
.table-notes, .log-notes, .stats-notes-extra, .text-notes { background: #fffde7; border-left: 4px solid #fbc02d; padding: 0.5rem 0.5rem 0.5rem 1.5rem; }
.chip { display: inline-block; border: 1px solid #bdbdbd; border-radius: 1rem; padding: 0 0.6rem; margin: 0 0.2rem; }
.pager a { margin-right: 0.75rem; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
.log { white-space: pre-wrap; word-break: break-all; }
.log-summary { border-top: 2px solid #bdbdbd; }
.sheet-tabs { display: flex; gap: 0.25rem; list-style: none; padding: 0; }
.sheet-tabs a { display: block; padding: 0.25rem 0.75rem; border: 1px solid #bdbdbd; border-bottom: none; }
.sheet-tabs a[aria-current="page"] { background: #e3f2fd; font-weight: bold; }
.sheet-tabs .sheet-hidden { font-style: italic; }
.chroma .lnlinks { color: inherit; text-decoration: none; }
.chroma .line:target, .chroma span:target { background: #fff8c5; }
/* Comparisons: changes are <ins> and <del>, so they read without colour too */
.compare-summary { font-size: 1.05rem; }
.compare-versions { display: grid; grid-template-columns: auto 1fr; gap: 0.1rem 0.75rem; }
.compare-versions dd { margin: 0; }
ins { background: #e6f4ea; color: #0b5d1e; text-decoration: underline; }
del { background: #fdecea; color: #8a1c12; text-decoration: line-through; }
ins.diff-char { background: #b7e1c1; } del.diff-char { background: #f6c1bb; }
.compare-table tr.diff-added th, .compare-table tr.diff-added td { background: #f1f8f3; }
.compare-table tr.diff-removed th, .compare-table tr.diff-removed td { background: #fdf3f2; }
.compare-table td.cell-changed { background: #fff8e1; font-weight: bold; }
.compare-table .diff-label { color: #424242; font-style: italic; }
.diff-word { font-weight: normal; font-size: 0.85em; }
.diff-lines { border-collapse: collapse; font-family: ui-monospace, monospace; width: 100%; }
.diff-lines td { padding: 0 0.5rem; vertical-align: top; }
.diff-lines .rownum { color: #757575; text-align: right; width: 3rem; }
.diff-lines .diff-text { white-space: pre-wrap; word-break: break-all; }
.diff-lines tr.diff-added { background: #f1f8f3; } .diff-lines tr.diff-removed { background: #fdf3f2; }
.diff-lines tr.diff-added ins, .diff-lines tr.diff-removed del { background: none; }
.diff-skipped { color: #616161; font-style: italic; border-top: 1px dashed #bdbdbd; border-bottom: 1px dashed #bdbdbd; margin: 0.25rem 0; padding: 0.1rem 0.5rem; }
.compare-images { display: flex; gap: 1rem; flex-wrap: wrap; }
.compare-images figure { flex: 1 1 20rem; margin: 0; }
.compare-images img { max-width: 100%; height: auto; border: 1px solid #bdbdbd; }
`

// Stylesheet returns the CSS for every class the fragments use: the chroma
// highlighting style, the ANSI colours of logs and the table, statistics
// and spreadsheet layout. The UI serves it as a static file.
func Stylesheet() []byte {
	var buf bytes.Buffer
	buf.WriteString("/* Generated by ui/viewer.Stylesheet; do not edit. */\n")
	if err := newFormatter(1).WriteCSS(&buf, styles.Get(highlightStyle)); err != nil {
		buf.WriteString("/* chroma CSS unavailable */\n")
	}
	buf.WriteString(ansiCSS)
	buf.WriteString(viewerCSS)
	return buf.Bytes()
}
