package ui

import (
	"fmt"
	"html"
	"html/template"
	"net/url"
	"strings"
	"time"
)

// formatDate shows a date as YYYY-MM-DD (UTC); zero or nil times are blank.
func formatDate(v any) string {
	t, ok := timeOf(v)
	if !ok {
		return ""
	}
	return t.UTC().Format("2006-01-02")
}

// formatDateTime shows a time as YYYY-MM-DD HH:MM (UTC).
func formatDateTime(v any) string {
	t, ok := timeOf(v)
	if !ok {
		return ""
	}
	return t.UTC().Format("2006-01-02 15:04")
}

func timeOf(v any) (time.Time, bool) {
	switch t := v.(type) {
	case time.Time:
		return t, !t.IsZero()
	case *time.Time:
		if t == nil || t.IsZero() {
			return time.Time{}, false
		}
		return *t, true
	}
	return time.Time{}, false
}

// formatSize shows a byte count for people: B, KiB, MiB or GiB.
func formatSize(n int64) string {
	switch {
	case n < 1024:
		return fmt.Sprintf("%d B", n)
	case n < 1024*1024:
		return fmt.Sprintf("%.1f KiB", float64(n)/1024)
	case n < 1024*1024*1024:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1024*1024))
	}
	return fmt.Sprintf("%.2f GiB", float64(n)/(1024*1024*1024))
}

// escapePath escapes each segment of a slash-separated path for a URL.
func escapePath(p string) string {
	parts := strings.Split(p, "/")
	for i, s := range parts {
		parts[i] = url.PathEscape(s)
	}
	return strings.Join(parts, "/")
}

// joinURLPath joins a URL prefix and escaped path segments.
func joinURLPath(prefix string, segments ...string) string {
	var b strings.Builder
	b.WriteString(strings.TrimSuffix(prefix, "/"))
	for _, s := range segments {
		if s == "" {
			continue
		}
		b.WriteByte('/')
		b.WriteString(escapePath(strings.Trim(s, "/")))
	}
	return b.String()
}

// dict builds a map from alternating keys and values, for passing several
// values to a partial template.
func dict(kv ...any) (map[string]any, error) {
	if len(kv)%2 != 0 {
		return nil, fmt.Errorf("dict needs pairs of arguments")
	}
	m := make(map[string]any, len(kv)/2)
	for i := 0; i < len(kv); i += 2 {
		k, ok := kv[i].(string)
		if !ok {
			return nil, fmt.Errorf("dict keys must be strings")
		}
		m[k] = kv[i+1]
	}
	return m, nil
}

// plural returns word or word+"s" for n.
func plural(n int, word string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, word)
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// breakPath shows a path that may wrap after each slash in a narrow
// column, rather than in the middle of a name.
func breakPath(p string) template.HTML {
	parts := strings.Split(p, "/")
	for i, s := range parts {
		parts[i] = html.EscapeString(s)
	}
	return template.HTML(strings.Join(parts, "/<wbr>"))
}
