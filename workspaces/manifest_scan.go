package workspaces

import (
	"bytes"
	"encoding/json"
	"io"
	"strconv"
	"strings"
	"sync/atomic"
	"unicode/utf8"

	"github.com/go-json-experiment/json/jsontext"
)

// scanManifest reads a manifest of the usual shape into a scannedManifest
// with a token reader and no reflection, several times faster than
// json.Unmarshal, which dominated the first view of a large workspace. It
// returns ok false for anything unusual (invalid JSON, a value of another
// type, a member name json.Unmarshal would match only ignoring case, text
// that is not UTF-8), and the caller then uses json.Unmarshal, whose
// results and messages stay the reference: FuzzScanManifest checks that
// both agree whenever this one answers.
func scanManifest(data []byte) (scannedManifest, bool) {
	return scanManifestSplit(data, splitScanFrom)
}

// splitScanFrom is the manifest size from which its outputs are read by two
// goroutines, each from its half of the text.
const splitScanFrom = 1 << 20

// scanManifestSplit is scanManifest, reading the outputs in two halves at
// once when data has at least splitFrom bytes (FuzzScanManifest splits
// every text). The split is a guess, a place in the text that looks like
// the start of a member after an object, and it is checked, never trusted:
// the second half is read from there as members of the outputs object
// while the first reader reads from the start; only if the first reader
// arrives at that very place, between two outputs, does it stop and take
// the second half's outputs. Otherwise it reads on alone, and the second
// half's reading is dropped. Either way every byte is read once as a
// sequential reading would read it.
func scanManifestSplit(data []byte, splitFrom int) (scannedManifest, bool) {
	var raw scannedManifest
	s := newManifestScanner(data)
	var second chan outputsFrom
	var abandon atomic.Bool
	if len(data) >= splitFrom {
		if at := splitPoint(data); at > 0 {
			s.splitAt = at
			second = make(chan outputsFrom, 1)
			go func() { second <- scanOutputsFrom(data, at, &abandon) }()
		}
	}
	ok := s.manifest(&raw, len(data))
	if second != nil && !s.reachedSplit {
		abandon.Store(true)
		<-second
	}
	if s.reachedSplit {
		rest := <-second
		if !rest.ok {
			// What follows the split is not a usual manifest: neither is
			// the whole.
			return scannedManifest{}, false
		}
		raw.Outputs = append(raw.Outputs, rest.outputs...)
		// The top-level object goes on after the outputs object; a member
		// no field has stands in for the text before it.
		s = newManifestScanner(append([]byte(`{"":0`), data[rest.end:]...))
		ok = s.manifest(&raw, 0)
	}
	// Nothing may follow the object.
	if !ok {
		return scannedManifest{}, false
	}
	if _, err := s.dec.ReadToken(); err != io.EOF {
		return scannedManifest{}, false
	}
	return raw, true
}

func newManifestScanner(data []byte) *manifestScanner {
	return &manifestScanner{
		dec:    jsontext.NewDecoder(bytes.NewBuffer(data), jsontext.AllowDuplicateNames(true)),
		intern: map[string]string{},
		data:   data,
	}
}

// manifest reads the top-level object into raw; size hints how many
// outputs to make room for.
func (s *manifestScanner) manifest(raw *scannedManifest, size int) bool {
	return s.object(func(name []byte) bool {
		switch string(name) {
		case "workspace":
			return s.str(&raw.Workspace)
		case "repo":
			return s.str(&raw.Repo)
		case "outputs":
			switch s.dec.PeekKind() {
			case 'n':
				raw.Outputs, raw.HasOutputs = nil, false
				return s.skip()
			case '{':
			default:
				return false
			}
			if !raw.HasOutputs {
				raw.HasOutputs = true
				// About 450 bytes an output in the usual shape.
				raw.Outputs = make([]namedOutput, 0, size/400+1)
			}
			return s.outputs(&raw.Outputs)
		}
		return s.unknown(name)
	})
}

