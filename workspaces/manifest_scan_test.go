package workspaces

import (
	"encoding/json"
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
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got, ok := scanManifest(data)
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
