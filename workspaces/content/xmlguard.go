package content

import (
	"bytes"
	"fmt"
	"io"
)

// Limits of every XML part of a workbook, whoever reads it.
const (
	// maxXMLToken bounds one piece of text, tag, comment or CDATA section.
	// A cell holds at most 32,767 characters in Excel, a few hundred KB
	// even written as character references.
	maxXMLToken = 1 << 20
	// maxXMLDepth bounds the nesting of elements; a sheet needs about 8.
	maxXMLDepth = 64
)

// xmlLimitError says why an XML part was refused before it was decoded.
type xmlLimitError struct{ why string }

func (e *xmlLimitError) Error() string { return e.why }

// xmlGuard passes an XML document through while following its surface
// syntax (text, tags with quoted attribute values, comments, CDATA,
// processing instructions) and fails, before handing on the byte that
// would pass a limit, when one piece is longer than maxXMLToken or the
// elements nest deeper than maxXMLDepth. An encoding/xml.Decoder reading
// through it therefore never holds more than one bounded token, and never
// a deep stack, whatever the document; a reader of the same bytes that
// stops where the guard stopped is bounded the same way. Document type
// declarations are refused: workbooks never have them, and the guard does
// not follow their nested syntax.
type xmlGuard struct {
	r        io.Reader
	maxToken int
	maxDepth int
	state    guardState
	run      int  // bytes of the current piece
	depth    int  // open elements
	quote    byte // the quote of the attribute value being read, or 0
	end      bool // the current tag is an end tag
	slash    bool // the last byte of the tag so far was '/'
	tail     int  // how many bytes of the closing sequence have been seen
	bang     []byte
	err      error // sticky
}

type guardState uint8

const (
	inText    guardState = iota
	inOpen               // after '<'
	inBang               // after "<!", deciding between comment and CDATA
	inTag                // a start or end tag
	inComment            // "<!--" … "-->"
	inCDATA              // "<![CDATA[" … "]]>"
	inPI                 // "<?" … "?>"
)

func newXMLGuard(r io.Reader) *xmlGuard {
	return &xmlGuard{r: r, maxToken: maxXMLToken, maxDepth: maxXMLDepth}
}

// Read implements io.Reader.
func (g *xmlGuard) Read(p []byte) (int, error) {
	if g.err != nil {
		return 0, g.err
	}
	n, err := g.r.Read(p)
	for i := 0; i < n; i++ {
		if g.state == inText {
			// Skip through text at once: it ends at the next '<'.
			j := bytes.IndexByte(p[i:n], '<')
			if j < 0 {
				j = n - i
			}
			if g.run+j > g.maxToken {
				g.err = &xmlLimitError{fmt.Sprintf("holds a piece of text longer than %s", byteSize(int64(g.maxToken)))}
				return i + g.maxToken - g.run, g.err
			}
			g.run += j
			i += j
			if i == n {
				break
			}
		}
		if lerr := g.step(p[i]); lerr != nil {
			g.err = lerr
			return i, lerr
		}
	}
	return n, err
}

// step follows one byte.
func (g *xmlGuard) step(c byte) error {
	g.run++
	switch g.state {
	case inText: // Read skips the text itself
		g.state, g.run = inOpen, 1
		return nil
	case inOpen:
		switch c {
		case '!':
			g.state, g.bang = inBang, g.bang[:0]
		case '?':
			g.state, g.tail = inPI, 0
		case '/':
			g.state, g.end, g.slash, g.quote = inTag, true, false, 0
		default: // the first byte of a start tag's name
			g.state, g.end, g.slash, g.quote = inTag, false, false, 0
			g.run--
			return g.step(c)
		}
	case inBang:
		g.bang = append(g.bang, c)
		switch string(g.bang) {
		case "--":
			g.state, g.tail = inComment, 0
		case "[CDATA[":
			g.state, g.tail = inCDATA, 0
		case "-", "[", "[C", "[CD", "[CDA", "[CDAT", "[CDATA":
		default:
			return &xmlLimitError{"holds a document type declaration, which workbooks never have"}
		}
	case inTag:
		switch {
		case g.quote != 0:
			if c == g.quote {
				g.quote = 0
			}
		case c == '"' || c == '\'':
			g.quote = c
		case c == '>':
			g.state, g.run = inText, 0
			switch {
			case g.end:
				g.depth = max(g.depth-1, 0)
			case !g.slash:
				g.depth++
				if g.depth > g.maxDepth {
					return &xmlLimitError{fmt.Sprintf("nests elements more than %d deep", g.maxDepth)}
				}
			}
			return nil
		}
		g.slash = c == '/' && g.quote == 0
	case inComment:
		g.tail = closing(g.tail, c, "-->")
		if g.tail == 3 {
			g.state, g.run = inText, 0
			return nil
		}
	case inCDATA:
		g.tail = closing(g.tail, c, "]]>")
		if g.tail == 3 {
			g.state, g.run = inText, 0
			return nil
		}
	case inPI:
		g.tail = closing(g.tail, c, "?>")
		if g.tail == 2 {
			g.state, g.run = inText, 0
			return nil
		}
	}
	if g.run > g.maxToken {
		return &xmlLimitError{fmt.Sprintf("holds a tag, comment or piece of text longer than %s", byteSize(int64(g.maxToken)))}
	}
	return nil
}

// closing advances the match of the closing sequence end by one byte:
// matched bytes so far in, matched bytes after c out.
func closing(matched int, c byte, end string) int {
	for {
		if c == end[matched] {
			return matched + 1
		}
		if matched == 0 {
			return 0
		}
		// The sequences are "-->", "]]>" and "?>": on a mismatch the only
		// possible overlap is a run of the first byte ("--->", "]]]>").
		if matched > 1 && end[0] == end[1] && c == end[1] {
			return matched
		}
		matched = 0
	}
}
