package content

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// Defaults for Lines.
const (
	DefaultLineLimit    = 1000
	MaxLineLimit        = 10000
	DefaultMaxLineBytes = 10000
	// MaxPageBytes bounds the text of one page: limit lines of
	// maxLineBytes could otherwise be 100 MB, which escaping and
	// highlighting multiply several times over in memory.
	MaxPageBytes = 1 << 20
)

// TextPage is a page of lines of a text file.
type TextPage struct {
	// Lines are valid UTF-8, without their line endings, each capped.
	Lines []string
	// First is the 1-based number of Lines[0] (or of the line that would
	// have been first, when Lines is empty).
	First int
	// More is true when the file has lines after this page.
	More bool
	// Short is true when the page stopped before its limit of lines
	// because it reached MaxPageBytes; the next page starts after it.
	Short bool
	// Notes explain replaced bytes and cut lines.
	Notes []string
}

// Lines reads the page of limit lines starting after offset lines (0-based)
// from r. Bytes that are not valid UTF-8 are replaced by U+FFFD and lines
// longer than maxLineBytes (0 means DefaultMaxLineBytes) are cut, with a
// note. limit is clamped to 1..MaxLineLimit (0 means DefaultLineLimit). A
// page holds at most MaxPageBytes of text (but always one line), so memory
// is bounded by MaxPageBytes, whatever the file's length or line lengths.
func Lines(ctx context.Context, r io.Reader, offset, limit, maxLineBytes int) (TextPage, error) {
	if offset < 0 {
		offset = 0
	}
	if limit <= 0 {
		limit = DefaultLineLimit
	}
	limit = min(limit, MaxLineLimit)
	if maxLineBytes <= 0 {
		maxLineBytes = DefaultMaxLineBytes
	}
	page := TextPage{First: offset + 1}
	br := bufio.NewReaderSize(r, 64<<10)
	var invalid, long bool
	var line []byte
	pageBytes := 0
	for n := 0; ; n++ {
		if n%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return TextPage{}, err
			}
		}
		keep := n >= offset
		var cut bool
		var err error
		line, cut, err = readLine(br, line[:0], maxLineBytes, keep)
		if err == io.EOF && line == nil {
			break
		}
		if err != nil && err != io.EOF {
			return TextPage{}, fmt.Errorf("read text: %w", err)
		}
		if keep {
			if len(page.Lines) == limit {
				page.More = true
				break
			}
			if len(page.Lines) > 0 && pageBytes+len(line) > MaxPageBytes {
				page.More, page.Short = true, true
				break
			}
			pageBytes += len(line) + 1
			s := string(line)
			if !utf8.ValidString(s) {
				invalid = true
				s = strings.ToValidUTF8(s, "\uFFFD")
			}
			if cut {
				long = true
				s += "…"
			}
			page.Lines = append(page.Lines, s)
		}
		if err == io.EOF {
			break
		}
	}
	if invalid {
		page.Notes = append(page.Notes, "The file contains bytes that are not valid UTF-8 text; they are shown as \uFFFD.")
	}
	if long {
		page.Notes = append(page.Notes, fmt.Sprintf("Some lines are longer than %d characters and are cut short (…).", maxLineBytes))
	}
	if page.Short {
		page.Notes = append(page.Notes, fmt.Sprintf("This page stops after line %d, at %s of text; the next page goes on from there.",
			page.First+len(page.Lines)-1, byteSize(MaxPageBytes)))
	}
	return page, nil
}

// readLine reads one line into buf (without "\n" or "\r\n"), keeping at most
// max bytes (cut at a rune boundary) and discarding the rest. When keep is
// false nothing is kept. It returns a nil line with io.EOF at the end.
func readLine(br *bufio.Reader, buf []byte, max int, keep bool) ([]byte, bool, error) {
	cut := false
	got := false
	for {
		frag, err := br.ReadSlice('\n')
		if len(frag) > 0 {
			got = true
		}
		if keep && !cut {
			room := max - len(buf)
			if len(frag) > room {
				take := room
				for take > 0 && take < len(frag) && !utf8.RuneStart(frag[take]) {
					take--
				}
				buf = append(buf, frag[:take]...)
				cut = true
			} else {
				buf = append(buf, frag...)
			}
		}
		switch {
		case err == nil:
			if !cut {
				buf = trimEOL(buf)
			}
			return nonNil(buf), cut, nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case err == io.EOF:
			if !got {
				return nil, false, io.EOF
			}
			if !cut {
				buf = trimEOL(buf)
			}
			return nonNil(buf), cut, io.EOF
		default:
			return nil, false, err
		}
	}
}

func trimEOL(b []byte) []byte {
	if n := len(b); n > 0 && b[n-1] == '\n' {
		b = b[:n-1]
		if n := len(b); n > 0 && b[n-1] == '\r' {
			b = b[:n-1]
		}
	}
	return b
}

func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}
