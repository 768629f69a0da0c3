package sqlite_test

import (
	"context"
	"testing"
	"time"

	"github.com/airlock-project/airlock/airlock"
)

// TestUploadsWaitForRegistration: a request's upload jobs are not due until
// its release is registered; a request released before registrations were
// queued (no row) uploads as before.
func TestUploadsWaitForRegistration(t *testing.T) {
	db, _ := mustOpen(t)
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Microsecond)
	due := func() []string {
		t.Helper()
		var out []string
		if err := db.View(ctx, func(tx airlock.Tx) error {
			jobs, err := tx.DueUploadJobs(now.Add(time.Second), 10)
			for _, j := range jobs {
				out = append(out, j.Request)
			}
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return out
	}
	err := db.Update(ctx, func(tx airlock.Tx) error {
		for _, id := range []string{"NEW", "OLD"} {
			if err := tx.CreateRequest(newRequest(id, "alice-"+id, airlock.StatusApproved)); err != nil {
				return err
			}
			if err := tx.AddUploadJob(&airlock.UploadJob{Request: id, Workspace: "w1", Path: "out/a.csv", FileID: "h", Size: 1,
				ReleasedBy: "chk1", NextAttempt: now}); err != nil {
				return err
			}
		}
		return tx.AddReleaseRegistration(&airlock.ReleaseRegistration{Request: "NEW", Workspace: "w1", ReleasedBy: "chk1",
			NextAttempt: now, CreatedAt: now})
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := due(); len(got) != 1 || got[0] != "OLD" {
		t.Fatalf("due uploads of %v before registration, want only the old request's", got)
	}

	var reg *airlock.ReleaseRegistration
	err = db.Update(ctx, func(tx airlock.Tx) error {
		regs, err := tx.DueReleaseRegistrations(now, 10)
		if err != nil {
			return err
		}
		if len(regs) != 1 || regs[0].Request != "NEW" || regs[0].ReleasedBy != "chk1" || !regs[0].CreatedAt.Equal(now) {
			t.Fatalf("due registrations %+v", regs)
		}
		reg = regs[0]
		done := now.Add(time.Minute)
		reg.Attempts, reg.LastError, reg.DoneAt, reg.JobsiteID = 3, "", &done, "NEW"
		return tx.SaveReleaseRegistration(reg)
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := due(); len(got) != 2 {
		t.Fatalf("due uploads of %v after registration, want both requests'", got)
	}
	err = db.View(ctx, func(tx airlock.Tx) error {
		got, err := tx.ReleaseRegistration("NEW")
		if err != nil {
			return err
		}
		if got.Attempts != 3 || got.JobsiteID != "NEW" || got.DoneAt == nil || !got.DoneAt.Equal(*reg.DoneAt) {
			t.Fatalf("stored registration %+v, want %+v", got, reg)
		}
		if regs, err := tx.DueReleaseRegistrations(now.Add(time.Hour), 10); err != nil || len(regs) != 0 {
			t.Fatalf("a done registration is still due: %v, %v", regs, err)
		}
		if _, err := tx.ReleaseRegistration("OLD"); airlock.ErrorCode(err) != airlock.ENOTFOUND {
			t.Fatalf("registration of a request without one: %v, want %s", err, airlock.ENOTFOUND)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
