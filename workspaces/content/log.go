package content

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"unicode/utf8"
)

// LogSummaryMarker starts the job summary at the end of a job log. The
// summary, from the marker's last occurrence at the start of a line, is
// always shown whole.
const LogSummaryMarker = "=============JOB SUMMARY============="

// Defaults for ReadLog and LogTail.
const (
	DefaultLogChars        = 10000
	DefaultMaxTrailerBytes = 1 << 20
	DefaultLogChunkBytes   = 64 << 10
	MaxLogChunkBytes       = 1 << 20
)

// LogOptions tune ReadLog. The zero value uses the defaults.
type LogOptions struct {
	// MaxChars limits the part before the summary to its last MaxChars
	// characters (0 means DefaultLogChars).
	MaxChars int
	// MaxTrailerBytes guards against a huge summary (0 means
	// DefaultMaxTrailerBytes); beyond it the summary is cut, with a note.
	MaxTrailerBytes int64
}

// Log is a job log prepared for reading.
type Log struct {
	// Body is the end of the log before the summary, as styled spans.
	Body []Span
	// Trailer is the job summary, from its marker to the end of the file;
	// empty when the log has no summary marker.
	Trailer []Span
	// Truncated is true when Body does not start at the start of the file;
	// the earlier part can be read with LogTail(..., Start, ...).
	Truncated bool
	// Start is the byte offset where Body starts.
	Start int64
	// Notes explain replaced bytes and cuts.
	Notes []string
}

// LogChunk is an earlier part of a log, read backwards with LogTail.
type LogChunk struct {
	Spans []Span
	// Start and End are the byte offsets of the chunk; Start is 0 at the
	// beginning of the file. The next earlier chunk ends at Start.
	Start, End int64
	Notes      []string
}

// ReadLog reads a job log as the log viewer shows it: if the line
// LogSummaryMarker occurs, everything from its last occurrence is the
// trailer, kept whole; the part before it is limited to its last
// opts.MaxChars characters, and when that cuts it, the partial first line
// is dropped too (unless it is the only line) and Truncated is set.
// ANSI colour codes become styled spans. Only the tail of the file is
// read: the cost does not depend on the length of the log.
func ReadLog(ctx context.Context, r io.ReaderAt, size int64, opts LogOptions) (*Log, error) {
	if opts.MaxChars <= 0 {
		opts.MaxChars = DefaultLogChars
	}
	if opts.MaxTrailerBytes <= 0 {
		opts.MaxTrailerBytes = DefaultMaxTrailerBytes
	}
	if size < 0 {
		size = 0
	}
	m, err := lastMarker(ctx, r, size)
	if err != nil {
		return nil, err
	}
	l := &Log{}
	var invalid bool
	bodyEnd := size
	if m >= 0 {
		bodyEnd = m
		end := size
		if end-m > opts.MaxTrailerBytes {
			end = m + opts.MaxTrailerBytes
			l.Notes = append(l.Notes, fmt.Sprintf("The job summary is longer than %s; only its start is shown.", byteSize(opts.MaxTrailerBytes)))
		}
		b, err := readRange(r, m, end)
		if err != nil {
			return nil, err
		}
		if end < size {
			b = trimPartialRune(b)
		}
		invalid = invalid || !utf8.Valid(b)
		l.Trailer = ParseANSI(string(b))
	}
	lo := max(0, bodyEnd-int64(opts.MaxChars)*utf8.UTFMax)
	b, err := readRange(r, lo, bodyEnd)
	if err != nil {
		return nil, err
	}
	// Keep the last MaxChars characters.
	cut, chars := len(b), 0
	for cut > 0 && chars < opts.MaxChars {
		_, n := utf8.DecodeLastRune(b[:cut])
		cut -= n
		chars++
	}
	if cut > 0 || lo > 0 {
		l.Truncated = true
		kept := b[cut:]
		if i := bytes.IndexByte(kept, '\n'); i >= 0 && i+1 < len(kept) {
			cut += i + 1
		} else {
			for cut < len(b) && !utf8.RuneStart(b[cut]) {
				cut++
			}
		}
		b = b[cut:]
	}
	l.Start = lo + int64(cut)
	if !l.Truncated {
		l.Start = 0
	}
	invalid = invalid || !utf8.Valid(b)
	l.Body = ParseANSI(string(b))
	if l.Truncated {
		l.Notes = append(l.Notes, fmt.Sprintf("Only the last %d characters of the log before the job summary are shown; earlier lines can be loaded.", opts.MaxChars))
	}
	if invalid {
		l.Notes = append(l.Notes, "The log contains bytes that are not valid UTF-8 text; they are shown as \uFFFD.")
	}
	return l, nil
}

