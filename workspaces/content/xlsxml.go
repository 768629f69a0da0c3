package content

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"strconv"
	"unicode/utf8"
)

// xmlScanner is a small streaming tokenizer for the parts of SpreadsheetML
// the workbook reader needs. It keeps only the current tag or text in
// memory, allocates nothing per token once its buffers have grown, and is
// lenient: namespaces are ignored (names are matched by their local part),
// end tags are not checked against start tags, unknown entities are kept
// as written. Comments, processing instructions and the DOCTYPE are
// skipped; CDATA sections are text.
type xmlScanner struct {
	br *bufio.Reader

	// The current token, valid until the next call of next.
	local     []byte    // local name of a start or end tag
	attrs     []xmlAttr // attributes of a start tag
	selfClose bool      // the start tag ends with "/>"
	text      []byte    // decoded character data

	tag     []byte // the tag being read, when it spans reads
	textMax int    // text beyond this is cut
	textCut bool   // some text was cut
	atTag   bool   // the '<' of the next tag has been read
}

// xmlAttr is one attribute of a start tag; both slices point into the tag.
type xmlAttr struct {
	local, value []byte
}

type xmlToken int

const (
	xmlEOF xmlToken = iota
	xmlStart
	xmlEnd
	xmlText
)

// maxTagBytes bounds one tag; SpreadsheetML tags are short.
const maxTagBytes = 1 << 20

var errXMLDamaged = errors.New("the XML is damaged")

func newXMLScanner(r io.Reader, textMax int) *xmlScanner {
	return &xmlScanner{br: bufio.NewReaderSize(r, 64<<10), textMax: textMax}
}

// next returns the next token. Text is returned only when wantText is set
// (it is skipped cheaply otherwise); text may come as several tokens (text
// around a CDATA section, for example), which callers append.
func (s *xmlScanner) next(wantText bool) (xmlToken, error) {
	for {
		if !s.atTag {
			tok, err := s.readText(wantText)
			if tok != xmlEOF || err != nil {
				return tok, err
			}
			if !s.atTag {
				return xmlEOF, nil
			}
		}
		s.atTag = false
		tok, err := s.readTag(wantText)
		if err != nil || tok != xmlEOF {
			return tok, err
		}
		// A comment, processing instruction or DOCTYPE: go on.
	}
}

// readText reads up to and including the next '<'. It returns xmlText if
// text was wanted and found, xmlEOF otherwise (with atTag telling whether
// a tag follows).
func (s *xmlScanner) readText(wantText bool) (xmlToken, error) {
	s.text = s.text[:0]
	raw := false
	for {
		chunk, err := s.br.ReadSlice('<')
		data := chunk
		if err == nil {
			data = chunk[:len(chunk)-1]
			s.atTag = true
		}
		if wantText && len(data) > 0 {
			s.appendText(data)
			raw = true
		}
		if err == nil || err == io.EOF {
			break
		}
		if !errors.Is(err, bufio.ErrBufferFull) {
			return xmlEOF, err
		}
	}
	if raw {
		s.text = decodeEntities(s.text)
		if len(s.text) > 0 {
			return xmlText, nil
		}
	}
	return xmlEOF, nil
}

func (s *xmlScanner) appendText(b []byte) {
	if room := s.textMax - len(s.text); len(b) > room {
		b = b[:max(room, 0)]
		s.textCut = true
	}
	s.text = append(s.text, b...)
}

