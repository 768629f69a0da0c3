package review_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/airlock-project/airlock/airlock"
	"github.com/airlock-project/airlock/airlock/sqlite"
	"github.com/airlock-project/airlock/review"
	"github.com/airlock-project/airlock/workspaces"
	"github.com/airlock-project/airlock/workspaces/coderepo"
	"github.com/airlock-project/airlock/workspaces/wstest"
)

// studyRepo is the repository URL of the workspaces of a diskEnv.
const studyRepo = "https://github.com/example/study"

// diskEnv is a world for the read paths of the service: real SQLite, real
// workspaces on disk, the real request-file store and a real repository
// cache. Workspace w1 has the generated outputs of wstest, all produced by
// the repository's first commit; workspace w2 is another project's.
type diskEnv struct {
	t       testing.TB
	ctx     context.Context
	db      *sqlite.DB
	root    *workspaces.Root
	svc     *review.Service
	wsDir   string
	ws      wstest.Workspace
	commits []string // the ids of the repository's commits, oldest first
}

func newDiskEnv(t testing.TB) *diskEnv {
	t.Helper()
	dir := t.TempDir()
	e := &diskEnv{t: t, ctx: context.Background(), wsDir: filepath.Join(dir, "workspaces")}
	var err error
	repoDir := filepath.Join(dir, "repos")
	when := time.Date(2026, 2, 1, 10, 0, 0, 0, time.UTC)
	e.commits, err = coderepo.Write(repoDir, "study", []coderepo.Commit{
		{Message: "Analysis", Author: "Ann", Email: "ann@example.org", When: when,
			Files: map[string]string{"project.yaml": "version: '4.0'\n", "analysis/model.R": "fit <- lm(y ~ x)\n"}},
		{Message: "Later", Author: "Ann", Email: "ann@example.org", When: when.Add(time.Hour),
			Files: map[string]string{"project.yaml": "version: '4.0'\n"}},
	})
	must(t, err)
	e.ws = wstest.MustGenerate(t, e.wsDir, "w1", 120, wstest.Options{Repo: studyRepo, Commit: e.commits[0]})
	wstest.MustGenerate(t, e.wsDir, "other", 3, wstest.Options{Repo: studyRepo, Commit: e.commits[0]})

	e.db, err = sqlite.Open(e.ctx, filepath.Join(dir, "airlock.db"))
	must(t, err)
	t.Cleanup(func() { e.db.Close() })
	e.root, err = workspaces.OpenRoot(e.wsDir)
	must(t, err)
	t.Cleanup(func() { e.root.Close() })
	store, err := workspaces.OpenStore(filepath.Join(dir, "requests"))
	must(t, err)
	t.Cleanup(func() { store.Close() })
	e.svc = review.New(review.Config{Store: e.db, Workspaces: e.root, Files: store, Policy: airlock.NewPolicy(2, nil),
		Code: coderepo.NewCache(repoDir)})
	return e
}

// events returns the audit events of one type, oldest first.
func (e *diskEnv) events(typ airlock.EventType) []*airlock.AuditEvent {
	e.t.Helper()
	var out []*airlock.AuditEvent
	must(e.t, e.db.View(e.ctx, func(tx airlock.Tx) error {
		all, err := tx.AuditEvents(airlock.AuditFilter{})
		for i := len(all) - 1; i >= 0; i-- {
			if all[i].Type == typ {
				out = append(out, all[i])
			}
		}
		return err
	}))
	return out
}

// addOutput puts a file of w1 on u's request as an output and returns the
// request id.
func (e *diskEnv) addOutput(u *airlock.User, path string) string {
	e.t.Helper()
	res, err := e.svc.AddFiles(e.ctx, u, "w1", []review.AddItem{{Path: path, Type: airlock.FileOutput}}, "")
	must(e.t, err)
	must(e.t, res[0].Err)
	st, err := e.svc.WorkspaceState(e.ctx, u, "w1")
	must(e.t, err)
	return st.Current.ID
}
