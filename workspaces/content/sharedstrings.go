package content

import (
	"archive/zip"
	"bufio"
	"context"
	"fmt"
	"math"
)

// sstMemBytes is how much shared string text is kept in memory; beyond
// it the text goes to a temporary file. Tests lower it.
var sstMemBytes = 16 << 20

// sharedStrings is a workbook's table of distinct texts, which cells of
// type "s" refer to by index. Each text costs 4 bytes of memory for its
// offset; the text itself is in memory up to sstMemBytes, then in a
// temporary file read through a small block cache.
type sharedStrings struct {
	offs []uint32 // offs[i] is where text i starts; a last entry ends the last text
	mem  []byte
	sp   *spool // the text, once it outgrew mem
	bw   *bufio.Writer
	seen int    // texts in the table, including those beyond the cap
	note string // a note for every sheet, such as a damaged table
}

// loadSharedStrings reads the shared string table part; a missing part is
// an empty table, a damaged one is kept up to the damage, with a note.
func loadSharedStrings(ctx context.Context, zf *zip.File, lim WorkbookLimits) *sharedStrings {
	s := &sharedStrings{offs: []uint32{0}}
	if zf == nil {
		return s
	}
	damaged := func(why string) {
		s.note = fmt.Sprintf("The workbook's table of shared texts is damaged (%s); cells that use texts after the first %d may show a number in place of their text.", why, len(s.offs)-1)
	}
	rc, err := zf.Open()
	if err != nil {
		damaged(plainError(err))
		return s
	}
	defer rc.Close()
	sc := newXMLScanner(rc, maxCellText)
	stack := make([]uint8, 0, 8)
	var cur []byte
	inSI := false
	cut := false
	for {
		n := len(stack)
		tok, err := sc.next(inSI && n > 0 && stack[n-1] == elT && inRichText(stack[:n-1], elSI))
		if err != nil {
			damaged(errDamaged(err).Error())
			break
		}
		if tok == xmlEOF {
			break
		}
		switch tok {
		case xmlText:
			cur = appendCapped(cur, sc.text, maxCellText)
		case xmlStart:
			id := elementID(sc.local)
			if id == elSI && n == 1 {
				if sc.selfClose {
					cut = !s.add(nil, lim) || cut
					continue
				}
				inSI, cur = true, cur[:0]
			}
			if sc.selfClose {
				continue
			}
			if n >= maxXMLDepth {
				damaged("its XML is nested too deeply")
				return s.finish()
			}
			stack = append(stack, id)
		case xmlEnd:
			if n == 0 {
				continue
			}
			id := stack[n-1]
			stack = stack[:n-1]
			if id == elSI && n == 2 && inSI {
				inSI = false
				cut = !s.add(decodeExcelEscapes(cur), lim) || cut
				if s.seen%4096 == 0 && ctx.Err() != nil {
					damaged("reading it was stopped")
					return s.finish()
				}
			}
		}
	}
	if cut && s.note == "" && len(s.offs)-1 < lim.MaxSharedStrings {
		s.note = "The workbook's shared texts add up to more than 4 GB; cells that use the last ones are shown empty."
	}
	return s.finish()
}

// add appends one text; it reports false if the text is beyond the caps.
func (s *sharedStrings) add(b []byte, lim WorkbookLimits) bool {
	s.seen++
	end := uint64(s.offs[len(s.offs)-1]) + uint64(len(b))
	if len(s.offs)-1 >= lim.MaxSharedStrings || end > math.MaxUint32 || s.note != "" {
		return false
	}
	if s.sp == nil && len(s.mem)+len(b) > sstMemBytes {
		sp, err := newSpool(lim.TempDir)
		if err != nil {
			s.note = "The workbook's shared texts could not all be read: " + plainError(err) + "."
			return false
		}
		s.sp, s.bw = sp, bufio.NewWriterSize(sp.f, 64<<10)
		s.bw.Write(s.mem)
		s.mem = nil
	}
	if s.bw != nil {
		s.bw.Write(b)
	} else {
		s.mem = append(s.mem, b...)
	}
	s.offs = append(s.offs, uint32(end))
	return true
}

func (s *sharedStrings) finish() *sharedStrings {
	if s.bw != nil {
		if err := s.bw.Flush(); err != nil {
			s.note = "The workbook's shared texts could not all be read: " + plainError(err) + "."
			s.offs = s.offs[:1]
		}
		s.bw = nil
		s.sp.publish(int64(s.offs[len(s.offs)-1]))
		s.sp.finish(nil)
	}
	return s
}

func (s *sharedStrings) close() {
	if s.sp != nil {
		s.sp.Close()
	}
}

// reader returns a reader of the texts for one goroutine.
func (s *sharedStrings) reader() *sstReader { return &sstReader{s: s} }

// sstReader looks texts up, keeping a few blocks of the file in memory.
type sstReader struct {
	s      *sharedStrings
	buf    []byte
	blocks [16]sstBlock
	next   int
}

type sstBlock struct {
	n    int64 // block number + 1; 0 when empty
	data []byte
}

const sstBlockBytes = 64 << 10

// get returns text i, valid until the next call.
func (r *sstReader) get(i int) ([]byte, bool) {
	s := r.s
	if i < 0 || i >= len(s.offs)-1 {
		return nil, false
	}
	start, end := int64(s.offs[i]), int64(s.offs[i+1])
	if s.sp == nil {
		return s.mem[start:end], true
	}
	if start == end {
		return nil, true
	}
	if b := start / sstBlockBytes; b == (end-1)/sstBlockBytes {
		if data := r.block(b); int64(len(data)) >= end-b*sstBlockBytes {
			return data[start-b*sstBlockBytes : end-b*sstBlockBytes], true
		}
		return nil, true
	}
	if int64(cap(r.buf)) < end-start {
		r.buf = make([]byte, end-start)
	}
	r.buf = r.buf[:end-start]
	n, _ := s.sp.f.ReadAt(r.buf, start)
	return r.buf[:n], true
}

func (r *sstReader) block(b int64) []byte {
	for i := range r.blocks {
		if r.blocks[i].n == b+1 {
			return r.blocks[i].data
		}
	}
	blk := &r.blocks[r.next]
	r.next = (r.next + 1) % len(r.blocks)
	if blk.data == nil {
		blk.data = make([]byte, sstBlockBytes)
	}
	blk.data = blk.data[:sstBlockBytes]
	n, _ := r.s.sp.f.ReadAt(blk.data, b*sstBlockBytes)
	blk.data, blk.n = blk.data[:n], b+1
	return blk.data
}
