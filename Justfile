# Tasks for developers. `just` is optional: every recipe is a plain command.

default: check

run:
    go run ./cmd/airlock

# Verify the hash chain of the local database's audit log.
audit-verify:
    go run ./cmd/airlock audit verify

test:
    go test -race -count=1 ./...

fmt:
    test -z "$(gofmt -l .)" || (gofmt -l . && exit 1)

vet:
    go vet ./...

check: fmt vet test

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
