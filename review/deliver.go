package review

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/airlock-project/airlock/airlock"
)

// Registrar registers releases with the jobs site.
type Registrar interface {
	// CreateRelease registers the release of files from workspace on
	// behalf of the checker osUser and returns the jobs site's id for it.
	// It is idempotent on airlockID: a repeat (after a lost answer or a
	// crash) returns the release already registered.
	CreateRelease(ctx context.Context, workspace, osUser, airlockID string, files []airlock.ReleaseFile) (string, error)
}

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
	Registrar   Registrar // nil: releases stay queued for registration, and their files with them
	Destination Destination
	Notifier    Notifier // nil: notifications stay queued
	Logger      *slog.Logger
	// Concurrency is how many registrations, and then uploads, run at once (default 4).
	Concurrency int
	// MinBackoff and MaxBackoff bound the wait before retrying a failed
	// attempt; it doubles per attempt (defaults 1s and 5m).
	MinBackoff, MaxBackoff time.Duration
	// Poll is how often to look for due work when not woken (default 1s).
	Poll time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Deliverer carries out released requests: it registers each release with
// the jobs site, then uploads its files, and sends queued notifications.
// Its queues live in the database, so it resumes after a restart or a
// crash; it retries with capped exponential backoff and never gives up
// (D10, D16).
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

// RunOnce makes the registrations, then the uploads, and sends the
// notifications due now. It returns how many uploads it attempted.
func (d *Deliverer) RunOnce(ctx context.Context) (int, error) {
	if err := d.sendNotifications(ctx); err != nil {
		return 0, err
	}
	// A release registered in this round has its uploads claimed below,
	// in the same round.
	if err := d.registerDue(ctx); err != nil {
		return 0, err
	}
	if d.cfg.Destination == nil {
		return 0, nil
	}
	n, err := claimAndRun(ctx, d, uploadKey,
		func(tx airlock.Tx) ([]*airlock.UploadJob, error) {
			return tx.DueUploadJobs(d.cfg.Now(), d.cfg.Concurrency*4)
		},
		func(tx airlock.Tx, j *airlock.UploadJob) error {
			j.Attempts++
			j.NextAttempt = d.cfg.Now().Add(d.backoff(j.Attempts))
			return tx.SaveUploadJob(j)
		},
		func(j *airlock.UploadJob) { d.deliver(ctx, j) })
	if err != nil {
		return 0, err
	}
	// Status changes made by this round (RELEASED) go out promptly.
	return n, d.sendNotifications(ctx)
}

func uploadKey(j *airlock.UploadJob) string { return "upload\x00" + j.Request + "\x00" + j.Path }

func registrationKey(r *airlock.ReleaseRegistration) string { return "register\x00" + r.Request }

// claimAndRun claims the work due now in one transaction, then makes one
// attempt at each claimed item, at most Concurrency at once, and returns
// how many it attempted. Claiming counts the attempt and schedules the
// next one (claim) before the attempt is made, so a crash during it is
// retried after the backoff; items already in flight in this process (an
// overlapping round) are skipped.
func claimAndRun[T any](ctx context.Context, d *Deliverer, key func(T) string,
	due func(airlock.Tx) ([]T, error), claim func(airlock.Tx, T) error, attempt func(T)) (int, error) {
	var (
		items []T
		keys  []string
	)
	err := d.cfg.Store.Update(ctx, func(tx airlock.Tx) error {
		all, err := due(tx)
		if err != nil {
			return err
		}
		for _, it := range all {
			k := key(it)
			if !d.markInflight(k) {
				continue
			}
			keys = append(keys, k)
			if err := claim(tx, it); err != nil {
				return err
			}
			items = append(items, it)
		}
		return nil
	})
	if err != nil {
		d.clearInflight(keys...)
		return 0, err
	}
	d.parallel(len(items), func(i int) {
		attempt(items[i])
		d.clearInflight(keys[i])
	})
	return len(items), nil
}

// markInflight marks work as in flight in this process; false if it already is.
func (d *Deliverer) markInflight(key string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.inflight[key] {
		return false
	}
	d.inflight[key] = true
	return true
}

// clearInflight ends in-flight marks.
func (d *Deliverer) clearInflight(keys ...string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, k := range keys {
		delete(d.inflight, k)
	}
}

// parallel runs fn(0) … fn(n-1), at most Concurrency at once, and waits.
func (d *Deliverer) parallel(n int, fn func(i int)) {
	sem := make(chan struct{}, d.cfg.Concurrency)
	var wg sync.WaitGroup
	for i := range n {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			fn(i)
		}()
	}
	wg.Wait()
}

