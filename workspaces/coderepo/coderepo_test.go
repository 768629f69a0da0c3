package coderepo_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/airlock-project/airlock/airlock"
	"github.com/airlock-project/airlock/workspaces/coderepo"
)

var when = time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC)

func writeStudy(t *testing.T, dir string) []string {
	t.Helper()
	ids, err := coderepo.Write(dir, "my-study", []coderepo.Commit{
		{Message: "First analysis\n\nlonger text", Author: "Ada", Email: "ada@example.org", When: when, Files: map[string]string{
			"project.yaml":         "version: '4.0'\n",
			"analysis/model.R":     "fit <- lm(y ~ x)\n",
			"analysis/a.py":        "print('a')\n",
			"analysis/sub/deep.do": "regress y x\n",
			"README.md":            "# Study\n",
		}},
		{Message: "Second", Author: "Ada", Email: "ada@example.org", When: when.Add(time.Hour), Files: map[string]string{
			"project.yaml":     "version: '4.0'\nactions: {}\n",
			"analysis/model.R": "fit <- glm(y ~ x)\n",
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

func code(err error) string {
	var e *airlock.Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

func TestSnapshotListsAndReadsACommit(t *testing.T) {
	dir := t.TempDir()
	ids := writeStudy(t, dir)
	c := coderepo.NewCache(dir)
	ctx := context.Background()

	s, err := c.Snapshot(ctx, "https://github.com/org/my-study", ids[0])
	if err != nil {
		t.Fatal(err)
	}
	if c := s.Commit(); c.Repo != "my-study" || c.ID != ids[0] || c.Message != "First analysis" || c.Author != "Ada" || s.FileCount() != 5 {
		t.Errorf("snapshot = %+v with %d files", c, s.FileCount())
	}
	root, err := s.Children("")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range root {
		names = append(names, e.Name)
	}
	if got := strings.Join(names, ","); got != "analysis,project.yaml,README.md" {
		t.Errorf("root = %s, want folders first then files by name", got)
	}
	sub, _ := s.Children("analysis")
	if len(sub) != 3 || !sub[0].IsDir || sub[0].Path != "analysis/sub" || sub[1].Path != "analysis/a.py" || sub[1].Size != int64(len("print('a')\n")) {
		t.Errorf("analysis = %+v", sub)
	}
	if !s.IsDir("analysis/sub") || s.IsDir("analysis/a.py") || !s.IsFile("analysis/sub/deep.do") || s.IsFile("analysis") {
		t.Error("IsDir/IsFile disagree with the tree")
	}
	b, err := s.ReadFile("analysis/model.R")
	if err != nil || string(b) != "fit <- lm(y ~ x)\n" {
		t.Errorf("ReadFile = %q, %v", b, err)
	}

	// The second commit has its own tree; an abbreviated id finds it.
	s2, err := c.Snapshot(ctx, "https://github.com/org/my-study.git", ids[1][:10])
	if err != nil {
		t.Fatal(err)
	}
	if s2.Commit().ID != ids[1] || s2.FileCount() != 2 {
		t.Errorf("second commit = %s with %d files", s2.Commit().ID, s2.FileCount())
	}
	b, _ = s2.ReadFile("analysis/model.R")
	if string(b) != "fit <- glm(y ~ x)\n" {
		t.Errorf("second commit's model.R = %q", b)
	}
	if id1, _ := s.BlobID("analysis/model.R"); id1 == "" {
		t.Error("no blob id")
	} else if id2, _ := s2.BlobID("analysis/model.R"); id1 == id2 {
		t.Error("different contents share a blob id")
	}
}

func TestSnapshotRefusesWhatItCannotShow(t *testing.T) {
	dir := t.TempDir()
	ids := writeStudy(t, dir)
	ctx := context.Background()
	c := coderepo.NewCache(dir)
	for _, tc := range []struct {
		name, cache, repo, commit, code string
	}{
		{"no cache configured", "", "https://github.com/org/my-study", ids[0], airlock.ENOTFOUND},
		{"no repository recorded", dir, "", ids[0], airlock.ENOTFOUND},
		{"repository not cached", dir, "https://github.com/org/other", ids[0], airlock.ENOTFOUND},
		{"commit not in repository", dir, "https://github.com/org/my-study", strings.Repeat("ab", 20), airlock.ENOTFOUND},
		{"short commit not in repository", dir, "https://github.com/org/my-study", "abcdef1", airlock.ENOTFOUND},
		{"branch names are not commits", dir, "https://github.com/org/my-study", "main", airlock.EINVALID},
		{"option-like commit", dir, "https://github.com/org/my-study", "--all", airlock.EINVALID},
		{"traversal in repository name", dir, "https://github.com/org/..", ids[0], airlock.EINVALID},
		{"odd repository name", dir, "https://github.com/org/a b", ids[0], airlock.EINVALID},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cc := c
			if tc.cache != dir {
				cc = coderepo.NewCache(tc.cache)
			}
			_, err := cc.Snapshot(ctx, tc.repo, tc.commit)
			if code(err) != tc.code {
				t.Errorf("err = %v (%s), want code %s", err, code(err), tc.code)
			}
			if err != nil && strings.Contains(err.Error(), dir) {
				t.Errorf("message reveals the cache directory: %v", err)
			}
		})
	}
	s, err := c.Snapshot(ctx, "https://github.com/org/my-study", ids[0])
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.ReadFile("analysis"); code(err) != airlock.ENOTFOUND {
		t.Errorf("reading a folder: %v", err)
	}
	if _, err := s.Children("nowhere"); code(err) != airlock.ENOTFOUND {
		t.Errorf("listing a missing folder: %v", err)
	}
}

func TestRepoNameAndValidCommit(t *testing.T) {
	for in, want := range map[string]string{
		"https://github.com/org/study":      "study",
		"https://github.com/org/study.git":  "study",
		"https://github.com/org/study/":     "study",
		"git@github.com:org/study-2.git":    "study-2",
		"https://example.org/a/b/c_d.e":     "c_d.e",
		"https://github.com/org/../../etc":  "etc",
		"https://github.com/org/bad%2fname": "",
		"":                                  "",
	} {
		got, err := coderepo.RepoName(in)
		if want == "" && err == nil || want != "" && got != want {
			t.Errorf("RepoName(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for in, want := range map[string]bool{
		"0123456789abcdef0123456789abcdef01234567": true, "ABCDEF1": true, "abc": false,
		"main": false, "HEAD": false, "abc~1": false, "": false, strings.Repeat("a", 65): false,
	} {
		if got := coderepo.ValidCommit(in); got != want {
			t.Errorf("ValidCommit(%q) = %v", in, got)
		}
	}
}

// TestWrittenRepositoriesAreRealGit checks Write against the git program,
// both ways: git accepts what Write makes, and the cache reads what git
// makes, also once packed.
func TestWrittenRepositoriesAreRealGit(t *testing.T) {
	gitBin, err := exec.LookPath("git")
	if err != nil {
		t.Skip("git is not installed; the interoperability check needs it")
	}
	dir := t.TempDir()
	ids := writeStudy(t, dir)
	run := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(gitBin, args...)
		cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "HOME="+dir,
			"GIT_AUTHOR_NAME=B", "GIT_AUTHOR_EMAIL=b@example.org", "GIT_COMMITTER_NAME=B", "GIT_COMMITTER_EMAIL=b@example.org")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	bare := filepath.Join(dir, "my-study.git")
	run("--git-dir", bare, "fsck", "--strict")
	if got := run("--git-dir", bare, "rev-parse", "main"); got != ids[1] {
		t.Errorf("main = %s, want %s", got, ids[1])
	}
	if got := run("--git-dir", bare, "show", ids[0]+":analysis/sub/deep.do"); got != "regress y x" {
		t.Errorf("git show = %q", got)
	}

	// A repository made by git, then packed as a fetched cache would be.
	work := filepath.Join(dir, "work")
	run("init", "-q", "-b", "main", work)
	if err := os.MkdirAll(filepath.Join(work, "code"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(work, "code", "x.sql"), []byte("select 1;\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	run("-C", work, "add", ".")
	run("-C", work, "commit", "-q", "-m", "sql")
	head := run("-C", work, "rev-parse", "HEAD")
	run("clone", "-q", "--bare", work, filepath.Join(dir, "packed.git"))
	run("--git-dir", filepath.Join(dir, "packed.git"), "gc", "-q")
	s, err := coderepo.NewCache(dir).Snapshot(context.Background(), "https://github.com/org/packed", head)
	if err != nil {
		t.Fatal(err)
	}
	if b, err := s.ReadFile("code/x.sql"); err != nil || string(b) != "select 1;\n" {
		t.Errorf("packed read = %q, %v", b, err)
	}
}

func TestWriteIsDeterministic(t *testing.T) {
	a, b := writeStudy(t, t.TempDir()), writeStudy(t, t.TempDir())
	if strings.Join(a, ",") != strings.Join(b, ",") {
		t.Errorf("ids differ: %v vs %v", a, b)
	}
}
