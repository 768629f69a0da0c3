package review_test

import (
	"bytes"
	"context"
	"log/slog"
	"math/rand/v2"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/airlock-project/airlock/airlock"
	"github.com/airlock-project/airlock/airlock/jobsite"
	"github.com/airlock-project/airlock/airlock/sqlite"
	"github.com/airlock-project/airlock/cmd/jobsite/receiver/receivertest"
	"github.com/airlock-project/airlock/review"
	"github.com/airlock-project/airlock/workspaces"
)

// The helper process's settings, passed in its environment.
const (
	envDB        = "AIRLOCK_E2E_DELIVERER_DB"
	envStore     = "AIRLOCK_E2E_DELIVERER_STORE"
	envURL       = "AIRLOCK_E2E_DELIVERER_URL"
	envToken     = "AIRLOCK_E2E_DELIVERER_TOKEN"
	envExitAfter = "AIRLOCK_E2E_DELIVERER_EXIT_AFTER" // a request id: exit once it is released and notified
)

// TestHelperDeliverer is not a test: it is the delivering process that
// TestCrashDuringRelease starts (re-running this test binary) and kills.
// It runs only the deliverer, as cmd/airlock would, on the database and
// store the parent prepared.
func TestHelperDeliverer(t *testing.T) {
	dbPath := os.Getenv(envDB)
	if dbPath == "" {
		t.Skip("only run as the helper process of TestCrashDuringRelease")
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	db, err := sqlite.Open(ctx, dbPath)
	must(t, err)
	defer db.Close()
	store, err := workspaces.OpenStore(os.Getenv(envStore))
	must(t, err)
	defer store.Close()
	client := &jobsite.Client{BaseURL: os.Getenv(envURL), Token: os.Getenv(envToken), Timeout: 10 * time.Second, UploadTimeout: 10 * time.Second}
	d := review.NewDeliverer(review.DeliveryConfig{
		Store: db, Files: store,
		Registrar: client, Destination: client, Notifier: client,
		Logger:      slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
		Concurrency: 4, MinBackoff: 20 * time.Millisecond, MaxBackoff: 200 * time.Millisecond, Poll: 20 * time.Millisecond,
	})
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	id := os.Getenv(envExitAfter)
	for id != "" {
		var (
			r       *airlock.Request
			pending []*airlock.Notification
		)
		must(t, db.View(ctx, func(tx airlock.Tx) error {
			var err error
			if r, err = tx.Request(id); err != nil {
				return err
			}
			pending, err = tx.DueNotifications(time.Now().Add(24*time.Hour), 1)
			return err
		}))
		if r.Status == airlock.StatusReleased && len(pending) == 0 {
			cancel()
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	must(t, <-done)
}

// TestCrashDuringRelease kills the delivering process with SIGKILL at
// random points: first six times while it registers the release with a
// jobs site that holds the call (before, or after, the jobs site has
// recorded the release), then twenty times while many files are in flight
// (the receiver reads upload bodies slowly so that kills land
// mid-transfer), restarting it each time, then lets it finish. The jobs
// site must hold one release, every file must arrive exactly once with the
// reviewed bytes, the request must end RELEASED and the audit chain hold.
func TestCrashDuringRelease(t *testing.T) {
	t.Parallel()
	if runtime.GOOS != "linux" {
		t.Skip("the crash test re-executes the test binary and sends SIGKILL; it runs on Linux only")
	}
	const (
		files         = 60
		kills         = 20
		registerKills = 6
	)
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, seed>>1))

	w := newWorld(t, worldOptions{pace: 3 * time.Millisecond})
	ws := w.generate(files + 1)
	outputs := ws.Paths[:files]
	sizes := map[string]int{}
	total := 0
	for _, p := range outputs {
		sizes[p] = 64<<10 + rng.IntN(448<<10+1)
		total += sizes[p]
	}
	resize(t, ws, sizes, seed)
	want := w.workspaceHashes(outputs)
	id := w.reviewed(outputs, ws.Paths[files:])
	must(t, w.svc.Release(w.ctx, w.checker1, id))
	w.closeAirlock() // from here on only the helper process touches the database

	env := append(os.Environ(), envDB+"="+w.dbPath, envStore+"="+w.storeDir, envURL+"="+w.client.BaseURL, envToken+"="+backendToken)
	start := func(extra ...string) (*exec.Cmd, *bytes.Buffer, <-chan error) {
		t.Helper()
		var out bytes.Buffer
		cmd := exec.Command(os.Args[0], "-test.run=^TestHelperDeliverer$", "-test.count=1", "-test.timeout=5m")
		cmd.Env = append(slices.Clone(env), extra...)
		cmd.Stdout, cmd.Stderr = &out, &out
		must(t, cmd.Start())
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		return cmd, &out, exited
	}
	kill := func(i int, cmd *exec.Cmd, out *bytes.Buffer, exited <-chan error) {
		t.Helper()
		must(t, cmd.Process.Signal(syscall.SIGKILL))
		if err := <-exited; err == nil {
			t.Fatalf("helper %d finished before it was killed:\n%s", i, out)
		}
	}

	// Registration: the jobs site holds each call, half of them before
	// recording the release and half after, and the process is killed
	// while it waits for the answer.
	for i := range registerKills {
		select {
		case <-w.registrations.arrived:
		default:
		}
		if i%2 == 0 {
			w.faults.DelayNext(receivertest.Releases, 1, time.Hour)
		} else {
			w.registrations.hold(true)
		}
		cmd, out, exited := start()
		select {
		case <-w.registrations.arrived:
		case <-time.After(10 * time.Second):
			t.Fatalf("registration %d never reached the jobs site:\n%s", i, out)
		case err := <-exited:
			t.Fatalf("helper exited on its own (%v):\n%s", err, out)
		}
		time.Sleep(time.Duration(rng.IntN(30)) * time.Millisecond)
		kill(i, cmd, out, exited)
		w.registrations.hold(false)
		if n := w.counter.totalRequests(); n != 0 {
			t.Fatalf("%d uploads sent before the release was registered", n)
		}
		if n, err := w.rcv.ReleaseCount(w.ctx); err != nil || n > 1 {
			t.Fatalf("the jobs site holds %d releases (%v), want at most 1", n, err)
		}
	}
	t.Logf("%d kills during %d registration calls", registerKills, w.registrations.count())

	midUpload := 0
	for i := range kills {
		// Forget uploads seen before this process started.
		select {
		case <-w.counter.arrived:
		default:
		}
		before := w.counter.totalRequests()
		cmd, out, exited := start()
		if i%4 == 3 {
			// Now and then, anywhere: while starting, claiming or recording.
			time.Sleep(time.Duration(rng.IntN(150)) * time.Millisecond)
		} else {
			// Mostly once uploads are on the wire.
			select {
			case <-w.counter.arrived:
			case <-time.After(3 * time.Second):
			case err := <-exited:
				t.Fatalf("helper exited on its own (%v):\n%s", err, out)
			}
			time.Sleep(time.Duration(rng.IntN(60)) * time.Millisecond)
		}
		kill(registerKills+i, cmd, out, exited)
		if w.counter.totalRequests() > before {
			midUpload++
		}
	}
	_, created := w.counter.counts()
	t.Logf("%d kills (%d after uploads had started); %d of %d files stored before the last run; %d upload requests so far",
		kills, midUpload, len(created), files, w.counter.totalRequests())
	if len(created) == files {
		t.Log("every file arrived before the last kill: slow the receiver down (pace) to keep kills mid-upload")
	}

	_, out, exited := start(envExitAfter + "=" + id)
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("last helper run failed (%v):\n%s", err, out)
		}
	case <-time.After(2 * time.Minute):
		t.Fatalf("last helper run did not finish:\n%s", out)
	}

	w.openAirlock()
	if got := w.status(id); got != airlock.StatusReleased {
		t.Fatalf("status = %s, want %s", got, airlock.StatusReleased)
	}
	w.checkArrived(id, want)
	if n, err := w.rcv.ReleaseCount(w.ctx); err != nil || n != 1 {
		t.Fatalf("the jobs site holds %d releases (%v), want 1", n, err)
	}
	v := w.view(w.checker1, id)
	if reg := v.Registration; reg == nil || reg.DoneAt == nil || reg.JobsiteID != id || reg.Attempts <= registerKills {
		t.Fatalf("registration %+v: want done as %q after more than %d attempts", reg, id, registerKills)
	}
	for _, j := range v.Uploads {
		if j.DoneAt == nil || j.Blocked {
			t.Fatalf("upload job %s: done %v, blocked %v, error %q", j.Path, j.DoneAt, j.Blocked, j.LastError)
		}
	}
	byType := eventPaths(w.events(id))
	if got, want := byType[airlock.EventRequestFileUpload], slices.Sorted(slices.Values(outputs)); !slices.Equal(got, want) {
		t.Fatalf("%d upload audit events, want exactly one per file (%d)", len(got), len(want))
	}
	for _, typ := range []airlock.EventType{airlock.EventRequestApprove, airlock.EventRequestReleaseRegister, airlock.EventRequestRelease} {
		if n := len(byType[typ]); n != 1 {
			t.Fatalf("%d %s audit events, want 1", n, typ)
		}
	}
	w.verifyAudit()
	if !slices.Contains(w.receiverEvents(id), airlock.NotifyReleased) {
		t.Fatal("the released notification never reached the jobs site")
	}
	t.Logf("%.1f MiB in %d files delivered exactly once despite %d kills; %d repeats of stored files were answered \"already uploaded\"",
		float64(total)/(1<<20), files, kills, w.counter.refusedRequests())
}