// registerDue registers the releases due now with the jobs site. Like an
// upload, each attempt is claimed before the call; the jobs site's
// idempotency on the request id makes a repeat after a crash harmless.
func (d *Deliverer) registerDue(ctx context.Context) error {
	if d.cfg.Registrar == nil {
		return nil
	}
	_, err := claimAndRun(ctx, d, registrationKey,
		func(tx airlock.Tx) ([]*airlock.ReleaseRegistration, error) {
			return tx.DueReleaseRegistrations(d.cfg.Now(), d.cfg.Concurrency*4)
		},
		func(tx airlock.Tx, r *airlock.ReleaseRegistration) error {
			r.Attempts++
			r.NextAttempt = d.cfg.Now().Add(d.backoff(r.Attempts))
			return tx.SaveReleaseRegistration(r)
		},
		func(r *airlock.ReleaseRegistration) { d.register(ctx, r) })
	return err
}

// register makes one attempt at registering one release and records the outcome.
func (d *Deliverer) register(ctx context.Context, reg *airlock.ReleaseRegistration) {
	log := d.cfg.Logger.With("request", reg.Request, "attempt", reg.Attempts)
	var files []airlock.ReleaseFile
	err := d.cfg.Store.View(ctx, func(tx airlock.Tx) error {
		r, err := tx.Request(reg.Request)
		if err == nil {
			files = releaseFiles(r)
		}
		return err
	})
	var jobsiteID string
	if err == nil {
		jobsiteID, err = d.cfg.Registrar.CreateRelease(ctx, reg.Workspace, reg.ReleasedBy, reg.Request, files)
	}
	if err == nil {
		// It is stored and audited: only text may be (issue 9's rule).
		err = airlock.CheckName("release id the jobs site answered", jobsiteID)
	}
	if err != nil {
		log.Warn("release registration failed; will retry", "err", err, "next_attempt", reg.NextAttempt)
		d.record(ctx, log, func(tx airlock.Tx) error {
			reg.LastError = fmt.Sprintf("Attempt %d failed: %s", reg.Attempts, errorText(err))
			return tx.SaveReleaseRegistration(reg)
		})
		return
	}
	log.Info("release registered with the jobs site", "jobsite_release", jobsiteID)
	d.record(ctx, log, func(tx airlock.Tx) error {
		now := tx.Now()
		reg.DoneAt, reg.LastError, reg.JobsiteID = &now, "", jobsiteID
		if err := tx.SaveReleaseRegistration(reg); err != nil {
			return err
		}
		r, err := tx.Request(reg.Request)
		if err != nil {
			return err
		}
		return audit(tx, r, reg.ReleasedBy, airlock.EventRequestReleaseRegister, "", map[string]string{"jobsite_release": jobsiteID})
	})
}

// releaseFiles is the file list registered for a request: its released
// output files, as stored. It is the same at every attempt, because a
// released request no longer changes.
func releaseFiles(r *airlock.Request) []airlock.ReleaseFile {
	var files []airlock.ReleaseFile
	for _, f := range r.OutputFiles() {
		if f.ReleasedAt != nil {
			files = append(files, airlock.ReleaseFile{Name: f.Path, Size: f.Size, SHA256: f.FileID, Date: f.AddedAt})
		}
	}
	return files
}

// deliver makes one attempt at one file and records the outcome.
func (d *Deliverer) deliver(ctx context.Context, j *airlock.UploadJob) {
	log := d.cfg.Logger.With("request", j.Request, "path", j.Path, "attempt", j.Attempts)
	blocked, err := d.upload(ctx, j)
	switch {
	case blocked:
		// The bytes two checkers approved are not the bytes on disk (or are
		// gone): they were not sent whole, and never will be.
		log.Error("RELEASE BLOCKED: stored copy no longer matches the reviewed hash; it will not be sent", "err", err)
		d.record(ctx, log, func(tx airlock.Tx) error {
			j.Blocked = true
			j.LastError = "The stored copy of this file no longer matches the reviewed bytes, so it was not sent. Contact tech support."
			if err := tx.SaveUploadJob(j); err != nil {
				return err
			}
			return tx.Audit(&airlock.AuditEvent{Type: airlock.EventRequestFileUploadBlocked, User: j.ReleasedBy,
				Workspace: j.Workspace, Request: j.Request, Path: j.Path, Extra: map[string]string{"sha256": j.FileID}})
		})
	case err != nil:
		// An I/O failure here or at the jobs site says nothing about the bytes: try again later.
		log.Warn("upload failed; will retry", "err", err, "next_attempt", j.NextAttempt)
		d.record(ctx, log, func(tx airlock.Tx) error {
			j.LastError = fmt.Sprintf("Attempt %d failed: %s", j.Attempts, errorText(err))
			return tx.SaveUploadJob(j)
		})
	default:
		log.Info("file uploaded")
		d.record(ctx, log, func(tx airlock.Tx) error { return d.markUploaded(tx, j) })
	}
}

