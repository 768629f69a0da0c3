package workspaces

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"reflect"
	"testing"
)

// FuzzScanManifest: whenever the fast manifest reader answers, it agrees
// with json.Unmarshal, the reference, on every field of every output.
func FuzzScanManifest(f *testing.F) {
	good, err := os.ReadFile("testdata/workspaces/good/metadata/manifest.json")
	if err != nil {
		f.Fatal(err)
	}
	if _, ok := scanManifest(good); !ok {
		f.Fatal("the fast reader gives up on the fixture's manifest")
	}
	for _, seed := range []string{
		string(good),
		`{}`, `{"outputs": null}`, `{"outputs": {}}`, `{"outputs": []}`,
		`{"outputs": {"a": {"size": 1, "size": 2}}, "outputs": {"b": {}}}`,
		`{"outputs": {"a": {"level": "x"}, "a": {"user": "u"}}}`,
		`{"outputs": {"a": {"Level": "x", "row_count": 3, "col_count": null}}}`,
		`{"outputs": {"a": {"row_count": 1.5}}}`, `{"outputs": {"a": {"row_count": 1e2}}}`,
		`{"outputs": {"a": {"size": "12"}}}`, `{"outputs": {"a": {"size": true}}}`,
		`{"outputs": {"a": {"excluded": null, "extra": [1, {"b": 2}]}}}`,
		`{"outputs": {"a": null}}`, `{"outputs": {"a": 5}}`, `{"workspace": 5}`,
		"{\"outputs\": {\"caf\xe9\": {}}}", `{"outputs": {"caf\udce9": {}}}`, `{"outputs": {"\u00e9\n": {"user": "\ufffd"}}}`,
		`{"outputs": {"a": {"ſize": 1, "K": 2}}}`,
		`{} x`, `{"outputs": {`, `{"outputs": {"a": {"timestamp": -1.5e3}}}`,
		// Places that look like a member's start to the split.
		`{"outputs": {"a": {"user": "x"}, "b": {"user": "y"}, "c": {}}, "repo": "r"}`,
		`{"outputs": {"a": {}, "b": {}}, "outputs": {"c": {}, "a": {"level": "l"}}}`,
		`{"workspace": "w", "outputs": {"a": {"extra": {"x": 1}, "y": 2}, "b": {"user": "}, \"c"}}}`,
		`{"outputs": {"a": {}, "b": {}}, "zz": {"q": {}, "r": 1}}`,
		`{"outputs": {"a": {}, "b": {}} , "outputs" : null }`,
		`{"outputs": {"a": {}, "b": {"Level": 1}}}`, `{"outputs": {"a": {}, "b": {}, }}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got, ok := scanManifestSplit(data, math.MaxInt)
		// Read in two halves wherever the text allows, the reading must be
		// the same to the byte.
		split, splitOK := scanManifestSplit(data, 0)
		if splitOK != ok || !reflect.DeepEqual(split, got) {
			t.Fatalf("%q read in halves: %v\n%+v\nread whole: %v\n%+v", data, splitOK, split, ok, got)
		}
		if !ok {
			return
		}
		var unmarshalled rawManifest
		if err := json.Unmarshal(data, &unmarshalled); err != nil {
			t.Fatalf("scanned %q, which json.Unmarshal refuses: %v", data, err)
		}
		want := unmarshalled.scanned()
		// Both as parseManifest reads them: by path, the last of each.
		got.Outputs, want.Outputs = byPath(got.Outputs), byPath(want.Outputs)
		if len(got.Outputs) == 0 && len(want.Outputs) == 0 {
			got.Outputs, want.Outputs = nil, nil
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("scanned %q as\n%+v\njson.Unmarshal reads\n%+v", data, got, want)
		}
	})
}

// Outputs converted in two halves at once must give what one pass gives:
// the same files, problems, latest user and first repository.
func TestConvertOutputsInHalves(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{convertFrom, convertFrom + 1, 3 * convertFrom} {
		outputs := make([]namedOutput, n)
		for i := range outputs {
			o := rawOutput{Level: VisibleLevel, ContentHash: fmt.Sprintf("%064X", i), Size: "10"}
			// Few distinct timestamps, so that ties across the halves are
			// broken by path; users and repositories only here and there.
			o.Timestamp = json.Number(fmt.Sprint(1_700_000_000 + rng.IntN(3)))
			if rng.IntN(5) == 0 {
				o.User = fmt.Sprintf("user%d", i)
			}
			if rng.IntN(50) == 0 {
				o.Repo = fmt.Sprintf("https://example.org/repo%d", i)
			}
			switch rng.IntN(40) {
			case 0:
				o.Excluded = true
			case 1:
				o.Timestamp = "soon"
			case 2:
				o.Size = "-1"
			case 3:
				o.Level = "moderately_sensitive_other"
			}
			if n%2 == 1 && i == n/4 {
				// The latest output in the first half.
				o.User, o.Timestamp = "early", "1800000000"
			}
			path := fmt.Sprintf("output/f%06d.csv", i)
			if rng.IntN(60) == 0 {
				path = "metadata/" + path
			}
			outputs[i] = namedOutput{Path: path, rawOutput: o}
		}
		outputs = byPath(outputs)
		whole := convertRun(outputs, len(outputs))
		halves := convertOutputs(outputs)
		if !reflect.DeepEqual(halves, whole) {
			t.Fatalf("%d outputs: in halves\n%+v\nin one pass\n%+v", n,
				[]any{len(halves.files), len(halves.problems), halves.latestUser, halves.repo},
				[]any{len(whole.files), len(whole.problems), whole.latestUser, whole.repo})
		}
		if whole.latestUser == "" || len(whole.problems) == 0 {
			t.Fatalf("%d outputs: the test made no latest user or no problems", n)
		}
	}
}
