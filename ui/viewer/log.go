package viewer

import (
	"html/template"

	"github.com/airlock-project/airlock/workspaces/content"
)

type logView struct {
	Notes      []string
	Truncated  bool
	EarlierURL string
	Body       []content.Span
	Trailer    []content.Span
}

// Log renders a job log: notes, a note with an "earlier lines" link when
// the start was cut (earlierURL receives Log.Start, the offset the earlier
// chunk must end at; nil means no link), the log with its ANSI colours as
// classes (ansi-red, ansi-bold, …), and the job summary.
func Log(l *content.Log, earlierURL func(before int64) string) (template.HTML, error) {
	if l == nil {
		l = &content.Log{}
	}
	v := logView{Notes: l.Notes, Truncated: l.Truncated, Body: l.Body, Trailer: l.Trailer}
	if l.Truncated && earlierURL != nil {
		v.EarlierURL = earlierURL(l.Start)
	}
	return render("log", v)
}

// LogChunk renders an earlier part of a log read with content.LogTail, with
// a link to the part before it when there is one.
func LogChunk(c *content.LogChunk, earlierURL func(before int64) string) (template.HTML, error) {
	if c == nil {
		c = &content.LogChunk{}
	}
	v := logView{Notes: c.Notes, Truncated: c.Start > 0, Body: c.Spans}
	if c.Start > 0 && earlierURL != nil {
		v.EarlierURL = earlierURL(c.Start)
	}
	return render("logchunk", v)
}