// LogTail returns the chunk of at most limit bytes (0 means
// DefaultLogChunkBytes; at most MaxLogChunkBytes) that ends at byte offset
// before, starting at a line start where possible, so a reader can page
// backwards from Log.Start. Each chunk starts before it ends unless before
// is 0, so paging always progresses.
func LogTail(ctx context.Context, r io.ReaderAt, size, before int64, limit int) (*LogChunk, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if limit <= 0 {
		limit = DefaultLogChunkBytes
	}
	limit = min(limit, MaxLogChunkBytes)
	before = min(max(before, 0), max(size, 0))
	lo := max(0, before-int64(limit))
	b, err := readRange(r, lo, before)
	if err != nil {
		return nil, err
	}
	cut := 0
	if lo > 0 {
		if i := bytes.IndexByte(b, '\n'); i >= 0 && i+1 < len(b) {
			cut = i + 1
		} else {
			for cut < len(b)-1 && !utf8.RuneStart(b[cut]) {
				cut++
			}
		}
	}
	b = b[cut:]
	c := &LogChunk{Start: lo + int64(cut), End: before, Spans: ParseANSI(string(b))}
	if !utf8.Valid(b) {
		c.Notes = append(c.Notes, "The log contains bytes that are not valid UTF-8 text; they are shown as \uFFFD.")
	}
	return c, nil
}

// lastMarker returns the offset of the last LogSummaryMarker at the start
// of a line, or -1. It reads backwards from the end in blocks.
func lastMarker(ctx context.Context, r io.ReaderAt, size int64) (int64, error) {
	needle := []byte("\n" + LogSummaryMarker)
	const block = 64 << 10
	hi := size
	for hi > 0 {
		if err := ctx.Err(); err != nil {
			return -1, err
		}
		lo := max(0, hi-block)
		b, err := readRange(r, lo, hi)
		if err != nil {
			return -1, err
		}
		if i := bytes.LastIndex(b, needle); i >= 0 {
			return lo + int64(i) + 1, nil
		}
		if lo == 0 {
			break
		}
		hi = lo + int64(len(needle)) - 1
	}
	head, err := readRange(r, 0, min(size, int64(len(LogSummaryMarker))))
	if err != nil {
		return -1, err
	}
	if string(head) == LogSummaryMarker {
		return 0, nil
	}
	return -1, nil
}

func readRange(r io.ReaderAt, lo, hi int64) ([]byte, error) {
	if hi <= lo {
		return nil, nil
	}
	b := make([]byte, hi-lo)
	n, err := r.ReadAt(b, lo)
	if err != nil && !(err == io.EOF && n == len(b)) {
		if err == io.EOF {
			return b[:n], nil
		}
		return nil, fmt.Errorf("read log: %w", err)
	}
	return b, nil
}

// trimPartialRune drops an incomplete UTF-8 sequence at the end of b.
func trimPartialRune(b []byte) []byte {
	for i := 1; i <= utf8.UTFMax && i <= len(b); i++ {
		if utf8.RuneStart(b[len(b)-i]) {
			if !utf8.FullRune(b[len(b)-i:]) {
				return b[:len(b)-i]
			}
			break
		}
	}
	return b
}
