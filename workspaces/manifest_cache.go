package workspaces

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"sync"
	"time"

	"github.com/airlock-project/airlock/airlock"
)

// manifestCache keeps each workspace's parsed manifest in a file of its
// own, named by the workspace and holding the hash of the manifest it
// was parsed from (manifestHash), so that after a restart an unchanged
// manifest is read and hashed but not parsed again (D9). A cache file that cannot be read,
// is damaged or is for other bytes is ignored, and replaced after the
// parse. It is our own state (in the work directory), never a workspace's.
type manifestCache struct {
	root   *os.Root
	saving sync.WaitGroup // saves in flight, waited for by Close
	logf   func(format string, args ...any)
}

// cacheMagic starts every cache file; its last byte is the format's
// version, changed whenever the encoding or airlock.WorkspaceFile changes.
const cacheMagic = "airlock manifest cache\x01"

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

func openManifestCache(dir string) (*manifestCache, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	return &manifestCache{root: root, logf: func(string, ...any) {}}, nil
}

func (c *manifestCache) close() error {
	c.saving.Wait()
	return c.root.Close()
}

// fileName is the cache file of a workspace: workspace names may hold
// characters a file name should not, and may be long.
func cacheFileName(workspace string) string {
	sum := sha256.Sum256([]byte(workspace))
	return hex.EncodeToString(sum[:16]) + ".manifest"
}

// load returns the cached manifest of workspace if it was parsed from the
// bytes whose hash is hash, else nil. The hash comes first in the file, so
// a kept manifest of other bytes, the usual case after a job has run again,
// is told apart without reading and decoding the rest.
func (c *manifestCache) load(workspace, hash string) *Manifest {
	f, err := c.root.Open(cacheFileName(workspace))
	if err != nil {
		return nil
	}
	defer f.Close()
	want := binary.AppendUvarint([]byte(cacheMagic), uint64(len(hash)))
	want = append(want, hash...)
	head := make([]byte, len(want))
	if _, err := io.ReadFull(f, head); err != nil || !bytes.Equal(head, want) {
		return nil
	}
	var size int64
	if st, err := f.Stat(); err == nil {
		size = st.Size()
	}
	buf := bytes.NewBuffer(make([]byte, 0, size+bytes.MinRead))
	buf.Write(head)
	if _, err := buf.ReadFrom(f); err != nil {
		c.logf("manifest cache of workspace %q ignored: %v", workspace, err)
		return nil
	}
	m, err := decodeManifest(buf.Bytes())
	if err != nil {
		c.logf("manifest cache of workspace %q ignored: %v", workspace, err)
		return nil
	}
	if m.Hash != hash {
		return nil
	}
	return m
}

// save writes m as the cache of workspace in the background: the parse's
// caller has the manifest already. The file appears whole or not at all.
func (c *manifestCache) save(workspace string, m *Manifest) {
	c.saving.Go(func() {
		if err := c.write(cacheFileName(workspace), encodeManifest(m)); err != nil {
			c.logf("manifest cache of workspace %q not saved: %v", workspace, err)
		}
	})
}

func (c *manifestCache) write(name string, data []byte) error {
	var rnd [8]byte
	_, _ = rand.Read(rnd[:])
	tmp := tempPrefix + hex.EncodeToString(rnd[:])
	f, err := c.root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = c.root.Rename(tmp, name)
	}
	if err != nil {
		_ = c.root.Remove(tmp)
	}
	return err
}

// encodeManifest writes m compactly: values that repeat across outputs
// (commit, repo, job, user, action) once in a table, then each output,
// then a CRC-32C of all of it.
func encodeManifest(m *Manifest) []byte {
	var table []string
	index := map[string]uint64{}
	ref := func(s string) uint64 {
		i, ok := index[s]
		if !ok {
			i = uint64(len(table))
			index[s] = i
			table = append(table, s)
		}
		return i
	}
	refs := make([]uint64, 0, 5*len(m.Outputs))
	for _, o := range m.Outputs {
		refs = append(refs, ref(o.Commit), ref(o.Repo), ref(o.JobID), ref(o.User), ref(o.Action))
	}

	// Sized once: growing a buffer of tens of megabytes by appends copies
	// it several times, in the background but beside a page being built.
	b := append(make([]byte, 0, encodedSizeBound(m, table)), cacheMagic...)
	str := func(s string) { b = binary.AppendUvarint(b, uint64(len(s))); b = append(b, s...) }
	str(m.Hash)
	str(m.Repo)
	str(m.LatestUser)
	b = binary.AppendUvarint(b, uint64(m.OutOfDateActionCount))
	b = binary.AppendUvarint(b, uint64(len(m.Problems)))
	for _, p := range m.Problems {
		str(p)
	}
	b = binary.AppendUvarint(b, uint64(len(table)))
	for _, s := range table {
		str(s)
	}
	b = binary.AppendUvarint(b, uint64(len(m.Outputs)))
	for i, o := range m.Outputs {
		str(o.Path)
		str(o.ContentHash)
		b = binary.AppendVarint(b, o.Size)
		var flags byte
		for bit, set := range []bool{!o.Timestamp.IsZero(), o.RowCount != nil, o.ColCount != nil, o.OutOfDateAction, o.Excluded, o.InManifest} {
			if set {
				flags |= 1 << bit
			}
		}
		b = append(b, flags)
		if !o.Timestamp.IsZero() {
			b = binary.AppendVarint(b, o.Timestamp.Unix())
			b = binary.AppendUvarint(b, uint64(o.Timestamp.Nanosecond()))
		}
		if o.RowCount != nil {
			b = binary.AppendVarint(b, int64(*o.RowCount))
		}
		if o.ColCount != nil {
			b = binary.AppendVarint(b, int64(*o.ColCount))
		}
		for _, r := range refs[5*i : 5*i+5] {
			b = binary.AppendUvarint(b, r)
		}
	}
	return binary.LittleEndian.AppendUint32(b, crc32.Checksum(b, castagnoli))
}

