package airlock

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// AutomatedExtra is the audit detail that marks an event as written by
// automation (a command, the daily regular requests) rather than by a
// person in the browser, under the name and value the reference uses:
// "automated_action": "true". It is one of the event's details, so it is
// covered by the hash chain and needs no column of its own.
const AutomatedExtra = "automated_action"

// Automated reports whether the event was written by automation.
func (e *AuditEvent) Automated() bool { return e.Extra[AutomatedExtra] == "true" }

// AutomatedStore returns a store whose transactions mark every audit event
// they append as automated. Automation acts through the same service
// methods as people; running them on this store is what sets it apart in
// the log, for every event, including ones added to the methods later.
func AutomatedStore(s Store) Store { return automatedStore{s} }

type automatedStore struct{ Store }

func (s automatedStore) Update(ctx context.Context, fn func(tx Tx) error) error {
	return s.Store.Update(ctx, func(tx Tx) error { return fn(automatedTx{tx}) })
}

func (s automatedStore) View(ctx context.Context, fn func(tx Tx) error) error {
	return s.Store.View(ctx, func(tx Tx) error { return fn(automatedTx{tx}) })
}

type automatedTx struct{ Tx }

// Audit marks the event, on a copy of its details so a caller's map is
// never changed, and appends it.
func (t automatedTx) Audit(e *AuditEvent) error {
	extra := maps.Clone(e.Extra)
	if extra == nil {
		extra = map[string]string{}
	}
	extra[AutomatedExtra] = "true"
	e.Extra = extra
	return t.Tx.Audit(e)
}

// AutomatedRequest is a release request made by automation (reference
// §10.1): every file under each of Dirs goes into a group named after its
// directory, as an output unless it is one of SupportingFiles.
type AutomatedRequest struct {
	// Username is the author; "" means the user of the workspace's most
	// recent output, from its manifest.
	Username        string
	Workspace       string
	Dirs            []string
	SupportingFiles []string
	// Context and Controls, when given, are set on every group that gets
	// new outputs.
	Context  string
	Controls string
	Submit   bool
}

// GroupForDir is the file group of an automated request's directory: its
// path with "/" replaced by "-", as the reference names it.
func GroupForDir(dir string) string { return strings.ReplaceAll(dir, "/", "-") }

// RegularRequestsFile is the name of the file of regular release requests
// in the work directory.
const RegularRequestsFile = "regular_release_requests.json"

// RegularRequest is one entry of the regular release requests file: a
// request made again on every run, or Err saying why the entry is invalid.
type RegularRequest struct {
	AutomatedRequest
	// Fields are the entry's keys and values as written, for showing an
	// entry that is valid.
	Fields map[string]json.RawMessage
	// Problems are what is wrong with an invalid entry; Err says all of
	// them in one sentence, joined by "; ".
	Problems []string
	Err      error
}

// regularKeys are the keys an entry may have, and the JSON type of each.
var regularKeys = map[string]string{
	"username":         "string or null",
	"workspace_name":   "string",
	"dirs":             "list of strings",
	"context":          "string",
	"controls":         "string",
	"supporting_files": "list of strings",
	"submit":           "bool",
}

// regularRequired are the keys every entry needs.
var regularRequired = []string{"username", "workspace_name", "dirs"}

// ParseRegularRequests reads the regular release requests file: a JSON
// list of entries (reference §10.1). A file that is not a JSON list is an
// error; otherwise each entry is checked on its own and an invalid one
// carries its errors, all of them, joined by "; ", so one bad entry never
// stops the others.
func ParseRegularRequests(data []byte) ([]RegularRequest, error) {
	var raw []json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, Errorf(EINVALID, "The regular release requests file must be a JSON list of requests: %s.", jsonReason(err))
	}
	out := make([]RegularRequest, len(raw))
	for i, entry := range raw {
		out[i] = parseRegularRequest(entry)
	}
	return out, nil
}

