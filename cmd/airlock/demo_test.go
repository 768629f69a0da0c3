package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/airlock-project/airlock/airlock"
	"github.com/airlock-project/airlock/airlock/jobsite"
	"github.com/airlock-project/airlock/cmd/jobsite/receiver"
	"github.com/airlock-project/airlock/testdata"
	"github.com/airlock-project/airlock/workspaces"
	"github.com/airlock-project/airlock/workspaces/coderepo"
)

var update = flag.Bool("update", false, "rewrite the hashes, sizes and commits in testdata's demo manifests")

// missingRepo is the demo repository deliberately absent from the cache, to
// show what checkers see when the backend lacks a project's code.
const missingRepo = "https://github.com/example/legacy-cohort"

// demoManifest is a demo manifest, kept whole so -update rewrites only
// what it means to.
type demoManifest struct {
	Workspace string                    `json:"workspace"`
	Repo      string                    `json:"repo"`
	Outputs   map[string]map[string]any `json:"outputs"`
}

// TestDemoFixtures checks the committed demo workspaces against their
// bytes and the demo repositories: every manifest output exists with the
// size and SHA-256 the manifest records, and names a commit of its
// repository (the last one, or the first for outputs of an out-of-date
// action), except legacy-cohort's, whose code is missing on purpose. After
// editing an output or a repository tree, run
//
//	go test ./cmd/airlock -run TestDemoFixtures -update
//
// to rewrite the manifests.
func TestDemoFixtures(t *testing.T) {
	repoDir := t.TempDir()
	commits, err := writeSampleRepos(repoDir)
	if err != nil {
		t.Fatal(err)
	}
	again, err := writeSampleRepos(repoDir)
	if err != nil {
		t.Fatal(err)
	}
	for name, ids := range commits {
		if !slices.Equal(ids, again[name]) {
			t.Errorf("%s: commits changed on a second start: %v then %v", name, ids, again[name])
		}
	}
	entries, err := fs.ReadDir(testdata.Workspaces, ".")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if want := slices.Sorted(slices.Values(receiver.DemoWorkspaces())); !slices.Equal(names, want) {
		t.Errorf("testdata/workspaces holds %q; the reference jobs site's demo has %q", names, want)
	}
	cache := coderepo.NewCache(repoDir)
	for _, ws := range names {
		mpath := path.Join(ws, workspaces.ManifestPath)
		b, err := fs.ReadFile(testdata.Workspaces, mpath)
		if err != nil {
			t.Fatal(err)
		}
		var m demoManifest
		d := json.NewDecoder(bytes.NewReader(b))
		d.UseNumber()
		if err := d.Decode(&m); err != nil {
			t.Fatalf("%s: %v", mpath, err)
		}
		if _, err := workspaces.ParseManifest(ws, b); err != nil {
			t.Errorf("%s: %v", mpath, err)
		}
		for p, o := range m.Outputs {
			body, err := fs.ReadFile(testdata.Workspaces, path.Join(ws, p))
			if err != nil {
				t.Errorf("%s lists %s: %v", mpath, p, err)
				continue
			}
			sum := sha256.Sum256(body)
			want := map[string]any{"content_hash": hex.EncodeToString(sum[:]), "size": json.Number(fmt.Sprint(len(body)))}
			if repo := fmt.Sprint(o["repo"]); repo != missingRepo {
				ids := commits[strings.TrimPrefix(repo, "https://github.com/example/")]
				if len(ids) == 0 {
					t.Errorf("%s: output %s names repository %s, which testdata/repos lacks", mpath, p, repo)
					continue
				}
				want["commit"] = ids[len(ids)-1]
				if o["out_of_date_action"] == true {
					want["commit"] = ids[0]
				}
				if _, err := cache.Snapshot(context.Background(), repo, fmt.Sprint(want["commit"])); err != nil {
					t.Errorf("%s: %v", mpath, err)
				}
			} else if _, err := cache.Snapshot(context.Background(), repo, fmt.Sprint(o["commit"])); airlock.ErrorCode(err) != airlock.ENOTFOUND {
				t.Errorf("%s: the legacy-cohort code should be missing from the demo cache, got %v", mpath, err)
			}
			for k, v := range want {
				if o[k] != v {
					if !*update {
						t.Errorf("%s: output %s has %s %v, its bytes say %v (run with -update to rewrite)", mpath, p, k, o[k], v)
					}
					o[k] = v
				}
			}
		}
		if *update {
			out, err := json.MarshalIndent(m, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join("..", "..", "testdata", "workspaces", filepath.FromSlash(mpath)), append(out, '\n'), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// TestDemoUsersMatchJobsite checks testdata/users.json describes each user
// of the reference jobs site's demo as its authorise answer would, so the
// demo's dev sign-in and the jobs site agree on who may do what.
func TestDemoUsersMatchJobsite(t *testing.T) {
	var got map[string]jobsite.UserRecord
	if err := json.Unmarshal(testdata.Users(), &got); err != nil {
		t.Fatal(err)
	}
	cfg := receiver.DemoConfig()
	want := map[string]jobsite.UserRecord{}
	for _, person := range cfg.Users {
		u := airlock.User{Username: person.Username, Fullname: person.Fullname,
			Workspaces: map[string]airlock.WorkspaceAccess{}, CopilotedWorkspaces: map[string]airlock.WorkspaceAccess{}}
		for _, r := range person.Roles {
			u.OutputChecker = u.OutputChecker || r == receiver.RoleOutputChecker
			u.ReadonlyAccess = u.ReadonlyAccess || r == receiver.RoleReadonly
		}
		for _, p := range cfg.Projects {
			ongoing := p.Ongoing
			details := airlock.ProjectDetails{Name: p.Name, Ongoing: &ongoing, Orgs: p.Orgs}
			developer := slices.ContainsFunc(p.Members, func(m receiver.ProjectMember) bool {
				return m.Username == person.Username && m.Role == receiver.ProjectDeveloper
			})
			for _, w := range cfg.Workspaces {
				if w.Project != p.Name {
					continue
				}
				a := airlock.WorkspaceAccess{ProjectDetails: details, Archived: w.Archived}
				if developer {
					u.Workspaces[w.Name] = a
				}
				if p.Copilot == person.Username {
					u.CopilotedWorkspaces[w.Name] = a
				}
			}
		}
		want[person.Username] = jobsite.NewUserRecord(&u)
	}
	gotJSON, _ := json.MarshalIndent(got, "", "  ")
	wantJSON, _ := json.MarshalIndent(want, "", "  ")
	if !bytes.Equal(gotJSON, wantJSON) {
		t.Errorf("testdata/users.json differs from the reference jobs site's demo users; it should be:\n%s", wantJSON)
	}
}

// TestPrepareDemoKeepsEarlierData checks a second start leaves the demo's
// workspaces and users as the first start (and the person) left them.
func TestPrepareDemoKeepsEarlierData(t *testing.T) {
	dir := t.TempDir()
	cfg := &config{WorkDir: dir, WorkspaceDir: filepath.Join(dir, "workspaces"), RepoDir: filepath.Join(dir, "repos")}
	if err := prepareDemo(cfg); err != nil {
		t.Fatal(err)
	}
	notes := filepath.Join(cfg.WorkspaceDir, "cardiac-main", "output", "notes.txt")
	want, err := fs.ReadFile(testdata.Workspaces, "cardiac-main/output/notes.txt")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := os.ReadFile(notes); err != nil || !bytes.Equal(got, want) {
		t.Fatalf("notes.txt = %q, %v; want the testdata file", got, err)
	}
	users, err := os.ReadFile(cfg.DevUsersFile)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(notes, []byte("edited\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg.DevUsersFile = ""
	if err := prepareDemo(cfg); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(notes); string(got) != "edited\n" {
		t.Errorf("a second start overwrote an edited workspace file: %q", got)
	}
	if again, _ := os.ReadFile(cfg.DevUsersFile); !bytes.Equal(again, users) {
		t.Error("a second start rewrote the dev users file")
	}
	leftovers, _ := filepath.Glob(filepath.Join(cfg.WorkspaceDir, ".new-*"))
	if len(leftovers) > 0 {
		t.Errorf("temporary directories left behind: %q", leftovers)
	}
}
