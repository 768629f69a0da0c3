package compare_test

import (
	"context"
	"testing"

	"github.com/airlock-project/airlock/workspaces/content/compare"
)

// FuzzTables compares two arbitrary byte strings as CSV tables: never a
// panic, and what the comparison keeps is bounded by the rows it read.
func FuzzTables(f *testing.F) {
	f.Add([]byte("a,b\nx,1\ny,2\n"), []byte("a,b\ny,2\nx,3\nz,4\n"))
	f.Add([]byte("a,b\n1,2\n1,2\n"), []byte("b,a,c\n2,1,0\n"))
	f.Add([]byte("\"a\nb\",c\n\"x,1\n"), []byte("a,,\n,,,\n"))
	f.Add([]byte(""), []byte("a\n"))
	f.Add([]byte("a,a,a\nx,y,z\n"), []byte("a,a\nx\n\n"))
	f.Fuzz(func(t *testing.T, ob, nb []byte) {
		ctx := context.Background()
		d, err := compare.Tables(ctx, openTable(t, ob), openTable(t, nb))
		if err != nil {
			t.Fatal(err)
		}
		if d.RowsAdded-d.RowsRemoved != d.NewRows-d.OldRows {
			t.Fatalf("%d added, %d removed, but %d → %d rows", d.RowsAdded, d.RowsRemoved, d.OldRows, d.NewRows)
		}
		if d.Rows() > d.OldRows+d.NewRows || d.Differs() > d.Rows() {
			t.Fatalf("%d rows compared (%d differ) from %d and %d", d.Rows(), d.Differs(), d.OldRows, d.NewRows)
		}
		if err := d.CountCells(ctx); err != nil {
			t.Fatal(err)
		}
		if d.Summary() == "" {
			t.Fatal("no summary")
		}
		for _, all := range []bool{false, true} {
			pg, err := d.Page(ctx, compare.Query{All: all, Limit: 50})
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range pg.Rows {
				if r.OldRow > d.OldRows || r.NewRow > d.NewRows || len(r.Cells) != len(d.Columns) {
					t.Fatalf("row %+v out of range (%d, %d rows, %d columns)", r, d.OldRows, d.NewRows, len(d.Columns))
				}
				if !all && r.State == compare.Same {
					t.Fatalf("changes only shows an unchanged row %+v", r)
				}
			}
		}
	})
}