// readTag reads one tag after its '<'. It returns xmlEOF for markup that is
// not an element (comments, processing instructions, DOCTYPE).
func (s *xmlScanner) readTag(wantText bool) (xmlToken, error) {
	first, err := s.br.Peek(1)
	if err != nil {
		return xmlEOF, eofIsDamage(err)
	}
	switch first[0] {
	case '?':
		return xmlEOF, s.skipUntil("?>")
	case '!':
		head, _ := s.br.Peek(9)
		switch {
		case bytes.HasPrefix(head, []byte("!--")):
			return xmlEOF, s.skipUntil("-->")
		case bytes.HasPrefix(head, []byte("![CDATA[")):
			s.br.Discard(8)
			return s.readCDATA(wantText)
		}
		return xmlEOF, s.skipDecl()
	}
	t, err := s.readUntilTagEnd()
	if err != nil {
		return xmlEOF, err
	}
	t = t[:len(t)-1] // drop '>'
	if len(t) == 0 {
		return xmlEOF, nil // "<>": not a tag
	}
	if t[0] == '/' {
		s.local = localName(trimSpace(t[1:]))
		return xmlEnd, nil
	}
	s.selfClose = len(t) > 0 && t[len(t)-1] == '/'
	if s.selfClose {
		t = t[:len(t)-1]
	}
	i := 0
	for i < len(t) && !isXMLSpace(t[i]) {
		i++
	}
	s.local = localName(t[:i])
	s.attrs = s.attrs[:0]
	t = t[i:]
	for {
		t = trimLeftSpace(t)
		if len(t) == 0 {
			break
		}
		eq := bytes.IndexByte(t, '=')
		if eq < 0 {
			break
		}
		name := trimSpace(t[:eq])
		t = trimLeftSpace(t[eq+1:])
		if len(t) == 0 || (t[0] != '"' && t[0] != '\'') {
			break
		}
		end := bytes.IndexByte(t[1:], t[0])
		if end < 0 {
			break
		}
		s.attrs = append(s.attrs, xmlAttr{local: localName(name), value: t[1 : 1+end]})
		t = t[end+2:]
	}
	return xmlStart, nil
}

// readUntilTagEnd returns the tag up to and including its closing '>',
// skipping '>' inside quoted attribute values.
func (s *xmlScanner) readUntilTagEnd() ([]byte, error) {
	s.tag = s.tag[:0]
	var quote byte
	for {
		chunk, err := s.br.ReadSlice('>')
		if err != nil && !errors.Is(err, bufio.ErrBufferFull) {
			return nil, eofIsDamage(err)
		}
		if err == nil && quote == 0 && len(s.tag) == 0 &&
			bytes.Count(chunk, []byte{'"'})%2 == 0 && bytes.IndexByte(chunk, '\'') < 0 {
			return chunk, nil // the common case: quotes balanced, no copy
		}
		// Track quotes to know whether this '>' ends the tag.
		for _, c := range chunk {
			switch {
			case quote != 0:
				if c == quote {
					quote = 0
				}
			case c == '"' || c == '\'':
				quote = c
			}
		}
		if len(s.tag)+len(chunk) > maxTagBytes {
			return nil, errXMLDamaged
		}
		s.tag = append(s.tag, chunk...)
		if err == nil && quote == 0 {
			return s.tag, nil
		}
	}
}

// skipUntil discards input up to and including end.
func (s *xmlScanner) skipUntil(end string) error {
	last := end[len(end)-1]
	var tail []byte // the bytes before each candidate end
	for {
		chunk, err := s.br.ReadSlice(last)
		if err != nil && !errors.Is(err, bufio.ErrBufferFull) {
			return eofIsDamage(err)
		}
		tail = append(tail, chunk...)
		if err == nil && bytes.HasSuffix(tail, []byte(end)) {
			return nil
		}
		if len(tail) > len(end) {
			tail = append(tail[:0], tail[len(tail)-len(end):]...)
		}
	}
}

// skipDecl discards a declaration such as <!DOCTYPE ...>, with its
// internal subset in brackets.
func (s *xmlScanner) skipDecl() error {
	depth := 0
	var quote byte
	for {
		c, err := s.br.ReadByte()
		if err != nil {
			return eofIsDamage(err)
		}
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '[':
			depth++
		case c == ']':
			depth--
		case c == '>' && depth <= 0:
			return nil
		}
	}
}

