package airlock_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/airlock-project/airlock/airlock"
)

// recordingStore is a Store whose transactions record the audit events
// appended; everything else of Tx is absent, and unused here.
type recordingStore struct{ events []*airlock.AuditEvent }

type recordingTx struct {
	airlock.Tx
	s *recordingStore
}

func (t recordingTx) Audit(e *airlock.AuditEvent) error {
	t.s.events = append(t.s.events, e)
	return nil
}

func (s *recordingStore) Update(_ context.Context, fn func(airlock.Tx) error) error {
	return fn(recordingTx{s: s})
}
func (s *recordingStore) View(_ context.Context, fn func(airlock.Tx) error) error {
	return fn(recordingTx{s: s})
}

func TestAutomatedStore(t *testing.T) {
	ctx := context.Background()
	inner := &recordingStore{}
	shared := map[string]string{"group": "g"}
	for _, tc := range []struct {
		name  string
		store airlock.Store
		extra map[string]string
		want  bool
	}{
		{"Person", inner, map[string]string{"group": "g"}, false},
		{"Automated", airlock.AutomatedStore(inner), shared, true},
		{"AutomatedNoDetails", airlock.AutomatedStore(inner), nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			inner.events = nil
			for _, run := range []func(context.Context, func(airlock.Tx) error) error{tc.store.Update, tc.store.View} {
				if err := run(ctx, func(tx airlock.Tx) error {
					return tx.Audit(&airlock.AuditEvent{Type: airlock.EventRequestFileAdd, Extra: tc.extra})
				}); err != nil {
					t.Fatal(err)
				}
			}
			for _, e := range inner.events {
				if got := e.Automated(); got != tc.want {
					t.Errorf("Automated()=%v, want %v (extra %v)", got, tc.want, e.Extra)
				}
				if tc.want && e.Extra[airlock.AutomatedExtra] != "true" {
					t.Errorf("extra %v, want %s=true as the reference writes it", e.Extra, airlock.AutomatedExtra)
				}
			}
		})
	}
	if _, ok := shared[airlock.AutomatedExtra]; ok {
		t.Error("marking changed the caller's map of details")
	}
	errStop := errors.New("stop")
	if err := airlock.AutomatedStore(inner).Update(ctx, func(airlock.Tx) error { return errStop }); err != errStop {
		t.Errorf("the transaction's error is %v, want it passed through", err)
	}
}

func TestGroupForDir(t *testing.T) {
	for dir, want := range map[string]string{"output": "output", "output/tables": "output-tables", "a/b/c": "a-b-c"} {
		if got := airlock.GroupForDir(dir); got != want {
			t.Errorf("GroupForDir(%q)=%q, want %q", dir, got, want)
		}
	}
}

