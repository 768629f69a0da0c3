package content

import (
	"path"
	"strings"

	"github.com/gabriel-vasile/mimetype"
)

// Kind is how a file is shown. It is decided from the file's first bytes and
// its name together, never from the name alone.
type Kind int

// The kinds of file the viewers know.
const (
	KindUnknown     Kind = iota // not sniffed
	KindTable                   // CSV or TSV text, shown as a paged table
	KindSpreadsheet             // an .xlsx workbook
	KindText                    // plain text or source code, shown highlighted
	KindLog                     // a job log with ANSI colours
	KindImage                   // PNG or JPEG
	KindSVG                     // SVG: an image that can carry scripts, so active content
	KindHTML                    // HTML: active content, only ever shown sandboxed
	KindBinary                  // anything else; not shown
)

var kindNames = [...]string{"unknown", "table", "spreadsheet", "text", "log", "image", "svg", "html", "binary"}

// String returns a short lower-case name of the kind.
func (k Kind) String() string {
	if k < 0 || int(k) >= len(kindNames) {
		return "unknown"
	}
	return kindNames[k]
}

// SniffLimit is how many leading bytes Sniff looks at; callers should pass
// at least this many when the file has them.
const SniffLimit = 3072

// Sniffed is the result of Sniff.
type Sniffed struct {
	Kind Kind
	// MIME is the media type found in the content, such as "text/csv" or
	// "image/png"; for text kinds it is what the content looked like.
	MIME string
	// Mismatch is empty when the name and the content agree. Otherwise it is
	// a note for a person, such as "named .png but contains HTML", and Kind
	// is what the content really is.
	Mismatch string
}

// Active reports whether the file can run code in a browser (HTML, SVG) and
// must only ever be served under a sandboxing Content-Security-Policy.
func (s Sniffed) Active() bool { return s.Kind == KindHTML || s.Kind == KindSVG }

// IsText reports whether the file is shown as decoded text (table, text, log).
func (s Sniffed) IsText() bool {
	return s.Kind == KindTable || s.Kind == KindText || s.Kind == KindLog
}

// IsBinary reports whether the file cannot be shown at all.
func (s Sniffed) IsBinary() bool { return s.Kind == KindBinary || s.Kind == KindUnknown }

// textExtensions are names shown as highlighted text.
var textExtensions = map[string]bool{
	".txt": true, ".md": true, ".markdown": true, ".json": true, ".yaml": true, ".yml": true,
	".toml": true, ".ini": true, ".cfg": true, ".xml": true,
	".py": true, ".r": true, ".rmd": true, ".do": true, ".ado": true, ".sql": true,
	".sh": true, ".bash": true, ".js": true, ".ts": true, ".go": true, ".java": true,
	".c": true, ".h": true, ".cpp": true, ".sas": true, ".jl": true, ".rs": true,
}

// kindByName is what the file name promises.
func kindByName(name string) (Kind, string) {
	ext := strings.ToLower(path.Ext(name))
	switch {
	case ext == ".csv" || ext == ".tsv" || ext == ".tab":
		return KindTable, ext
	case ext == ".xlsx":
		return KindSpreadsheet, ext
	case ext == ".log":
		return KindLog, ext
	case ext == ".png" || ext == ".jpg" || ext == ".jpeg":
		return KindImage, ext
	case ext == ".svg" || ext == ".svgz":
		return KindSVG, ext
	case ext == ".html" || ext == ".htm" || ext == ".xhtml":
		return KindHTML, ext
	case textExtensions[ext]:
		return KindText, ext
	}
	return KindUnknown, ext
}

// Sniff decides how to show a file from its name and its first bytes (head,
// ideally SniffLimit bytes or the whole file if shorter). The content always
// wins over the name: a ".png" that holds HTML is KindHTML with a Mismatch
// note, a ".csv" holding binary data is KindBinary. Text files that merely
// look like HTML keep their text kind, because text is always shown escaped,
// but carry a note. An empty file is shown by its name.
func Sniff(name string, head []byte) Sniffed {
	if len(head) > SniffLimit {
		head = head[:SniffLimit]
	}
	want, ext := kindByName(name)
	m := mimetype.Detect(head)
	mime := m.String()
	if i := strings.IndexByte(mime, ';'); i >= 0 {
		mime = mime[:i]
	}
	got := contentKind(m, head)
	res := Sniffed{Kind: got, MIME: mime}

	if len(head) == 0 {
		switch want {
		case KindUnknown:
			res.Kind = KindText
		case KindImage, KindSpreadsheet:
			res.Kind = KindBinary
			res.Mismatch = "named " + ext + " but empty"
		default:
			res.Kind = want
		}
		return res
	}

	mismatch := func(k Kind, what string) Sniffed {
		return Sniffed{Kind: k, MIME: mime, Mismatch: "named " + ext + " but contains " + what}
	}
	switch want {
	case KindUnknown:
		return res
	case KindTable, KindText, KindLog:
		switch got {
		case KindText:
			res.Kind = want
			return res
		case KindHTML, KindSVG:
			// Shown as escaped text, so harmless, but say so.
			res.Kind = want
			res.Mismatch = "named " + ext + " but looks like " + describe(got, mime) + "; shown as text, never run"
			return res
		}
		return mismatch(got, describe(got, mime))
	case KindImage:
		if got == KindImage {
			if (ext == ".png") != (mime == "image/png") {
				res.Mismatch = "named " + ext + " but contains " + describe(got, mime)
			}
			return res
		}
		return mismatch(got, describe(got, mime))
	case KindSVG:
		switch {
		case got == KindSVG:
			return res
		case ext == ".svgz" && mime == "application/gzip":
			res.Kind = KindSVG
			return res
		case got == KindHTML:
			return mismatch(KindHTML, "HTML")
		case got == KindText:
			// XML that the sniffer could not place; a browser would still
			// treat it as SVG, so keep it active.
			res.Kind = KindSVG
			return res
		}
		return mismatch(got, describe(got, mime))
	case KindHTML:
		switch got {
		case KindHTML, KindText, KindSVG:
			res.Kind = KindHTML
			return res
		}
		return mismatch(got, describe(got, mime))
	case KindSpreadsheet:
		if got == KindSpreadsheet || mime == "application/zip" {
			res.Kind = KindSpreadsheet
			return res
		}
		return mismatch(got, describe(got, mime))
	}
	return res
}

// contentKind is what the bytes look like on their own.
func contentKind(m *mimetype.MIME, head []byte) Kind {
	switch {
	case m.Is("text/html") || m.Is("application/xhtml+xml"):
		return KindHTML
	case m.Is("image/svg+xml"):
		return KindSVG
	case m.Is("image/png") || m.Is("image/jpeg"):
		return KindImage
	case m.Is("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"):
		return KindSpreadsheet
	}
	for p := m; p != nil; p = p.Parent() {
		if p.Is("text/plain") {
			return KindText
		}
	}
	return KindBinary
}

func describe(k Kind, mime string) string {
	switch k {
	case KindHTML:
		return "HTML"
	case KindSVG:
		return "an SVG image"
	case KindImage:
		if mime == "image/png" {
			return "a PNG image"
		}
		return "a JPEG image"
	case KindSpreadsheet:
		return "an Excel workbook"
	case KindText:
		return "text"
	}
	if mime == "" || mime == "application/octet-stream" {
		return "binary data"
	}
	return "binary data (" + mime + ")"
}