// readCDATA reads a CDATA section's content as text, not decoded.
func (s *xmlScanner) readCDATA(wantText bool) (xmlToken, error) {
	s.text = s.text[:0]
	var tail []byte
	for {
		chunk, err := s.br.ReadSlice('>')
		if err != nil && !errors.Is(err, bufio.ErrBufferFull) {
			return xmlEOF, eofIsDamage(err)
		}
		if wantText {
			s.appendText(chunk)
		}
		tail = append(tail, chunk...)
		if err == nil && bytes.HasSuffix(tail, []byte("]]>")) {
			break
		}
		if len(tail) > 3 {
			tail = append(tail[:0], tail[len(tail)-3:]...)
		}
	}
	if !wantText {
		return xmlEOF, nil
	}
	s.text = bytes.TrimSuffix(s.text, []byte("]]>"))
	if len(s.text) == 0 {
		return xmlEOF, nil
	}
	return xmlText, nil
}

// attr returns the value of the attribute with the given local name.
func (s *xmlScanner) attr(local string) ([]byte, bool) {
	for _, a := range s.attrs {
		if string(a.local) == local {
			return a.value, true
		}
	}
	return nil, false
}

func eofIsDamage(err error) error {
	if err == io.EOF {
		return errXMLDamaged
	}
	return err
}

func trimLeftSpace(b []byte) []byte {
	for len(b) > 0 && isXMLSpace(b[0]) {
		b = b[1:]
	}
	return b
}

func isXMLSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// localName drops a namespace prefix.
func localName(b []byte) []byte {
	if i := bytes.IndexByte(b, ':'); i >= 0 {
		return b[i+1:]
	}
	return b
}

// decodeEntities replaces the predefined entities and character
// references in place and normalises line ends to "\n", as an XML parser
// does. Anything it does not recognise is kept as written.
func decodeEntities(b []byte) []byte {
	if bytes.IndexByte(b, '&') < 0 && bytes.IndexByte(b, '\r') < 0 {
		return b
	}
	out := b[:0]
	for i := 0; i < len(b); {
		c := b[i]
		if c == '\r' {
			out = append(out, '\n')
			i++
			if i < len(b) && b[i] == '\n' {
				i++
			}
			continue
		}
		if c != '&' {
			out = append(out, c)
			i++
			continue
		}
		semi := bytes.IndexByte(b[i:min(len(b), i+12)], ';')
		if semi < 0 {
			out = append(out, c)
			i++
			continue
		}
		name := b[i+1 : i+semi]
		var r rune = -1
		switch string(name) {
		case "lt":
			r = '<'
		case "gt":
			r = '>'
		case "amp":
			r = '&'
		case "apos":
			r = '\''
		case "quot":
			r = '"'
		default:
			if len(name) > 1 && name[0] == '#' {
				var v uint64
				var err error
				if name[1] == 'x' {
					v, err = strconv.ParseUint(string(name[2:]), 16, 32)
				} else {
					v, err = strconv.ParseUint(string(name[1:]), 10, 32)
				}
				if err == nil && v != 0 && v <= utf8.MaxRune && utf8.ValidRune(rune(v)) {
					r = rune(v)
				}
			}
		}
		if r < 0 {
			out = append(out, c)
			i++
			continue
		}
		// The decoded rune is never longer than its reference, so out
		// never overtakes i.
		out = utf8.AppendRune(out, r)
		i += semi + 1
	}
	return out
}

// decodeExcelEscapes replaces Excel's _xHHHH_ escapes (used for characters
// XML cannot hold, and _x005F_ for a literal underscore) in place, as
// Excel shows them. An escape of a character that cannot exist is
// dropped, as Excel and excelize do.
func decodeExcelEscapes(b []byte) []byte {
	i := bytes.Index(b, []byte("_x"))
	if i < 0 {
		return b
	}
	out := b[:i]
	for i < len(b) {
		if b[i] == '_' && i+7 <= len(b) && b[i+1] == 'x' && b[i+6] == '_' && isHex4(b[i+2:i+6]) {
			v, _ := strconv.ParseUint(string(b[i+2:i+6]), 16, 32)
			if r := rune(v); utf8.ValidRune(r) {
				out = utf8.AppendRune(out, r) // at most 3 bytes for 7 read
			}
			i += 7
			continue
		}
		out = append(out, b[i])
		i++
	}
	return out
}

func isHex4(b []byte) bool {
	for _, c := range b {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}
