package bombtest

import (
	"archive/zip"
	"bytes"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestZipRoundTrip checks that repeated pieces expand to exactly their
// bytes, with the right checksum (the zip reader verifies it at the end).
func TestZipRoundTrip(t *testing.T) {
	entries := []Entry{
		{Name: "a", Pieces: []Piece{Text("head"), Repeat("xy", 3*MiB+7), Text("tail")}},
		{Name: "b", Pieces: []Piece{Repeat(strings.Repeat("z", MiB+3), 5), Repeat("", 9), Text("")}},
		{Name: "c", Pieces: nil},
	}
	data := Zip(entries...)
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	for i, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(rc)
		if err != nil {
			t.Fatalf("%s: %v", f.Name, err)
		}
		var want strings.Builder
		for _, p := range entries[i].Pieces {
			want.WriteString(strings.Repeat(p.Data, max(p.Times, 1)))
		}
		if string(got) != want.String() {
			t.Fatalf("%s: %d bytes, want %d", f.Name, len(got), want.Len())
		}
	}
}

// TestWorkbookBombsAreSmall checks the premise of each bomb: a small file
// within the archive limits a reader would check first (1 GB unpacked,
// 10,000 entries), so that only bounding memory stops it.
func TestWorkbookBombsAreSmall(t *testing.T) {
	for _, b := range Workbooks() {
		zr, err := zip.NewReader(bytes.NewReader(b.Data), int64(len(b.Data)))
		if err != nil {
			t.Fatalf("%s: %v", b.Name, err)
		}
		var total uint64
		for _, f := range zr.File {
			total += f.UncompressedSize64
		}
		if len(b.Data) > 5*MiB || total >= 1<<30 || len(zr.File) > 10000 {
			t.Errorf("%s: %d bytes unpacking to %d in %d entries", b.Name, len(b.Data), total, len(zr.File))
		}
		t.Logf("%s: %d KB, unpacks to %d MB: %s", b.Name, len(b.Data)>>10, total>>20, b.Does)
	}
}

// writeDir is where TestWriteBombs writes every bomb.
var writeDir = flag.String("write", "", "write every bomb into this directory, to open them in a running server")

// TestWriteBombs writes every bomb into the directory given by -write, so
// they can be put in a workspace of a running server and opened, as the
// security review did:
//
//	go test ./workspaces/content/bombtest -run TestWriteBombs -args -write /tmp/bombs
func TestWriteBombs(t *testing.T) {
	if *writeDir == "" {
		t.Skip("no -write directory")
	}
	if err := os.MkdirAll(*writeDir, 0o755); err != nil {
		t.Fatal(err)
	}
	bombs := append(Workbooks(), Images()...)
	for _, b := range append(bombs, Texts()...) {
		if err := os.WriteFile(filepath.Join(*writeDir, b.Name), b.Data, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: %d bytes, %s", b.Name, len(b.Data), b.Does)
	}
}
