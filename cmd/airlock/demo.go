package main

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/airlock-project/airlock/airlock/jobsite"
	"github.com/airlock-project/airlock/cmd/jobsite/receiver"
	"github.com/airlock-project/airlock/testdata"
	"github.com/airlock-project/airlock/workspaces"
)

// prepareDemo writes the demo's data into the work dir on first start: the
// bare repositories, the sample workspaces and the dev users file, all
// from the fixtures in testdata. What an earlier start wrote is left
// alone, so a demo's requests and edits survive a restart.
func prepareDemo(cfg *config) error {
	if _, err := writeSampleRepos(cfg.RepoDir); err != nil {
		return err
	}
	if err := copyDemoWorkspaces(cfg.WorkspaceDir); err != nil {
		return err
	}
	if cfg.DevUsersFile == "" {
		p, err := ensureDevUsers(cfg.WorkDir)
		if err != nil {
			return fmt.Errorf("demo users: %w", err)
		}
		cfg.DevUsersFile = p
	}
	return nil
}

// copyDemoWorkspaces copies the demo workspaces (testdata/workspaces) into
// dir. Each appears whole or not at all; one that exists already is left
// as it is.
func copyDemoWorkspaces(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	names, err := fs.ReadDir(testdata.Workspaces, ".")
	if err != nil {
		return err
	}
	for _, e := range names {
		name := e.Name()
		target := filepath.Join(dir, name)
		if _, err := os.Stat(filepath.Join(target, filepath.FromSlash(workspaces.ManifestPath))); err == nil {
			continue
		}
		if _, err := os.Lstat(target); err == nil {
			return fmt.Errorf("demo workspace %s exists but has no %s; move it away to let the demo write it again", target, workspaces.ManifestPath)
		}
		src, err := fs.Sub(testdata.Workspaces, name)
		if err != nil {
			return err
		}
		tmp, err := os.MkdirTemp(dir, ".new-"+name+"-")
		if err != nil {
			return err
		}
		err = os.CopyFS(tmp, src)
		if err == nil {
			err = os.Rename(tmp, target)
		}
		if err != nil {
			os.RemoveAll(tmp)
			return fmt.Errorf("write demo workspace %s: %w", name, err)
		}
	}
	return nil
}

// ensureDevUsers writes the demo users file once, from testdata/users.json
// with a random token for each user, and returns its path.
func ensureDevUsers(workDir string) (string, error) {
	p := filepath.Join(workDir, "dev-users.json")
	if _, err := os.Stat(p); err == nil {
		return p, nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return "", err
	}
	var users map[string]jobsite.UserRecord
	if err := json.Unmarshal(testdata.Users(), &users); err != nil {
		return "", fmt.Errorf("testdata/users.json: %w", err)
	}
	out := make(map[string]devUserEntry, len(users))
	for name, u := range users {
		var b [6]byte
		if _, err := rand.Read(b[:]); err != nil {
			return "", err
		}
		out[name] = devUserEntry{Token: "demo " + hex.EncodeToString(b[:]), Details: u}
	}
	b, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		return "", err
	}
	return p, os.WriteFile(p, append(b, '\n'), 0o600)
}

// ensureSessionKeys returns the session keys persisted in the work dir,
// generating a hash key and an encryption key on first start.
func ensureSessionKeys(workDir string) ([][]byte, error) {
	p := filepath.Join(workDir, "session.keys")
	if b, err := os.ReadFile(p); err == nil {
		var keys [][]byte
		for _, line := range strings.Fields(string(b)) {
			k, err := hex.DecodeString(line)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", p, err)
			}
			keys = append(keys, k)
		}
		if len(keys) > 0 && len(keys[0]) >= 32 {
			return keys, nil
		}
		return nil, fmt.Errorf("%s holds no usable keys", p)
	}
	keys := [][]byte{make([]byte, 64), make([]byte, 32)}
	for _, k := range keys {
		if _, err := rand.Read(k); err != nil {
			return nil, err
		}
	}
	text := hex.EncodeToString(keys[0]) + "\n" + hex.EncodeToString(keys[1]) + "\n"
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		return nil, err
	}
	return keys, nil
}

// printDemo prints how to use the demo: where its data is, the reference
// jobs site, and each demo user's sign-in token, read from the dev users
// file as it is now.
func printDemo(w io.Writer, cfg *config, receiverURL string) {
	fmt.Fprintf(w, "\nDEMO MODE: sample workspaces in %s, demo users in %s\n", cfg.WorkspaceDir, cfg.DevUsersFile)
	if !isLoopback(cfg.Listen) {
		fmt.Fprintf(w, "WARNING: demo mode on %s, which is not a loopback address: anyone who can reach it can sign in as any demo user, output checkers included.\n", cfg.Listen)
	}
	fmt.Fprintf(w, "The reference jobs site runs at %s/ (people sign in there with password %q).\n", receiverURL, receiver.DemoPassword)
	fmt.Fprintln(w, "Sign in to airlock with a single-use token made there (Airlock token), with the DEMO MODE user switcher in the header, or with:")
	users, err := (&devUsers{path: cfg.DevUsersFile}).load()
	if err != nil {
		fmt.Fprintf(w, "  (the demo users cannot be listed: %v)\n", err)
	}
	for _, name := range slices.Sorted(maps.Keys(users)) {
		u := users[name].Details.User()
		fmt.Fprintf(w, "  %-20s token %-20q %s (%s)\n", name, users[name].Token, u.DisplayName(), u.RoleSummary())
	}
	fmt.Fprintln(w)
}
