#!/usr/bin/env bash
# Runs every test of the project on a Debian machine with Go: installs what
# the tests need (xmllint, chromium), starts PostgreSQL if it is down, then
# runs the whole suite (fuzz targets run their seed corpus).
set -euo pipefail
cd "$(dirname "$0")/.."
. deploy/lib.sh

apt_install libxml2-utils chromium fonts-noto-cjk
ensure_postgres

# CGO_ENABLED is left to Go: it turns cgo off when there is no C compiler,
# as on a fresh Debian machine; forcing it on would fail the build there.
go vet ./...
go test -count=1 -timeout 20m ./...
