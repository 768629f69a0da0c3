package airlock_test

import (
	"testing"

	"github.com/airlock-project/airlock/airlock"
)

func TestPreviousVersion(t *testing.T) {
	v1 := airlock.FileVersion{Turn: 1, FileID: "aaa"}
	v3 := airlock.FileVersion{Turn: 3, FileID: "bbb"}
	for _, tc := range []struct {
		name     string
		turn     int
		current  string
		typ      airlock.FileType
		versions []airlock.FileVersion
		want     string // "" for none
		changed  bool
	}{
		{"never submitted", 0, "aaa", airlock.FileOutput, nil, "", false},
		{"first review turn", 1, "aaa", airlock.FileOutput, []airlock.FileVersion{v1}, "", false},
		{"returned, unchanged", 2, "aaa", airlock.FileOutput, []airlock.FileVersion{v1}, "aaa", false},
		{"returned, updated", 2, "bbb", airlock.FileOutput, []airlock.FileVersion{v1}, "aaa", true},
		{"resubmitted, updated", 3, "bbb", airlock.FileOutput, []airlock.FileVersion{v1, v3}, "aaa", true},
		{"resubmitted, unchanged", 3, "aaa", airlock.FileOutput, []airlock.FileVersion{v1, {Turn: 3, FileID: "aaa"}}, "aaa", false},
		{"added after the first review", 3, "bbb", airlock.FileOutput, []airlock.FileVersion{v3}, "", false},
		{"withdrawn files have not changed", 3, "bbb", airlock.FileWithdrawn, []airlock.FileVersion{v1}, "aaa", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := &airlock.Request{ReviewTurn: tc.turn}
			f := &airlock.RequestFile{FileID: tc.current, Type: tc.typ, Versions: tc.versions}
			got, ok := r.PreviousVersion(f)
			if ok != (tc.want != "") || got.FileID != tc.want {
				t.Fatalf("PreviousVersion = %+v, %v; want %q", got, ok, tc.want)
			}
			if c := r.ChangedSinceReview(f); c != tc.changed {
				t.Fatalf("ChangedSinceReview = %v, want %v", c, tc.changed)
			}
			if !f.HasVersion(tc.current) || f.HasVersion("zzz") {
				t.Fatal("HasVersion knows the current version and no other")
			}
		})
	}
}