// upload sends one stored copy, hashing it on the way (D4): the store is
// read once, not once to check and again to send. The last bytes are held
// back until the whole copy is known to have the reviewed size and hash, so
// a copy that changed is never received whole. It reports blocked when the
// copy changed or is gone, whatever the jobs site answered.
func (d *Deliverer) upload(ctx context.Context, j *airlock.UploadJob) (blocked bool, err error) {
	rc, err := d.cfg.Files.Open(ctx, j.Workspace, j.Request, j.FileID)
	if err != nil {
		// The store's coded errors say the copy is missing or unnamable;
		// anything else is a failure to reach it.
		var coded *airlock.Error
		return errors.As(err, &coded), err
	}
	defer rc.Close()
	body := newVerifyingReader(rc, j.Size, j.FileID)
	if j.Size == 0 {
		// No body is read for an empty file: check first that its copy is still empty.
		_, err = io.Copy(io.Discard, body)
	}
	if err == nil && !body.changed {
		err = d.cfg.Destination.Upload(ctx, j.Request, j.ReleasedBy, j.Path, body, j.Size)
	}
	if body.changed {
		return true, fmt.Errorf("%w (upload: %v)", errStoredCopyChanged, err)
	}
	return false, err
}

// storeReadSize is the largest read of a stored copy being uploaded: the
// transport asks for 32 KiB at a time, and that many small reads of a copy
// that is, days after it was added, on the disk only cost more CPU than
// hashing it; a buffer costs a copy instead.
const storeReadSize = 1 << 20

func errorText(err error) string {
	if airlock.ErrorCode(err) != airlock.EINTERNAL {
		return airlock.ErrorMessage(err)
	}
	return err.Error()
}

// record writes an outcome; if even that fails, the claim's schedule stands
// and the attempt is simply made again.
func (d *Deliverer) record(ctx context.Context, log *slog.Logger, fn func(tx airlock.Tx) error) {
	if err := d.cfg.Store.Update(context.WithoutCancel(ctx), fn); err != nil {
		log.Error("record delivery outcome", "err", err)
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

// errStoredCopyChanged is a stored copy whose bytes are not the reviewed ones.
var errStoredCopyChanged = errors.New("the stored copy no longer has the reviewed size and SHA-256")

// verifyingReader hands out a stored copy's bytes while hashing them. It
// withholds the last of them until it has seen that nothing follows and
// that the whole has the reviewed SHA-256; otherwise it fails the read
// (with errStoredCopyChanged, and changed set), so a receiver expecting
// size bytes never gets all of them.
type verifyingReader struct {
	r       io.Reader
	h       hash.Hash
	left    int64 // bytes not yet handed out
	want    string
	done    bool // finished: verified, or found changed
	changed bool
}

func newVerifyingReader(r io.Reader, size int64, sha string) *verifyingReader {
	buffered := bufio.NewReaderSize(r, int(min(max(size+1, 4<<10), storeReadSize)))
	return &verifyingReader{r: buffered, h: sha256.New(), left: size, want: sha}
}

func (v *verifyingReader) Read(p []byte) (int, error) {
	if v.changed {
		return 0, errStoredCopyChanged
	}
	if v.left == 0 {
		return 0, v.finish()
	}
	if int64(len(p)) > v.left {
		p = p[:v.left]
	}
	n, err := v.r.Read(p)
	v.h.Write(p[:n])
	v.left -= int64(n)
	switch {
	case v.left == 0:
		if err := v.finish(); err != io.EOF {
			return 0, err
		}
		return n, nil
	case err == io.EOF:
		v.changed = true // shorter than reviewed
		return 0, errStoredCopyChanged
	}
	return n, err
}

// finish checks, once every reviewed byte has been read, that the copy
// ends there and has the reviewed hash; it returns io.EOF when it does.
func (v *verifyingReader) finish() error {
	if v.done {
		if v.changed {
			return errStoredCopyChanged
		}
		return io.EOF
	}
	var extra [1]byte
	if n, err := io.ReadFull(v.r, extra[:]); n > 0 {
		v.changed = true // longer than reviewed
	} else if err != io.EOF {
		return err
	}
	v.done = true
	if !v.changed && hex.EncodeToString(v.h.Sum(nil)) != v.want {
		v.changed = true
	}
	if v.changed {
		return errStoredCopyChanged
	}
	return io.EOF
}
