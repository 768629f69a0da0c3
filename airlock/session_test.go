package airlock_test

import (
	"testing"
	"time"

	"github.com/airlock-project/airlock/airlock"
)

func TestSessionCheck(t *testing.T) {
	start := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	ended := start.Add(time.Hour)
	const idle = 14 * 24 * time.Hour
	for _, tc := range []struct {
		name    string
		s       airlock.Session
		at      time.Time
		wantErr string
	}{
		{"FreshlyUsed", airlock.Session{LastUsedAt: start}, start.Add(time.Minute), ""},
		{"JustInsideIdle", airlock.Session{LastUsedAt: start}, start.Add(idle), ""},
		{"Idle", airlock.Session{LastUsedAt: start}, start.Add(idle + time.Second), airlock.SessionIdle.Message()},
		{"SignedOut", airlock.Session{LastUsedAt: start, EndedAt: &ended, EndReason: airlock.SessionSignedOut}, ended, airlock.SessionSignedOut.Message()},
		{"AccessRevoked", airlock.Session{LastUsedAt: start, EndedAt: &ended, EndReason: airlock.SessionAccessRevoked}, ended, airlock.SessionAccessRevoked.Message()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.s.Check(tc.at, idle)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("Check = %v, want nil", err)
				}
				return
			}
			if airlock.ErrorCode(err) != airlock.EUNAUTHORIZED || airlock.ErrorMessage(err) != tc.wantErr {
				t.Fatalf("Check = %v, want EUNAUTHORIZED %q", err, tc.wantErr)
			}
		})
	}
}

func TestSessionNeedsTouch(t *testing.T) {
	start := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	s := airlock.Session{LastUsedAt: start}
	for d, want := range map[time.Duration]bool{0: false, 59 * time.Second: false, time.Minute: true, time.Hour: true} {
		if got := s.NeedsTouch(start.Add(d)); got != want {
			t.Errorf("NeedsTouch after %v = %v, want %v", d, got, want)
		}
	}
}

func TestSessionIDHidesTheSecret(t *testing.T) {
	id := airlock.SessionID("secret")
	if id == "secret" || len(id) != 64 || airlock.SessionID("secret") != id || airlock.SessionID("secreT") == id {
		t.Fatalf("SessionID = %q", id)
	}
}

func TestSignInBackoff(t *testing.T) {
	const lockAt, first, max = 5, time.Minute, time.Hour
	for failures, want := range map[int]time.Duration{
		0: 0, 1: 0, 4: 0,
		5: time.Minute, 6: 2 * time.Minute, 7: 4 * time.Minute, 10: 32 * time.Minute,
		11: time.Hour, 12: time.Hour, 1000: time.Hour,
	} {
		if got := airlock.SignInBackoff(failures, lockAt, first, max); got != want {
			t.Errorf("SignInBackoff(%d) = %v, want %v", failures, got, want)
		}
	}
}
