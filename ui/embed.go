package ui

import "embed"

// assets holds the templates and static files, compiled into the binary so
// that `go run` needs no front-end build step.
//
//go:embed templates static
var assets embed.FS
