package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"time"

	"github.com/airlock-project/airlock/testdata"
	"github.com/airlock-project/airlock/workspaces/coderepo"
)

// demoCommit is one entry of a demo repository's commits.json.
type demoCommit struct {
	Tree    string    `json:"tree"` // the directory beside commits.json holding the commit's files
	Message string    `json:"message"`
	Author  string    `json:"author"`
	Email   string    `json:"email"`
	When    time.Time `json:"when"`
}

// writeSampleRepos creates the demo's bare repositories in dir from the
// source trees in testdata/repos, leaving existing ones alone, and returns
// their commit ids, oldest first. The repositories are built the same way
// every time, so the ids are those the demo manifests record.
func writeSampleRepos(dir string) (map[string][]string, error) {
	repos, err := sampleRepos()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	out := map[string][]string{}
	for name, commits := range repos {
		target := filepath.Join(dir, name+".git")
		_, statErr := os.Stat(target)
		tmp, err := os.MkdirTemp(dir, ".new-"+name+"-")
		if err != nil {
			return nil, err
		}
		ids, err := coderepo.Write(tmp, name, commits)
		if err == nil && errors.Is(statErr, os.ErrNotExist) {
			// A new repository appears whole or not at all; one from an
			// earlier start stays as it is.
			err = os.Rename(filepath.Join(tmp, name+".git"), target)
		}
		os.RemoveAll(tmp)
		if err != nil {
			return nil, fmt.Errorf("write demo repository %s: %w", name, err)
		}
		out[name] = ids
	}
	return out, nil
}

// sampleRepos reads the demo repositories' commits from testdata/repos.
func sampleRepos() (map[string][]coderepo.Commit, error) {
	names, err := fs.ReadDir(testdata.Repos, ".")
	if err != nil {
		return nil, err
	}
	out := map[string][]coderepo.Commit{}
	for _, n := range names {
		b, err := fs.ReadFile(testdata.Repos, path.Join(n.Name(), "commits.json"))
		if err != nil {
			return nil, err
		}
		var list []demoCommit
		if err := json.Unmarshal(b, &list); err != nil {
			return nil, fmt.Errorf("testdata/repos/%s/commits.json: %w", n.Name(), err)
		}
		for _, c := range list {
			files, err := readTree(testdata.Repos, path.Join(n.Name(), c.Tree))
			if err != nil {
				return nil, fmt.Errorf("testdata/repos/%s: %w", n.Name(), err)
			}
			out[n.Name()] = append(out[n.Name()], coderepo.Commit{Message: c.Message, Author: c.Author, Email: c.Email, When: c.When, Files: files})
		}
	}
	return out, nil
}

// readTree reads every file under dir of fsys, keyed by its path below dir.
func readTree(fsys fs.FS, dir string) (map[string]string, error) {
	files := map[string]string{}
	err := fs.WalkDir(fsys, dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(fsys, p)
		files[p[len(dir)+1:]] = string(b)
		return err
	})
	if err == nil && len(files) == 0 {
		err = fmt.Errorf("commit tree %s is empty or missing", dir)
	}
	return files, err
}
