// Package testdata holds the project's shared fixtures as real files: the
// demo's sample workspaces (outputs and job-runner manifests), its users,
// and the source trees of its repositories, one directory per commit. The
// demo copies them from here, embedded, so `go run ./cmd/airlock` needs
// nothing else, and tests read the same files: what a newcomer sees in the
// demo is what the tests use.
//
// The go tool skips directories named testdata in ./... patterns, so this
// package is imported by name; its consistency tests (manifest hashes and
// commits, users against the reference jobs site's demo) live in
// cmd/airlock, where `go test ./...` runs them.
package testdata

import (
	"embed"
	"io/fs"
)

//go:embed workspaces repos users.json small.xlsx
var files embed.FS

// Workspaces is the demo's workspaces directory: <name>/output/... and
// <name>/metadata/manifest.json, as the job runner writes them.
var Workspaces = sub("workspaces")

// Repos holds the demo's source repositories as plain trees:
// <repo>/commits.json lists the commits, oldest first, each naming the
// directory <repo>/<tree>/ that holds its files.
var Repos = sub("repos")

// Users is the demo users as the jobs site describes them (its authorise
// answer), keyed by username: the users of the reference jobs site's demo.
func Users() []byte {
	b, err := files.ReadFile("users.json")
	if err != nil {
		panic("testdata: " + err.Error()) // embedded, so it is always there
	}
	return b
}

// SmallXLSX is a small workbook written by hand, for the spreadsheet
// decoder and the viewer that renders its pages: two sheets (one hidden),
// shared and inline strings, numbers, a formula and merged cells.
// TestWriteFixtures in workspaces/content rewrites it.
func SmallXLSX() []byte {
	b, err := files.ReadFile("small.xlsx")
	if err != nil {
		panic("testdata: " + err.Error())
	}
	return b
}

func sub(dir string) fs.FS {
	f, err := fs.Sub(files, dir)
	if err != nil {
		panic("testdata: " + err.Error())
	}
	return f
}
