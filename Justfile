# Tasks for developers. `just` is optional: every recipe is a plain command.

default: check

# staticcheck's and deadcode's versions; .ci/run installs the same ones.
staticcheck_version := "v0.8.2"
deadcode_version := "v0.52.0"

run:
    go run ./cmd/airlock

# Verify the hash chain of the local database's audit log.
audit-verify:
    go run ./cmd/airlock audit verify

test:
    go test -race -count=1 -timeout 30m ./...

fmt:
    test -z "$(gofmt -l .)" || (gofmt -l . && exit 1)

vet:
    go vet ./...

# Fails when `go mod tidy -e` would change go.mod or go.sum (and shows how).
# -e goes past a test dependency of a dependency that the module proxy
# refuses, where plain `go mod tidy` stops.
tidy:
    go mod tidy -e -diff

# staticcheck, installed by `go install` at the pinned version.
lint:
    GOBIN="$(go env GOPATH)/bin" go install honnef.co/go/tools/cmd/staticcheck@{{staticcheck_version}}
    "$(go env GOPATH)/bin/staticcheck" ./...

# Fails when a function is reached by neither a program nor a test.
deadcode:
    GOBIN="$(go env GOPATH)/bin" go install golang.org/x/tools/cmd/deadcode@{{deadcode_version}}
    dead="$("$(go env GOPATH)/bin/deadcode" -test ./...)"; test -z "$dead" || (echo "$dead" && exit 1)

check: fmt vet tidy lint deadcode test

bench:
    go test -run='^$' -bench=. -benchmem ./...

fuzz seconds="20s":
    #!/usr/bin/env bash
    set -euo pipefail
    for pkg in $(go list ./...); do
      for f in $(go test -list '^Fuzz' "$pkg" | grep '^Fuzz' || true); do
        echo "== $pkg $f"
        go test -run='^$' -fuzz="^$f\$" -fuzztime={{seconds}} "$pkg"
      done
    done
