package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/airlock-project/airlock/airlock"
	"github.com/airlock-project/airlock/workspaces/coderepo"
)

// TestDemoCodeMatchesManifests checks every demo output names a commit the
// demo's repository cache holds, except legacy-cohort's, which is missing
// on purpose, and that a second start keeps the same commits.
func TestDemoCodeMatchesManifests(t *testing.T) {
	dir := t.TempDir()
	repos, wsDir := filepath.Join(dir, "repos"), filepath.Join(dir, "workspaces")
	commits, err := writeSampleRepos(repos)
	if err != nil {
		t.Fatal(err)
	}
	if err := writeSampleWorkspaces(wsDir, commits, time.Now().UTC()); err != nil {
		t.Fatal(err)
	}
	again, err := writeSampleRepos(repos)
	if err != nil {
		t.Fatal(err)
	}
	for name, ids := range commits {
		if !slices.Equal(ids, again[name]) {
			t.Errorf("%s: commits changed on a second start: %v then %v", name, ids, again[name])
		}
	}
	cache := coderepo.NewCache(repos)
	ctx := context.Background()
	for ws, repo := range demoRepoOf {
		b, err := os.ReadFile(filepath.Join(wsDir, ws, "metadata", "manifest.json"))
		if err != nil {
			t.Fatal(err)
		}
		var m struct {
			Repo    string `json:"repo"`
			Outputs map[string]struct {
				Repo   string `json:"repo"`
				Commit string `json:"commit"`
			} `json:"outputs"`
		}
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		for p, o := range m.Outputs {
			_, err := cache.Snapshot(ctx, o.Repo, o.Commit)
			switch {
			case repo == "legacy-cohort" && airlock.ErrorCode(err) != airlock.ENOTFOUND:
				t.Errorf("%s %s: legacy-cohort's code should be missing, got %v", ws, p, err)
			case repo != "legacy-cohort" && err != nil:
				t.Errorf("%s %s: %v", ws, p, err)
			}
		}
	}
	s, err := cache.Snapshot(ctx, demoRepoURL("cardiac-study"), commits["cardiac-study"][1])
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"project.yaml", "analysis/model.do", "analysis/make_tables.R", "codelists/cardiac-events.csv"} {
		if !s.IsFile(p) {
			t.Errorf("cardiac-study lacks %s", p)
		}
	}
}