// outputs reads the members of an outputs object onto list. A reader with
// a split stops, reporting false with reachedSplit set, when the next
// member starts at the split.
func (s *manifestScanner) outputs(list *[]namedOutput) bool {
	return s.object(func(path []byte) bool {
		*list = append(*list, namedOutput{Path: string(path)})
		no := &(*list)[len(*list)-1]
		if s.dec.PeekKind() != '{' || !s.output(&no.rawOutput) {
			return false
		}
		if s.splitAt > 0 && s.nextMemberAt(s.splitAt) {
			s.reachedSplit = true
			return false
		}
		if s.abandon != nil && s.abandon.Load() {
			return false
		}
		return true
	})
}

// nextMemberAt reports whether, after a member's value, only a comma and
// white space come before offset at, where a name starts.
func (s *manifestScanner) nextMemberAt(at int) bool {
	off := int(s.dec.InputOffset())
	if off > at || at-off > 64 || s.data[at] != '"' {
		return false
	}
	gap := bytes.Trim(s.data[off:at], " \t\r\n")
	return len(gap) == 1 && gap[0] == ','
}

// splitPoint finds, from the middle of data on, a place where a member
// seems to start after an object's end: a quote after '}', a comma and
// white space. It returns -1 when there is none near.
func splitPoint(data []byte) int {
	from := len(data) / 2
	limit := min(len(data), from+1<<20)
	for from < limit {
		i := bytes.IndexByte(data[from:limit], '}')
		if i < 0 {
			return -1
		}
		j := from + i + 1
		for j < len(data) && isSpace(data[j]) {
			j++
		}
		if j < len(data) && data[j] == ',' {
			j++
			for j < len(data) && isSpace(data[j]) {
				j++
			}
			if j < len(data) && data[j] == '"' {
				return j
			}
		}
		from += i + 1
	}
	return -1
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// outputsFrom is the second half's reading: its outputs, and the offset in
// data just after the outputs object's closing brace.
type outputsFrom struct {
	outputs []namedOutput
	end     int
	ok      bool
}

// scanOutputsFrom reads data from at as the members of an outputs object,
// up to its closing brace, until abandon is set.
func scanOutputsFrom(data []byte, at int, abandon *atomic.Bool) outputsFrom {
	// The outputs object's members are read at the depth they have in the
	// whole text, inside a top-level object, so that nesting limits apply
	// to them as they would.
	const before = `{"":{`
	s := &manifestScanner{
		// Read through, not copied: the half is most of a large text.
		dec:     jsontext.NewDecoder(io.MultiReader(strings.NewReader(before), bytes.NewReader(data[at:])), jsontext.AllowDuplicateNames(true)),
		intern:  map[string]string{},
		abandon: abandon,
	}
	if tok, err := s.dec.ReadToken(); err != nil || tok.Kind() != '{' {
		return outputsFrom{}
	}
	if tok, err := s.dec.ReadToken(); err != nil || tok.Kind() != '"' {
		return outputsFrom{}
	}
	list := make([]namedOutput, 0, (len(data)-at)/400+1)
	if !s.outputs(&list) {
		return outputsFrom{}
	}
	return outputsFrom{outputs: list, end: at + int(s.dec.InputOffset()) - len(before), ok: true}
}

type manifestScanner struct {
	dec      *jsontext.Decoder
	intern   map[string]string // values repeat across outputs (level, action, job, user, repo, commit)
	unquoted []byte            // the last string with escapes, unquoted
	data     []byte            // the text dec reads

	splitAt      int          // where the second half's reader starts, or 0
	reachedSplit bool         // the reader stopped at splitAt
	abandon      *atomic.Bool // set when the first reader went past the split
}

// object reads an object, calling member for each name with the decoder
// before its value; member reads the value and reports whether it could.
// The name is valid only during the call.
func (s *manifestScanner) object(member func(name []byte) bool) bool {
	if tok, err := s.dec.ReadToken(); err != nil || tok.Kind() != '{' {
		return false
	}
	for s.dec.PeekKind() == '"' {
		name, ok := s.textBytes()
		if !ok || !member(name) {
			return false
		}
	}
	tok, err := s.dec.ReadToken()
	return err == nil && tok.Kind() == '}'
}

func (s *manifestScanner) output(o *rawOutput) bool {
	return s.object(func(name []byte) bool {
		switch string(name) {
		case "level":
			return s.str(&o.Level)
		case "job_id":
			return s.str(&o.JobID)
		case "action":
			return s.str(&o.Action)
		case "repo":
			return s.str(&o.Repo)
		case "commit":
			return s.str(&o.Commit)
		case "user":
			return s.str(&o.User)
		case "content_hash":
			return s.unique(&o.ContentHash)
		case "size":
			return s.number(&o.Size)
		case "timestamp":
			return s.number(&o.Timestamp)
		case "row_count":
			return s.count(&o.RowCount)
		case "col_count":
			return s.count(&o.ColCount)
		case "excluded":
			return s.boolean(&o.Excluded)
		case "out_of_date_output":
			return s.boolean(&o.OutOfDateOutput)
		case "out_of_date_action":
			return s.boolean(&o.OutOfDateAction)
		}
		return s.unknown(name)
	})
}

// unknown skips the value of a member no field has, unless json.Unmarshal
// could match its name to one regardless of case.
func (s *manifestScanner) unknown(name []byte) bool {
	for i := 0; i < len(name); i++ {
		if c := name[i]; c >= utf8.RuneSelf || 'A' <= c && c <= 'Z' {
			return false
		}
	}
	return s.skip()
}

func (s *manifestScanner) skip() bool { return s.dec.SkipValue() == nil }

// textBytes reads a string and returns its unquoted bytes, valid until
// the next read. The decoder refuses text that is not UTF-8; an escape
// that decodes to U+FFFD is left to json.Unmarshal too, whose replacement
// of such text is the rule.
func (s *manifestScanner) textBytes() ([]byte, bool) {
	v, err := s.dec.ReadValue()
	if err != nil || len(v) < 2 || v[0] != '"' {
		return nil, false
	}
	if body := v[1 : len(v)-1]; bytes.IndexByte(body, '\\') < 0 {
		return body, true
	}
	u, err := jsontext.AppendUnquote(s.unquoted[:0], v)
	s.unquoted = u
	if err != nil || bytes.ContainsRune(u, utf8.RuneError) {
		return nil, false
	}
	return u, true
}

// text reads a string, interned if asked.
func (s *manifestScanner) text(intern bool) (string, bool) {
	b, ok := s.textBytes()
	switch {
	case !ok:
		return "", false
	case !intern:
		return string(b), true
	}
	if t, ok := s.intern[string(b)]; ok {
		return t, true
	}
	t := string(b)
	if len(s.intern) < 1<<16 {
		s.intern[t] = t
	}
	return t, true
}

// str reads a string member whose value repeats across outputs, and
// interns it; null leaves it as it was, as json.Unmarshal does.
func (s *manifestScanner) str(dst *string) bool { return s.stringMember(dst, true) }

// unique reads a string member whose value differs per output.
func (s *manifestScanner) unique(dst *string) bool { return s.stringMember(dst, false) }

func (s *manifestScanner) stringMember(dst *string, intern bool) bool {
	switch s.dec.PeekKind() {
	case 'n':
		return s.skip()
	case '"':
		t, ok := s.text(intern)
		*dst = t
		return ok
	}
	return false
}

func (s *manifestScanner) number(dst *json.Number) bool {
	switch s.dec.PeekKind() {
	case 'n':
		return s.skip()
	case '0':
		v, err := s.dec.ReadValue()
		*dst = json.Number(v)
		return err == nil
	}
	return false
}

// count reads an int member; null makes it nil.
func (s *manifestScanner) count(dst **int) bool {
	switch s.dec.PeekKind() {
	case 'n':
		*dst = nil
		return s.skip()
	case '0':
		v, err := s.dec.ReadValue()
		if err != nil {
			return false
		}
		n, err := strconv.ParseInt(string(v), 10, strconv.IntSize)
		if err != nil {
			return false
		}
		i := int(n)
		*dst = &i
		return true
	}
	return false
}

func (s *manifestScanner) boolean(dst *bool) bool {
	switch s.dec.PeekKind() {
	case 'n':
		return s.skip()
	case 't', 'f':
		tok, err := s.dec.ReadToken()
		*dst = err == nil && tok.Bool()
		return err == nil
	}
	return false
}
