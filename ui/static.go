package ui

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/airlock-project/airlock/ui/viewer"
)

// staticFile is one embedded static file with its content hash.
type staticFile struct {
	name  string
	hash  string
	body  []byte
	ctype string
}

// staticFiles serves the embedded static files under content-hashed URLs
// (/static/<hash>/<name>), so they can be cached forever: a changed file gets
// a new URL.
type staticFiles struct {
	files map[string]*staticFile
}

// loadStatic reads and hashes every file under static/ once, at startup.
func loadStatic(fsys fs.FS) (*staticFiles, error) {
	s := &staticFiles{files: map[string]*staticFile{}}
	err := fs.WalkDir(fsys, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(body)
		name := strings.TrimPrefix(p, "static/")
		ctype := mime.TypeByExtension(path.Ext(name))
		if ctype == "" {
			ctype = "application/octet-stream"
		}
		s.files[name] = &staticFile{name: name, hash: hex.EncodeToString(sum[:6]), body: body, ctype: ctype}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("load static files: %w", err)
	}
	// The file viewers' classes come with their own stylesheet.
	css := viewer.Stylesheet()
	sum := sha256.Sum256(css)
	s.files["viewer.css"] = &staticFile{name: "viewer.css", hash: hex.EncodeToString(sum[:6]), body: css, ctype: "text/css; charset=utf-8"}
	return s, nil
}

// URL returns the content-hashed URL of a static file, or an error for an
// unknown name, so that a typo in a template fails the template tests.
func (s *staticFiles) URL(name string) (string, error) {
	f, ok := s.files[name]
	if !ok {
		return "", fmt.Errorf("unknown static file %q", name)
	}
	return "/static/" + f.hash + "/" + f.name, nil
}

// serve answers GET /static/:hash/*. A current hash is cached for a year as
// immutable; an outdated hash (a page rendered before a deploy) still gets
// the file, but without long caching.
func (s *staticFiles) serve(c echo.Context) error {
	name := c.Param("*")
	f, ok := s.files[name]
	if !ok {
		return echo.NewHTTPError(http.StatusNotFound, "No such file.")
	}
	h := c.Response().Header()
	if c.Param("hash") == f.hash {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		h.Set("Cache-Control", "no-cache")
	}
	h.Set("ETag", `"`+f.hash+`"`)
	if c.Request().Header.Get("If-None-Match") == `"`+f.hash+`"` {
		return c.NoContent(http.StatusNotModified)
	}
	return c.Blob(http.StatusOK, f.ctype, f.body)
}
