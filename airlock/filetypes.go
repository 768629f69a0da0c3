package airlock

import (
	"path"
	"strings"
)

// DefaultAllowedExtensions are the file types that may leave the backend
// unless the backend configures others (D13).
var DefaultAllowedExtensions = []string{
	".csv", ".jpg", ".jpeg", ".png", ".svg", ".svgz", ".html", ".txt", ".log", ".json", ".md", ".xlsx",
}

// FileTypePolicy decides which file names may be added to and released from requests.
type FileTypePolicy struct {
	extensions map[string]bool
}

// NewFileTypePolicy returns a policy allowing the given extensions (with the dot, any case).
func NewFileTypePolicy(exts []string) FileTypePolicy {
	m := make(map[string]bool, len(exts))
	for _, e := range exts {
		e = strings.ToLower(strings.TrimSpace(e))
		if e == "" {
			continue
		}
		if !strings.HasPrefix(e, ".") {
			e = "." + e
		}
		m[e] = true
	}
	return FileTypePolicy{extensions: m}
}

// Allowed reports whether a workspace-relative path has an allowed type.
// Names starting with a dot are never allowed.
func (p FileTypePolicy) Allowed(relpath string) bool {
	base := path.Base(relpath)
	if base == "" || strings.HasPrefix(base, ".") {
		return false
	}
	return p.extensions[strings.ToLower(path.Ext(base))]
}

// Extensions returns the allowed extensions, for display.
func (p FileTypePolicy) Extensions() []string {
	out := make([]string, 0, len(p.extensions))
	for _, e := range DefaultAllowedExtensions {
		if p.extensions[e] {
			out = append(out, e)
		}
	}
	for e := range p.extensions {
		found := false
		for _, d := range DefaultAllowedExtensions {
			if d == e {
				found = true
			}
		}
		if !found {
			out = append(out, e)
		}
	}
	return out
}

// CheckReleaseName returns an error unless a workspace-relative path can be
// released under its own name: the jobs site takes POSIX paths and refuses
// backslashes and control characters. Names are never rewritten, because two
// different files could then arrive under one name.
func CheckReleaseName(relpath string) error {
	if strings.Contains(relpath, `\`) {
		return Errorf(EINVALID, "%s has a backslash in its name, which the jobs site does not accept. Rename the output in the job that writes it.", relpath)
	}
	for _, r := range relpath {
		if r < 0x20 || r == 0x7f {
			return Errorf(EINVALID, "%s has a control character in its name, which the jobs site does not accept.", relpath)
		}
	}
	return nil
}
