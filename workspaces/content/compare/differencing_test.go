package compare_test

import (
	"bytes"
	"context"
	"io"
	"testing"

	"github.com/airlock-project/airlock/airlock"
	"github.com/airlock-project/airlock/workspaces/content/compare"
)

func opener(b []byte) func() (io.ReadSeekCloser, error) {
	return func() (io.ReadSeekCloser, error) {
		return struct {
			io.ReadSeeker
			io.Closer
		}{bytes.NewReader(b), io.NopCloser(nil)}, nil
	}
}

// TestDifferencing: a new table beside released tables of the same path
// or the same header flags the counts that differ by 1..threshold, not
// larger differences, rates or tables of another shape.
func TestDifferencing(t *testing.T) {
	cur := []byte("region,count,rate\nNorth,125,2.5\nSouth,343,6.9\nEast,615,20.4\nWest,10,0.8\n")
	released := map[string][]byte{
		"out/counts.csv": []byte("region,count,rate\nNorth,125,2.4\nSouth,340,6.9\nEast,600,20.4\n"), // same path: South +3, East +15, West added
		"out/other.csv":  []byte("region,count,rate\nWest,4,0.5\nNorth,118,2.5\n"),                   // same header: North +7, West +6
		"out/shape.csv":  []byte("area,count\nNorth,124\n"),                                          // neither
	}
	var cands []airlock.ReleasedCandidate
	for _, p := range []string{"out/counts.csv", "out/other.csv", "out/shape.csv"} {
		cands = append(cands, airlock.ReleasedCandidate{ReleasedFile: airlock.ReleasedFile{Request: "r1", Path: p, FileID: "h-" + p, Size: int64(len(released[p]))},
			Open: opener(released[p])})
	}
	d := compare.NewDifferencer(7)
	in := airlock.CheckInput{Name: "out/counts.csv", Hash: "new", Size: int64(len(cur)), Open: opener(cur)}
	for range 2 { // the second time from the cache
		res, err := d.Differencing(context.Background(), in, cands)
		if err != nil {
			t.Fatal(err)
		}
		if len(res) != 2 {
			t.Fatalf("compared with %d released tables, want 2: %+v", len(res), res)
		}
		if r := res[0]; !r.SamePath || r.Total != 1 || r.Flags[0].Row != 2 || r.Flags[0].Column != "count" || r.Flags[0].Difference != 3 {
			t.Errorf("same path: %+v", r)
		}
		if r := res[1]; r.SamePath || r.Total != 2 || r.Released.Path != "out/other.csv" {
			t.Errorf("same header: %+v", r)
		}
	}
}
