package review

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/airlock-project/airlock/airlock"
)

// Destination receives released files.
type Destination interface {
	// Upload sends one file's bytes for a release. It returns nil once the
	// file has arrived, including when it had already arrived before, which
	// makes retries after a crash safe.
	Upload(ctx context.Context, requestID, osUser, name string, body io.Reader, size int64) error
}

// Notifier sends status-change notifications.
type Notifier interface {
	Notify(ctx context.Context, ev airlock.NotificationEvent) error
}

// DeliveryConfig configures a Deliverer.
type DeliveryConfig struct {
	Store       airlock.Store
	Files       airlock.FileStore
	Destination Destination
	Notifier    Notifier // nil: notifications stay queued
	Logger      *slog.Logger
	// Concurrency is how many uploads run at once (default 4).
	Concurrency int
	// MinBackoff and MaxBackoff bound the wait before retrying a failed
	// attempt; it doubles per attempt (defaults 1s and 5m).
	MinBackoff, MaxBackoff time.Duration
	// Poll is how often to look for due work when not woken (default 1s).
	Poll time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Deliverer uploads released files and sends queued notifications. Its
// queue lives in the database, so it resumes after a restart or a crash;
// it retries with capped exponential backoff and never gives up (D10).
type Deliverer struct {
	cfg      DeliveryConfig
	wake     chan struct{}
	mu       sync.Mutex
	inflight map[string]bool
}

// NewDeliverer returns a deliverer; call Run to start it.
func NewDeliverer(cfg DeliveryConfig) *Deliverer {
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 4
	}
	if cfg.MinBackoff <= 0 {
		cfg.MinBackoff = time.Second
	}
	if cfg.MaxBackoff < cfg.MinBackoff {
		cfg.MaxBackoff = 5 * time.Minute
	}
	if cfg.Poll <= 0 {
		cfg.Poll = time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Deliverer{cfg: cfg, wake: make(chan struct{}, 1), inflight: map[string]bool{}}
}

// Wake asks the deliverer to look for work now, e.g. right after a release.
func (d *Deliverer) Wake() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// Run delivers until ctx is cancelled.
func (d *Deliverer) Run(ctx context.Context) error {
	t := time.NewTicker(d.cfg.Poll)
	defer t.Stop()
	for {
		if _, err := d.RunOnce(ctx); err != nil && ctx.Err() == nil {
			d.cfg.Logger.Error("delivery round failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		case <-d.wake:
		}
	}
}

// backoff is the wait after the given number of attempts.
func (d *Deliverer) backoff(attempts int) time.Duration {
	b := d.cfg.MinBackoff
	for i := 1; i < attempts && b < d.cfg.MaxBackoff; i++ {
		b *= 2
	}
	return min(b, d.cfg.MaxBackoff)
}

// RunOnce delivers the uploads and notifications due now and returns how
// many uploads it attempted.
func (d *Deliverer) RunOnce(ctx context.Context) (int, error) {
	if err := d.sendNotifications(ctx); err != nil {
		return 0, err
	}
	if d.cfg.Destination == nil {
		return 0, nil
	}
	var jobs []*airlock.UploadJob
	// Claim before uploading: the attempt is counted and the next one
	// scheduled first, so a crash mid-upload is retried after the backoff.
	err := d.cfg.Store.Update(ctx, func(tx airlock.Tx) error {
		due, err := tx.DueUploadJobs(d.cfg.Now(), d.cfg.Concurrency*4)
		if err != nil {
			return err
		}
		d.mu.Lock()
		defer d.mu.Unlock()
		for _, j := range due {
			key := j.Request + "\x00" + j.Path
			if d.inflight[key] {
				continue
			}
			j.Attempts++
			j.NextAttempt = d.cfg.Now().Add(d.backoff(j.Attempts))
			if err := tx.SaveUploadJob(j); err != nil {
				return err
			}
			d.inflight[key] = true
			jobs = append(jobs, j)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	sem := make(chan struct{}, d.cfg.Concurrency)
	var wg sync.WaitGroup
	for _, j := range jobs {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			d.deliver(ctx, j)
			d.mu.Lock()
			delete(d.inflight, j.Request+"\x00"+j.Path)
			d.mu.Unlock()
		}()
	}
	wg.Wait()
	// Status changes made by this round (RELEASED) go out promptly.
	return len(jobs), d.sendNotifications(ctx)
}

// deliver makes one attempt at one file and records the outcome.
func (d *Deliverer) deliver(ctx context.Context, j *airlock.UploadJob) {
	log := d.cfg.Logger.With("request", j.Request, "path", j.Path, "attempt", j.Attempts)
	err := d.cfg.Files.Verify(ctx, j.Workspace, j.Request, j.FileID)
	var coded *airlock.Error
	if err != nil && !errors.As(err, &coded) {
		// An I/O failure says nothing about the bytes: try again later.
		log.Warn("could not verify stored copy; will retry", "err", err)
		d.record(ctx, j, func(tx airlock.Tx) error {
			j.LastError = fmt.Sprintf("Attempt %d could not read the stored copy: %s", j.Attempts, err)
			return tx.SaveUploadJob(j)
		})
		return
	}
	if err != nil {
		// The bytes two checkers approved are not the bytes on disk (or are
		// gone): never send them.
		log.Error("RELEASE BLOCKED: stored copy no longer matches the reviewed hash; it will not be sent", "err", err)
		d.record(ctx, j, func(tx airlock.Tx) error {
			j.Blocked = true
			j.LastError = "The stored copy of this file no longer matches the reviewed bytes, so it was not sent. Contact tech support."
			if err := tx.SaveUploadJob(j); err != nil {
				return err
			}
			return tx.Audit(&airlock.AuditEvent{Type: airlock.EventRequestFileUploadBlocked, User: j.ReleasedBy,
				Workspace: j.Workspace, Request: j.Request, Path: j.Path, Extra: map[string]string{"sha256": j.FileID}})
		})
		return
	}
	if err := d.upload(ctx, j); err != nil {
		log.Warn("upload failed; will retry", "err", err, "next_attempt", j.NextAttempt)
		d.record(ctx, j, func(tx airlock.Tx) error {
			j.LastError = fmt.Sprintf("Attempt %d failed: %s", j.Attempts, errorText(err))
			return tx.SaveUploadJob(j)
		})
		return
	}
	log.Info("file uploaded")
	d.record(ctx, j, func(tx airlock.Tx) error { return d.markUploaded(tx, j) })
}

func (d *Deliverer) upload(ctx context.Context, j *airlock.UploadJob) error {
	rc, err := d.cfg.Files.Open(ctx, j.Workspace, j.Request, j.FileID)
	if err != nil {
		return err
	}
	defer rc.Close()
	return d.cfg.Destination.Upload(ctx, j.Request, j.ReleasedBy, j.Path, rc, j.Size)
}

func errorText(err error) string {
	if airlock.ErrorCode(err) != airlock.EINTERNAL {
		return airlock.ErrorMessage(err)
	}
	return err.Error()
}

// record writes an outcome; if even that fails, the claim's schedule stands
// and the attempt is simply made again.
func (d *Deliverer) record(ctx context.Context, j *airlock.UploadJob, fn func(tx airlock.Tx) error) {
	if err := d.cfg.Store.Update(context.WithoutCancel(ctx), fn); err != nil {
		d.cfg.Logger.Error("record upload outcome", "request", j.Request, "path", j.Path, "err", err)
	}
}

// markUploaded records the arrival and releases the request when it was the last file.
func (d *Deliverer) markUploaded(tx airlock.Tx, j *airlock.UploadJob) error {
	now := tx.Now()
	j.DoneAt, j.LastError = &now, ""
	if err := tx.SaveUploadJob(j); err != nil {
		return err
	}
	r, err := tx.Request(j.Request)
	if err != nil {
		return err
	}
	f := r.File(j.Path)
	if f == nil {
		return fmt.Errorf("uploaded file %s is not on request %s", j.Path, j.Request)
	}
	if f.UploadedAt == nil {
		f.UploadedAt = &now
		if err := tx.SaveFile(r.ID, f); err != nil {
			return err
		}
		if err := audit(tx, r, j.ReleasedBy, airlock.EventRequestFileUpload, j.Path, map[string]string{"group": f.Group}); err != nil {
			return err
		}
	}
	jobs, err := tx.UploadJobs(r.ID)
	if err != nil {
		return err
	}
	for _, other := range jobs {
		if other.DoneAt == nil {
			return nil
		}
	}
	if r.Status != airlock.StatusApproved {
		return nil
	}
	return setStatus(tx, r, j.ReleasedBy, airlock.StatusReleased, airlock.EventRequestRelease, airlock.NotifyReleased)
}

// sendNotifications sends queued notifications; a failure waits and retries.
func (d *Deliverer) sendNotifications(ctx context.Context) error {
	if d.cfg.Notifier == nil {
		return nil
	}
	var due []*airlock.Notification
	if err := d.cfg.Store.View(ctx, func(tx airlock.Tx) error {
		var err error
		due, err = tx.DueNotifications(d.cfg.Now(), 50)
		return err
	}); err != nil {
		return err
	}
	for _, n := range due {
		ev, err := airlock.DecodeNotification(n.Payload)
		if err == nil {
			err = d.cfg.Notifier.Notify(ctx, ev)
		}
		now := d.cfg.Now()
		n.Attempts++
		if err != nil {
			n.LastError = errorText(err)
			n.NextAttempt = now.Add(d.backoff(n.Attempts))
			d.cfg.Logger.Warn("notification not delivered; will retry", "kind", n.Kind, "attempt", n.Attempts, "err", err)
		} else {
			n.SentAt, n.LastError = &now, ""
		}
		if err := d.cfg.Store.Update(ctx, func(tx airlock.Tx) error { return tx.SaveNotification(n) }); err != nil {
			return err
		}
	}
	return nil
}