// jsonReason is a JSON decoding error in words, without Go's type names.
func jsonReason(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return fmt.Sprintf("%s (at byte %d)", strings.TrimPrefix(syn.Error(), "json: "), syn.Offset)
	case errors.As(err, &typ):
		return "it is a JSON " + jsonKind(typ.Value) + ", not a list"
	}
	return strings.TrimPrefix(err.Error(), "json: ")
}

func parseRegularRequest(entry json.RawMessage) RegularRequest {
	var rr RegularRequest
	if err := json.Unmarshal(entry, &rr.Fields); err != nil || rr.Fields == nil {
		rr.Problems = []string{fmt.Sprintf("each request must be a JSON object of keys and values, not %s", describeJSON(entry))}
		rr.Err = Errorf(EINVALID, "%s", rr.Problems[0])
		return rr
	}
	var problems []string
	for _, k := range regularRequired {
		if _, ok := rr.Fields[k]; !ok {
			problems = append(problems, fmt.Sprintf("missing required key %q", k))
		}
	}
	for _, k := range slices.Sorted(maps.Keys(rr.Fields)) {
		want, known := regularKeys[k]
		if !known {
			problems = append(problems, fmt.Sprintf("unknown key %q (the keys are %s)", k, strings.Join(slices.Sorted(maps.Keys(regularKeys)), ", ")))
			continue
		}
		if err := rr.setField(k, rr.Fields[k]); err != nil {
			problems = append(problems, fmt.Sprintf("%q must be a %s, not %s", k, want, describeJSON(rr.Fields[k])))
		}
	}
	if _, ok := rr.Fields["dirs"]; ok && rr.Dirs != nil && len(rr.Dirs) == 0 {
		problems = append(problems, `"dirs" must name at least one directory`)
	}
	if rr.Submit && (strings.TrimSpace(rr.Context) == "" || strings.TrimSpace(rr.Controls) == "") {
		problems = append(problems, `"context" and "controls" must both be given when "submit" is true, because a request is submitted only with both`)
	}
	if len(problems) > 0 {
		rr.Problems = problems
		rr.Err = Errorf(EINVALID, "%s", strings.Join(problems, "; "))
	}
	return rr
}

// setField decodes one known key into the request.
func (rr *RegularRequest) setField(key string, v json.RawMessage) error {
	switch key {
	case "username":
		var s *string
		if err := json.Unmarshal(v, &s); err != nil {
			return err
		}
		if s != nil {
			rr.Username = *s
		}
		return nil
	case "workspace_name":
		return decodeStrict(v, &rr.Workspace)
	case "dirs":
		return decodeStrict(v, &rr.Dirs)
	case "supporting_files":
		return decodeStrict(v, &rr.SupportingFiles)
	case "context":
		return decodeStrict(v, &rr.Context)
	case "controls":
		return decodeStrict(v, &rr.Controls)
	case "submit":
		return decodeStrict(v, &rr.Submit)
	}
	return nil
}

// decodeStrict decodes v into dst, refusing null (which encoding/json
// would quietly accept as the zero value).
func decodeStrict(v json.RawMessage, dst any) error {
	if string(v) == "null" {
		return fmt.Errorf("null")
	}
	return json.Unmarshal(v, dst)
}

// describeJSON names the kind of a JSON value, for error messages.
func describeJSON(v json.RawMessage) string {
	var x any
	if err := json.Unmarshal(v, &x); err != nil {
		return "malformed JSON"
	}
	switch x := x.(type) {
	case nil:
		return "null"
	case bool:
		return "a bool"
	case float64:
		return "a number"
	case string:
		return "a string"
	case []any:
		for _, e := range x {
			if _, ok := e.(string); !ok {
				return "a list with something other than strings in it"
			}
		}
		return "a list"
	}
	return "an object"
}

// jsonKind names a JSON kind as encoding/json reports it.
func jsonKind(v string) string {
	switch v {
	case "object", "array", "string", "number", "bool":
		if v == "array" {
			return "list"
		}
		return v
	}
	return "value"
}