func TestParseRegularRequests(t *testing.T) {
	for _, tc := range []struct {
		name string
		json string
		want []string // one per entry: "" valid, else fragments of its error joined by "|"
		err  string   // the whole file's error
	}{
		{"Empty", `[]`, nil, ""},
		{"Minimal", `[{"username": "alice", "workspace_name": "w", "dirs": ["output"]}]`, []string{""}, ""},
		{"NullUsername", `[{"username": null, "workspace_name": "w", "dirs": ["output"]}]`, []string{""}, ""},
		{"Everything", `[{"username": "a", "workspace_name": "w", "dirs": ["o"], "supporting_files": ["o/s.txt"], "context": "c", "controls": "k", "submit": true}]`, []string{""}, ""},
		{"MissingKeys", `[{"dirs": ["o"]}]`, []string{`missing required key "username"|missing required key "workspace_name"`}, ""},
		{"UnknownKey", `[{"username": "a", "workspace_name": "w", "dirs": ["o"], "submitt": true}]`, []string{`unknown key "submitt"`}, ""},
		{"WrongTypes", `[{"username": 3, "workspace_name": ["w"], "dirs": "output", "context": 1, "controls": false, "supporting_files": {}, "submit": "yes"}]`,
			[]string{`"username" must be a string or null, not a number|"workspace_name" must be a string, not a list|"dirs" must be a list of strings, not a string|"context" must be a string, not a number|"controls" must be a string, not a bool|"supporting_files" must be a list of strings, not an object|"submit" must be a bool, not a string`}, ""},
		{"ListOfNumbers", `[{"username": "a", "workspace_name": "w", "dirs": [1]}]`, []string{`"dirs" must be a list of strings, not a list with something other than strings in it`}, ""},
		{"NullWorkspace", `[{"username": "a", "workspace_name": null, "dirs": ["o"]}]`, []string{`"workspace_name" must be a string, not null`}, ""},
		{"NoDirs", `[{"username": "a", "workspace_name": "w", "dirs": []}]`, []string{`"dirs" must name at least one directory`}, ""},
		{"SubmitNeedsContext", `[{"username": "a", "workspace_name": "w", "dirs": ["o"], "submit": true, "controls": "k"}]`, []string{`"context" and "controls" must both be given`}, ""},
		{"SubmitNeedsControls", `[{"username": "a", "workspace_name": "w", "dirs": ["o"], "submit": true, "context": "c", "controls": " "}]`, []string{`"context" and "controls" must both be given`}, ""},
		{"NotAnObject", `[["a"], "b", null]`, []string{"must be a JSON object", "must be a JSON object", "must be a JSON object"}, ""},
		{"EachOnItsOwn", `[{"dirs": 1}, {"username": "a", "workspace_name": "w", "dirs": ["o"]}]`, []string{"missing required key", ""}, ""},
		{"ErrNotAList", `{"username": "a"}`, nil, "is a JSON object, not a list"},
		{"ErrMalformed", `[{"username": "a",}]`, nil, "at byte"},
		{"ErrEmptyFile", ``, nil, "must be a JSON list"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := airlock.ParseRegularRequests([]byte(tc.json))
			if tc.err != "" {
				if err == nil || !strings.Contains(airlock.ErrorMessage(err), tc.err) {
					t.Fatalf("error %v, want one with %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("%d entries, want %d", len(got), len(tc.want))
			}
			for i, want := range tc.want {
				msg := airlock.ErrorMessage(got[i].Err)
				if want == "" {
					if got[i].Err != nil {
						t.Errorf("entry %d: %s, want it valid", i, msg)
					}
					continue
				}
				for _, frag := range strings.Split(want, "|") {
					if !strings.Contains(msg, frag) {
						t.Errorf("entry %d: %q lacks %q", i, msg, frag)
					}
				}
				if n := len(strings.Split(want, "|")); n > 1 && strings.Count(msg, "; ")+1 != n {
					t.Errorf("entry %d: %q should join %d errors with \"; \"", i, msg, n)
				}
			}
		})
	}
	got, _ := airlock.ParseRegularRequests([]byte(`[{"username": null, "workspace_name": "w", "dirs": ["o", "p"], "supporting_files": ["o/s"], "context": "c", "controls": "k", "submit": true}]`))
	r := got[0].AutomatedRequest
	if r.Username != "" || r.Workspace != "w" || len(r.Dirs) != 2 || r.SupportingFiles[0] != "o/s" || r.Context != "c" || r.Controls != "k" || !r.Submit {
		t.Errorf("decoded %+v", r)
	}
}

func FuzzParseRegularRequests(f *testing.F) {
	f.Add([]byte(`[{"username": "alice", "workspace_name": "w", "dirs": ["output"], "submit": true}]`))
	f.Add([]byte(`[{"dirs": 1}, null, []]`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		entries, err := airlock.ParseRegularRequests(data)
		if err != nil && airlock.ErrorCode(err) != airlock.EINVALID {
			t.Fatalf("a bad file is invalid input, not %v", err)
		}
		for _, e := range entries {
			if e.Err == nil && (e.Workspace == "" && e.Fields["workspace_name"] == nil) {
				t.Fatalf("entry without workspace_name accepted: %s", data)
			}
			if e.Err == nil && e.Submit && (e.Context == "" || e.Controls == "") {
				t.Fatalf("submitting entry without context or controls accepted: %s", data)
			}
		}
	})
}