// encodedSizeBound is the most bytes encodeManifest writes for m with
// the given table of repeated values.
func encodedSizeBound(m *Manifest, table []string) int {
	// The magic, three strings, four counts and the checksum.
	size := len(cacheMagic) + len(m.Hash) + len(m.Repo) + len(m.LatestUser) + 7*binary.MaxVarintLen64 + 4
	for _, p := range m.Problems {
		size += len(p) + binary.MaxVarintLen64
	}
	for _, s := range table {
		size += len(s) + binary.MaxVarintLen64
	}
	for _, o := range m.Outputs {
		size += len(o.Path) + len(o.ContentHash) + maxEncodedOutputFixed
	}
	return size
}

var errCacheDamaged = errors.New("damaged")

// maxEncodedOutputFixed is the most bytes an encoded output takes beside
// its path and content hash: two string lengths, the size, the flags, the
// time, the row and column counts and five table references.
const maxEncodedOutputFixed = 12*binary.MaxVarintLen64 + 1

// minEncodedOutput is the fewest bytes an encoded output takes: two empty
// strings, a size, the flags and five table references.
const minEncodedOutput = 9

// decodeManifest reads what encodeManifest wrote, refusing anything else.
func decodeManifest(data []byte) (*Manifest, error) {
	if len(data) < len(cacheMagic)+4 || string(data[:len(cacheMagic)]) != cacheMagic {
		return nil, errors.New("not a cache file of this version")
	}
	body := data[:len(data)-4]
	if crc32.Checksum(body, castagnoli) != binary.LittleEndian.Uint32(data[len(data)-4:]) {
		return nil, fmt.Errorf("%w: checksum mismatch", errCacheDamaged)
	}
	d := newCacheDecoder(body[len(cacheMagic):])
	m := &Manifest{Hash: d.str(), Repo: d.str(), LatestUser: d.str(), OutOfDateActionCount: int(d.count())}
	if n := d.count(); n > 0 {
		m.Problems = make([]string, n)
		for i := range m.Problems {
			m.Problems[i] = d.str()
		}
	}
	table := make([]string, d.count())
	for i := range table {
		table[i] = d.str()
	}
	ref := func() string {
		if i := d.uvarint(); i < uint64(len(table)) {
			return table[i]
		}
		d.err = errCacheDamaged
		return ""
	}
	n := d.count()
	if n > uint64(len(d.b)-d.off)/minEncodedOutput {
		return nil, errCacheDamaged
	}
	m.Outputs = make([]airlock.WorkspaceFile, n)
	for i := range m.Outputs {
		o := &m.Outputs[i]
		o.Path, o.ContentHash, o.Size = d.str(), d.str(), d.varint()
		flags := d.byte()
		if flags&(1<<0) != 0 {
			o.Timestamp = time.Unix(d.varint(), int64(d.uvarint())).UTC()
		}
		if flags&(1<<1) != 0 {
			n := int(d.varint())
			o.RowCount = &n
		}
		if flags&(1<<2) != 0 {
			n := int(d.varint())
			o.ColCount = &n
		}
		o.OutOfDateAction, o.Excluded, o.InManifest = flags&(1<<3) != 0, flags&(1<<4) != 0, flags&(1<<5) != 0
		o.Commit, o.Repo, o.JobID, o.User, o.Action = ref(), ref(), ref(), ref(), ref()
		if d.err != nil {
			break
		}
	}
	if d.err == nil && d.off != len(d.b) {
		d.err = errCacheDamaged
	}
	if d.err != nil {
		return nil, d.err
	}
	return m, nil
}

// cacheDecoder reads the parts of a cache file; the first problem sticks
// and makes every later read return zero. Strings are cut from one copy
// of the file, s, rather than allocated one by one.
type cacheDecoder struct {
	b   []byte
	s   string // b as a string
	off int    // how much of b has been read
	err error
}

func newCacheDecoder(b []byte) cacheDecoder { return cacheDecoder{b: b, s: string(b)} }

func (d *cacheDecoder) fail() { d.err, d.off = errCacheDamaged, len(d.b) }

func (d *cacheDecoder) uvarint() uint64 {
	v, n := binary.Uvarint(d.b[d.off:])
	if n <= 0 {
		d.fail()
		return 0
	}
	d.off += n
	return v
}

func (d *cacheDecoder) varint() int64 {
	v, n := binary.Varint(d.b[d.off:])
	if n <= 0 {
		d.fail()
		return 0
	}
	d.off += n
	return v
}

// count reads a length, which cannot exceed the bytes left.
func (d *cacheDecoder) count() uint64 {
	n := d.uvarint()
	if n > uint64(len(d.b)-d.off) {
		d.fail()
		return 0
	}
	return n
}

func (d *cacheDecoder) str() string {
	n := int(d.count())
	t := d.s[d.off : d.off+n]
	d.off += n
	return t
}

func (d *cacheDecoder) byte() byte {
	if d.off >= len(d.b) {
		d.fail()
		return 0
	}
	d.off++
	return d.b[d.off-1]
}
