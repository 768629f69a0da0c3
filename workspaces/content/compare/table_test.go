package compare_test

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/airlock-project/airlock/workspaces/content"
	"github.com/airlock-project/airlock/workspaces/content/compare"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func openTable(t testing.TB, b []byte) *content.Table {
	t.Helper()
	tb, err := content.OpenTable(bytes.NewReader(b), int64(len(b)), content.TableOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return tb
}

// describe writes a comparison as text: its summary, notes, columns and
// every row with its cells, old → new where they differ.
func describe(t testing.TB, d *compare.Table, all bool) string {
	t.Helper()
	ctx := context.Background()
	if err := d.CountCells(ctx); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "summary: %s\n", d.Summary())
	for _, n := range d.Notes {
		fmt.Fprintf(&b, "note: %s\n", n)
	}
	fmt.Fprintf(&b, "key: %q\n", d.Key)
	for _, c := range d.Columns {
		fmt.Fprintf(&b, "column %q old=%d new=%d %s\n", c.Name, c.Old, c.New, c.State)
	}
	pg, err := d.Page(ctx, compare.Query{All: all, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(&b, "rows shown: %d of %d\n", len(pg.Rows), pg.Matched)
	for _, r := range pg.Rows {
		var cells []string
		for _, c := range r.Cells {
			switch c.State {
			case compare.Changed:
				cells = append(cells, c.Old+" → "+c.New)
			case compare.Removed:
				cells = append(cells, "-"+c.Old)
			case compare.Added:
				cells = append(cells, "+"+c.New)
			default:
				cells = append(cells, c.New)
			}
		}
		fmt.Fprintf(&b, "%d→%d %s: %s\n", r.OldRow, r.NewRow, r.State, strings.Join(cells, " | "))
	}
	return b.String()
}

// TestTableGolden compares each pair of fixtures, testdata/NAME.old.csv
// with NAME.new.csv, against testdata/NAME.golden (go test -update
// rewrites them; read the diff before committing).
func TestTableGolden(t *testing.T) {
	olds, err := filepath.Glob("testdata/*.old.csv")
	if err != nil || len(olds) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	for _, oldPath := range olds {
		name := strings.TrimSuffix(filepath.Base(oldPath), ".old.csv")
		t.Run(name, func(t *testing.T) {
			ob, err := os.ReadFile(oldPath)
			if err != nil {
				t.Fatal(err)
			}
			nb, err := os.ReadFile(filepath.Join("testdata", name+".new.csv"))
			if err != nil {
				t.Fatal(err)
			}
			d, err := compare.Tables(context.Background(), openTable(t, ob), openTable(t, nb))
			if err != nil {
				t.Fatal(err)
			}
			got := "== changes only\n" + describe(t, d, false) + "== every row\n" + describe(t, d, true)
			golden := filepath.Join("testdata", name+".golden")
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if got != string(want) {
				t.Fatalf("comparison of %s differs from %s:\n--- got\n%s--- want\n%s", name, golden, got, want)
			}
		})
	}
}

// TestTableIdentical: the same bytes have no differences and no rows to show.
func TestTableIdentical(t *testing.T) {
	b := []byte("region,count\nNorth,10\nSouth,20\n")
	d, err := compare.Tables(context.Background(), openTable(t, b), openTable(t, b))
	if err != nil {
		t.Fatal(err)
	}
	if d.Differs() != 0 || d.Summary() != "No differences: both versions hold the same cells." {
		t.Fatalf("identical tables: %d rows differ, summary %q", d.Differs(), d.Summary())
	}
}

// TestTablePaging: pages of the changes only hold the rows that differ, in
// order, and a page past the end is empty.
func TestTablePaging(t *testing.T) {
	var ob, nb strings.Builder
	ob.WriteString("id,v\n")
	nb.WriteString("id,v\n")
	for i := range 1000 {
		fmt.Fprintf(&ob, "k%d,%d\n", i, i)
		v := i
		if i%100 == 7 {
			v = -i
		}
		fmt.Fprintf(&nb, "k%d,%d\n", i, v)
	}
	d, err := compare.Tables(context.Background(), openTable(t, []byte(ob.String())), openTable(t, []byte(nb.String())))
	if err != nil {
		t.Fatal(err)
	}
	if d.RowsChanged != 10 || len(d.Key) != 1 {
		t.Fatalf("rows changed = %d, key %q; want 10 by id", d.RowsChanged, d.Key)
	}
	pg, err := d.Page(context.Background(), compare.Query{Offset: 4, Limit: 3})
	if err != nil {
		t.Fatal(err)
	}
	if pg.Matched != 10 || len(pg.Rows) != 3 || pg.Rows[0].NewRow != 408 || pg.Rows[2].NewRow != 608 {
		t.Fatalf("page = %d rows of %d, first %+v", len(pg.Rows), pg.Matched, pg.Rows)
	}
	if c := pg.Rows[0].Cells[1]; c.State != compare.Changed || c.Old != "407" || c.New != "-407" {
		t.Fatalf("changed cell = %+v", c)
	}
	pg, err = d.Page(context.Background(), compare.Query{Offset: 10, Limit: 3})
	if err != nil || len(pg.Rows) != 0 {
		t.Fatalf("page past the end = %+v, %v", pg.Rows, err)
	}
}
