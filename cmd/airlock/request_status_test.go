package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/airlock-project/airlock/airlock"
)

// mustPendingRequest makes researcher's request in cardiac-sensitivity
// through the command and caches checker1 as someone who signed in.
func mustPendingRequest(t *testing.T) (string, func(string) string, string) {
	t.Helper()
	dir, env := mustBackendDir(t)
	if out, stderr, code := runCmd(t, env, "request", "create", "researcher", "cardiac-sensitivity", "--dirs", "output"); code != 0 {
		t.Fatalf("exit %d: %s%s", code, out, stderr)
	}
	b := openTestBackend(t, dir)
	demoUser(t, b, "checker1")
	return dir, env, theRequest(t, dir, "researcher", "cardiac-sensitivity").ID
}

// notifications returns the queued notifications' kinds.
func notifications(t *testing.T, dir string) []string {
	t.Helper()
	var kinds []string
	viewDB(t, dir, func(tx airlock.Tx) error {
		ns, err := tx.DueNotifications(time.Now().Add(time.Hour), 100)
		for _, n := range ns {
			kinds = append(kinds, n.Kind)
		}
		return err
	})
	return kinds
}

func TestRequestSetStatus(t *testing.T) {
	t.Parallel()
	t.Run("ConfirmedReject", func(t *testing.T) {
		t.Parallel()
		dir, env, id := mustPendingRequest(t)
		out, stderr, code := runCmdInput(t, env, "y\n", "request", "set-status", id, "--user", "checker1", "--status", "rejected")
		if code != 0 || !strings.Contains(stderr, "is PENDING.\nSet it to REJECTED in the name of checker1") || !strings.Contains(out, "is now REJECTED (was PENDING)") {
			t.Fatalf("exit %d:\n%s---\n%s", code, out, stderr)
		}
		r := theRequest(t, dir, "researcher", "cardiac-sensitivity")
		if r.Status != airlock.StatusRejected || r.ReviewTurn != 0 {
			t.Fatalf("status %s, turn %d: want REJECTED with no new turn", r.Status, r.ReviewTurn)
		}
		e := auditEvents(t, dir)[0]
		if e.Type != airlock.EventRequestReject || e.User != "checker1" || e.Request != id || !e.Automated() {
			t.Errorf("last event %s by %s, extra %v: want REQUEST_REJECT by checker1, marked automated", e.Type, e.User, e.Extra)
		}
		if got := notifications(t, dir); len(got) != 1 || got[0] != airlock.NotifyRejected {
			t.Errorf("notifications %v, want the rejection queued for the jobs site", got)
		}
		// Final now: neither status can be set again.
		for status, want := range map[string]string{"REJECTED": "is already REJECTED", "WITHDRAWN": "which is final"} {
			if _, stderr, code := runCmd(t, env, "request", "set-status", id, "--user", "checker1", "--status", status, "--yes"); code != 1 || !strings.Contains(stderr, want) {
				t.Errorf("%s again: exit %d, %q", status, code, stderr)
			}
		}
	})
	t.Run("YesWithdrawJSON", func(t *testing.T) {
		t.Parallel()
		dir, env, id := mustPendingRequest(t)
		out, stderr, code := runCmd(t, env, "request", "set-status", id, "--user", "checker1", "--status", "WITHDRAWN", "--yes", "--json")
		var got struct{ ID, From, Status, User string }
		if err := json.Unmarshal([]byte(out), &got); err != nil || code != 0 || got.Status != "WITHDRAWN" || got.From != "PENDING" || stderr != "" {
			t.Fatalf("exit %d, %q %q: %v", code, out, stderr, err)
		}
		if e := auditEvents(t, dir)[0]; e.Type != airlock.EventRequestWithdraw || !e.Automated() {
			t.Errorf("last event %s %v", e.Type, e.Extra)
		}
	})
	for _, tc := range []struct {
		name, stdin string
		args        []string // after the request id; "ID" is replaced
		code        int
		want        string
	}{
		{"Declined", "n\n", []string{"--user", "checker1", "--status", "REJECTED"}, 1, "aborted"},
		{"NoAnswer", "", []string{"--user", "checker1", "--status", "REJECTED"}, 1, "aborted"},
		{"ErrUnknownUser", "", []string{"--user", "nobody", "--status", "REJECTED", "--yes"}, 1, `No user "nobody" is known here`},
		{"ErrUnknownRequest", "", []string{"--user", "checker1", "--status", "REJECTED", "--yes", "--", "01NOSUCHREQUEST"}, 1, "was not found"},
		{"ErrStatus", "", []string{"--user", "checker1", "--status", "APPROVED", "--yes"}, 2, "must be REJECTED or WITHDRAWN"},
		{"ErrNoUser", "", []string{"--status", "REJECTED", "--yes"}, 2, "name the user with --user"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir, env, id := mustPendingRequest(t)
			before := len(auditEvents(t, dir))
			args := []string{"request", "set-status"}
			if tc.name != "ErrUnknownRequest" {
				args = append(args, id)
			}
			out, stderr, code := runCmdInput(t, env, tc.stdin, append(args, tc.args...)...)
			if code != tc.code || !strings.Contains(stderr, tc.want) {
				t.Fatalf("exit %d, want %d with %q:\n%s%s", code, tc.code, tc.want, out, stderr)
			}
			if r := theRequest(t, dir, "researcher", "cardiac-sensitivity"); r.Status != airlock.StatusPending {
				t.Errorf("status %s after a refusal", r.Status)
			}
			if n := len(auditEvents(t, dir)); n != before {
				t.Errorf("%d audit events after a refusal, were %d", n, before)
			}
		})
	}
}
