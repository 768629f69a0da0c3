package workspaces

import (
	"bytes"
	"encoding/json"
	"io"
	"strconv"
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
func scanManifest(data []byte) (raw scannedManifest, ok bool) {
	s := manifestScanner{
		dec:    jsontext.NewDecoder(bytes.NewBuffer(data), jsontext.AllowDuplicateNames(true)),
		intern: map[string]string{},
	}
	if !s.object(func(name []byte) bool {
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
				raw.Outputs = make([]namedOutput, 0, len(data)/400+1)
			}
			return s.object(func(path []byte) bool {
				raw.Outputs = append(raw.Outputs, namedOutput{Path: string(path)})
				no := &raw.Outputs[len(raw.Outputs)-1]
				return s.dec.PeekKind() == '{' && s.output(&no.rawOutput)
			})
		}
		return s.unknown(name)
	}) {
		return scannedManifest{}, false
	}
	// Nothing may follow the object.
	if _, err := s.dec.ReadToken(); err != io.EOF {
		return scannedManifest{}, false
	}
	return raw, true
}

type manifestScanner struct {
	dec      *jsontext.Decoder
	intern   map[string]string // values repeat across outputs (level, action, job, user, repo, commit)
	unquoted []byte            // the last string with escapes, unquoted
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
