package ui

import (
	"bytes"
	"html/template"
	"io"
	"net/http"
	"path"
	"strings"
	"time"
	"unicode/utf8"
)

// Viewer renders a file's bytes as the response of a content endpoint,
// shown in the preview frame or opened in a new tab. The content handlers
// set the sandbox CSP and frame headers (D8) before calling it. The full
// viewers (tables, spreadsheets, highlighted code, logs) live in package
// ui/viewer; until it is wired in, basicViewer shows text, images and
// sandboxed HTML.
type Viewer interface {
	Render(w http.ResponseWriter, r *http.Request, name string, content io.ReadSeeker, size int64) error
}

// maxPreviewBytes bounds what the basic viewer reads of a text file.
const maxPreviewBytes = 2 << 20

// basicViewer is the built-in preview.
type basicViewer struct{}

var textDoc = template.Must(template.New("text").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Name}}</title></head>
<body><pre>{{.Text}}</pre>{{if .Truncated}}<p><em>Only the first {{.Limit}} bytes are shown.</em></p>{{end}}</body></html>`))

// Render implements Viewer.
func (basicViewer) Render(w http.ResponseWriter, r *http.Request, name string, content io.ReadSeeker, size int64) error {
	ext := strings.ToLower(path.Ext(name))
	h := w.Header()
	switch ext {
	case ".png", ".jpg", ".jpeg", ".svg", ".svgz", ".html", ".htm":
		ctype := map[string]string{".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
			".svg": "image/svg+xml", ".svgz": "image/svg+xml", ".html": "text/html; charset=utf-8", ".htm": "text/html; charset=utf-8"}[ext]
		h.Set("Content-Type", ctype)
		if ext == ".svgz" {
			h.Set("Content-Encoding", "gzip")
		}
		h.Set("Content-Disposition", "inline")
		http.ServeContent(w, r, "", time.Time{}, content)
		return nil
	case ".csv", ".txt", ".log", ".json", ".md", "":
		buf := make([]byte, maxPreviewBytes+1)
		n, err := io.ReadFull(content, buf)
		if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
			return err
		}
		truncated := n > maxPreviewBytes
		if truncated {
			n = maxPreviewBytes
		}
		text := bytes.ToValidUTF8(buf[:n], []byte(string(utf8.RuneError)))
		h.Set("Content-Type", "text/html; charset=utf-8")
		return textDoc.Execute(w, map[string]any{"Name": path.Base(name), "Text": string(text), "Truncated": truncated, "Limit": maxPreviewBytes})
	}
	h.Set("Content-Type", "text/html; charset=utf-8")
	return textDoc.Execute(w, map[string]any{"Name": path.Base(name), "Text": path.Base(name) + " cannot be previewed here."})
}
