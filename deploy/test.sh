#!/usr/bin/env bash
# Runs every test of the project on a Debian machine with Go: installs what
# the tests need (xmllint, chromium) when missing, starts PostgreSQL if it
# is down, then runs the whole suite (fuzz targets run their seed corpus).
# Installs and module downloads go to .run/install.log (INSTALL_LOG); only
# a failure says a line about them.
set -euo pipefail
cd "$(dirname "$0")/.."
. deploy/lib.sh

apt_install libxml2-utils chromium fonts-noto-cjk
ensure_postgres
logged go mod download || { echo "go mod download failed; see $INSTALL_LOG" >&2; exit 1; }

# CGO_ENABLED is left to Go: it turns cgo off when there is no C compiler,
# as on a fresh Debian machine; forcing it on would fail the build there.
go vet ./...
go test -count=1 -timeout 20m ./...
