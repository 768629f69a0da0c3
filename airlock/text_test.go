package airlock

import "testing"

func TestCheckTextAndName(t *testing.T) {
	for _, tc := range []struct {
		in         string
		text, name bool // accepted as text, as a name
	}{
		{"", true, true},
		{"café", true, true},
		{"output/tables/counts.csv", true, true},
		{"日本語 ✓ 🙂", true, true},
		{"caf\xe9", false, false},
		{"\xff", false, false},
		{"\xed\xa0\x80", false, false}, // an encoded surrogate half
		{"a\xc3", false, false},        // cut short
		{"caf\uFFFD", true, false},     // what decoders make of bad bytes
		{"tab\tand\nnewline", true, true},
	} {
		if got := CheckText("comment", tc.in) == nil; got != tc.text {
			t.Errorf("CheckText(%q) accepted = %v, want %v", tc.in, got, tc.text)
		}
		if got := CheckName("path", tc.in) == nil; got != tc.name {
			t.Errorf("CheckName(%q) accepted = %v, want %v", tc.in, got, tc.name)
		}
		if err := CheckText("comment", tc.in); err != nil && ErrorCode(err) != EINVALID {
			t.Errorf("CheckText(%q) code = %s", tc.in, ErrorCode(err))
		}
	}
}

func TestAuditEventCheckText(t *testing.T) {
	ok := &AuditEvent{Type: EventRequestComment, User: "alice", Extra: map[string]string{"comment": "café"}}
	if err := ok.CheckText(); err != nil {
		t.Fatal(err)
	}
	for _, e := range []*AuditEvent{
		{User: "\xe9"}, {Workspace: "\xe9"}, {Request: "\xe9"}, {Path: "\xe9"}, {Type: "\xe9"},
		{Extra: map[string]string{"comment": "\xe9"}}, {Extra: map[string]string{"\xe9": ""}},
	} {
		if ErrorCode(e.CheckText()) != EINVALID {
			t.Errorf("%+v accepted", e)
		}
	}
}
