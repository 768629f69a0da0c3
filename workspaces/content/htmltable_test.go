package content

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func readHTMLTables(t testing.TB, doc string) map[int][][]string {
	t.Helper()
	out := map[int][][]string{}
	err := HTMLTableRows(strings.NewReader(doc), func(table int, cells []string) error {
		out[table] = append(out[table], append([]string(nil), cells...))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestHTMLTableRows(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, doc string
		want      string
	}{
		{"pandas", `<table border="1" class="dataframe"><thead><tr style="text-align: right;"><th></th><th>male</th><th>female</th></tr></thead>
<tbody><tr><th>North</th><td>120</td><td>[REDACTED]</td></tr><tr><th>South</th><td>5</td><td>10</td></tr></tbody></table>`,
			`0: ["" "male" "female"] ["North" "120" "[REDACTED]"] ["South" "5" "10"]`},
		{"spaces and markup in cells", "<table><tr><td> a\n  <b>bold</b> </td><td>1<br>2</td></tr></table>", `0: ["a bold" "1 2"]`},
		{"colspan", `<table><tr><th colspan="2">sex</th><th>n</th></tr><tr><td>a</td><td>b</td><td>5</td></tr></table>`,
			`0: ["sex" "" "n"] ["a" "b" "5"]`},
		{"rowspan", `<table><tr><th rowspan="2">North</th><td>male</td><td>5</td></tr><tr><td>female</td><td>10</td></tr><tr><td>South</td><td>male</td><td>20</td></tr></table>`,
			`0: ["North" "male" "5"] ["North" "female" "10"] ["South" "male" "20"]`},
		{"two tables and a nested one", `<p>x</p><table><tr><td>a<table><tr><td>inner</td></tr></table></td></tr></table><table><tr><td>b</td></tr></table>`,
			`0: ["a"] 1: ["inner"] 2: ["b"]`},
		{"unclosed tags", `<table><tr><td>1<td>2<tr><td>3`, `0: ["1" "2"] ["3"]`},
		{"scripts are not text", `<table><tr><td><script>var x = "<td>";</script>ok</td></tr></table>`, `0: ["ok"]`},
		{"no tables", `<p>nothing here</p>`, ``},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := readHTMLTables(t, tc.doc)
			var b strings.Builder
			for i := 0; i < len(got); i++ {
				if i > 0 {
					b.WriteString(" ")
				}
				fmt.Fprintf(&b, "%d:", i)
				for _, r := range got[i] {
					fmt.Fprintf(&b, " %q", r)
				}
			}
			if b.String() != tc.want {
				t.Errorf("got  %s\nwant %s", b.String(), tc.want)
			}
		})
	}
}

func TestHTMLTableRowsStopsOnError(t *testing.T) {
	t.Parallel()
	stop := errors.New("stop")
	n := 0
	err := HTMLTableRows(strings.NewReader(`<table><tr><td>1</td></tr><tr><td>2</td></tr></table>`), func(int, []string) error {
		n++
		return stop
	})
	if !errors.Is(err, stop) || n != 1 {
		t.Fatalf("err %v after %d rows", err, n)
	}
}

func FuzzHTMLTableRows(f *testing.F) {
	f.Add(`<table><tr><th rowspan="3" colspan="2">a</th><td>1</td></tr><tr><td>2</td></tr></table>`)
	f.Add(`<table><table><tr><td>x</td></tr></table></table><td>`)
	f.Fuzz(func(t *testing.T, doc string) {
		_ = HTMLTableRows(strings.NewReader(doc), func(table int, cells []string) error {
			if table < 0 || len(cells) > DefaultMaxColumns {
				t.Fatalf("table %d with %d cells", table, len(cells))
			}
			for _, c := range cells {
				if len(c) > maxHTMLCellBytes {
					t.Fatalf("cell of %d bytes", len(c))
				}
			}
			return nil
		})
	})
}
