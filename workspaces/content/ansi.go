package content

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// Span is a run of text with one style. Classes are CSS class names such as
// "ansi-red", "ansi-bg-blue" or "ansi-bold"; Text never contains escape or
// other control characters except newline and tab.
type Span struct {
	Text    string
	Classes []string
}

var ansiColours = [8]string{"black", "red", "green", "yellow", "blue", "magenta", "cyan", "white"}

// ansiStyle is the current SGR state.
type ansiStyle struct {
	fg, bg                                int // -1 default, 0-15 palette
	bold, dim, italic, underline, reverse bool
	strike                                bool
}

func (s ansiStyle) classes() []string {
	var out []string
	colour := func(prefix string, c int) string {
		if c >= 8 {
			return prefix + "bright-" + ansiColours[c-8]
		}
		return prefix + ansiColours[c]
	}
	if s.fg >= 0 {
		out = append(out, colour("ansi-", s.fg))
	}
	if s.bg >= 0 {
		out = append(out, colour("ansi-bg-", s.bg))
	}
	if s.bold {
		out = append(out, "ansi-bold")
	}
	if s.dim {
		out = append(out, "ansi-dim")
	}
	if s.italic {
		out = append(out, "ansi-italic")
	}
	if s.underline {
		out = append(out, "ansi-underline")
	}
	if s.reverse {
		out = append(out, "ansi-reverse")
	}
	if s.strike {
		out = append(out, "ansi-strike")
	}
	return out
}

// apply changes the state by the parameters of one SGR ("ESC [ ... m")
// sequence. 256-colour codes 0-15 map to the palette; other 256-colour and
// true-colour codes are ignored (only classes may style the output).
func (s *ansiStyle) apply(params string) {
	if params == "" {
		*s = ansiStyle{fg: -1, bg: -1}
		return
	}
	parts := strings.FieldsFunc(params, func(r rune) bool { return r == ';' || r == ':' })
	for i := 0; i < len(parts); i++ {
		n, err := strconv.Atoi(parts[i])
		if err != nil {
			continue
		}
		switch {
		case n == 0:
			*s = ansiStyle{fg: -1, bg: -1}
		case n == 1:
			s.bold = true
		case n == 2:
			s.dim = true
		case n == 3:
			s.italic = true
		case n == 4:
			s.underline = true
		case n == 7:
			s.reverse = true
		case n == 9:
			s.strike = true
		case n == 22:
			s.bold, s.dim = false, false
		case n == 23:
			s.italic = false
		case n == 24:
			s.underline = false
		case n == 27:
			s.reverse = false
		case n == 29:
			s.strike = false
		case n >= 30 && n <= 37:
			s.fg = n - 30
		case n == 39:
			s.fg = -1
		case n >= 40 && n <= 47:
			s.bg = n - 40
		case n == 49:
			s.bg = -1
		case n >= 90 && n <= 97:
			s.fg = n - 90 + 8
		case n >= 100 && n <= 107:
			s.bg = n - 100 + 8
		case n == 38 || n == 48:
			// 38;5;n or 38;2;r;g;b (and the same for backgrounds).
			if i+1 < len(parts) && parts[i+1] == "5" && i+2 < len(parts) {
				c, err := strconv.Atoi(parts[i+2])
				if err == nil && c >= 0 && c < 16 {
					if n == 38 {
						s.fg = c
					} else {
						s.bg = c
					}
				}
				i += 2
			} else if i+1 < len(parts) && parts[i+1] == "2" {
				i += 4
			}
		}
	}
}

// ParseANSI splits text with ANSI escape sequences into styled spans.
// SGR (colour and weight) sequences become classes; every other escape
// sequence (cursor movement, erasing, window titles) and every other
// control character except newline and tab is dropped; "\r\n" becomes
// "\n". Invalid UTF-8 is replaced by U+FFFD. Adjacent spans with the same
// classes are merged.
func ParseANSI(text string) []Span {
	var spans []Span
	st := ansiStyle{fg: -1, bg: -1}
	var b strings.Builder
	flush := func() {
		if b.Len() == 0 {
			return
		}
		cls := st.classes()
		if n := len(spans); n > 0 && sameClasses(spans[n-1].Classes, cls) {
			spans[n-1].Text += b.String()
		} else {
			spans = append(spans, Span{Text: b.String(), Classes: cls})
		}
		b.Reset()
	}
	for i := 0; i < len(text); {
		c := text[i]
		switch {
		case c == 0x1b:
			seqEnd, params, final := escapeSequence(text, i)
			if final == 'm' {
				flush()
				st.apply(params)
			}
			i = seqEnd
		case c == '\n' || c == '\t':
			b.WriteByte(c)
			i++
		case c < 0x20 || c == 0x7f:
			i++ // other C0 controls, including a lone "\r", are dropped
		case c < utf8.RuneSelf:
			b.WriteByte(c)
			i++
		default:
			r, n := utf8.DecodeRuneInString(text[i:])
			if r == utf8.RuneError && n == 1 {
				b.WriteRune(utf8.RuneError)
			} else if r >= 0x80 && r < 0xa0 {
				// C1 controls are dropped too.
			} else {
				b.WriteString(text[i : i+n])
			}
			i += n
		}
	}
	flush()
	return spans
}

// escapeSequence parses the escape sequence starting at text[i] (an ESC)
// and returns where it ends, its CSI parameters and its final byte (0 if
// it is not a CSI sequence).
func escapeSequence(text string, i int) (end int, params string, final byte) {
	j := i + 1
	if j >= len(text) {
		return j, "", 0
	}
	switch text[j] {
	case '[': // CSI: parameters 0x30-0x3f, intermediates 0x20-0x2f, final 0x40-0x7e
		k := j + 1
		for k < len(text) && text[k] >= 0x30 && text[k] <= 0x3f {
			k++
		}
		p := text[j+1 : k]
		for k < len(text) && text[k] >= 0x20 && text[k] <= 0x2f {
			k++
		}
		if k < len(text) && text[k] >= 0x40 && text[k] <= 0x7e {
			return k + 1, p, text[k]
		}
		return k, "", 0
	case ']', 'P', '_', '^': // OSC, DCS, APC, PM: up to BEL or ESC \
		for k := j + 1; k < len(text); k++ {
			if text[k] == 0x07 {
				return k + 1, "", 0
			}
			if text[k] == 0x1b && k+1 < len(text) && text[k+1] == '\\' {
				return k + 2, "", 0
			}
		}
		return len(text), "", 0
	}
	if text[j] >= utf8.RuneSelf {
		return j, "", 0
	}
	// Two-byte sequences such as ESC ( B or ESC =.
	if text[j] >= 0x20 && text[j] <= 0x2f && j+1 < len(text) {
		return j + 2, "", 0
	}
	return j + 1, "", 0
}

func sameClasses(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
