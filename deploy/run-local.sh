#!/usr/bin/env bash
# Starts a working gateway on this machine with everything it needs:
# PostgreSQL (a local one, started, and installed from Debian if missing,
# when DATABASE_URL is unset; database "gateway"; a DATABASE_URL given must
# name a database that exists), the review-centre and
# registry simulators (when REVIEW_CENTRE_URL / CREDIT_REGISTRY_* are unset;
# each on a free port), migrations and an admin key. Prints the URL and the
# key; Ctrl-C stops everything it started. GATEWAY_ADDR (default
# 127.0.0.1:8080) and every other variable of `gatewayd serve --help` are
# passed through. The binary is built to bin/gatewayd, to use by hand too;
# logs go to .run/ (package installs to .run/install.log).
set -euo pipefail
cd "$(dirname "$0")/.."
. deploy/lib.sh

RUN_DIR="${RUN_DIR:-$PWD/.run}"
mkdir -p "$RUN_DIR"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

command -v curl >/dev/null 2>&1 || apt_install curl
# The review-centre simulator validates what it receives with xmllint.
command -v xmllint >/dev/null 2>&1 || apt_install libxml2-utils

logged go mod download || { echo "go mod download failed; see $INSTALL_LOG" >&2; exit 1; }
go build -o bin/gatewayd ./gateway/cmd/gatewayd
GW="$PWD/bin/gatewayd"

if [ -z "${DATABASE_URL:-}" ]; then
  ensure_postgres
  psql -w -h 127.0.0.1 -U postgres -Atc "select 1 from pg_database where datname='gateway'" | grep -q 1 \
    || psql -w -h 127.0.0.1 -U postgres -qc "create database gateway"
  export DATABASE_URL="postgres://postgres@127.0.0.1:5432/gateway?sslmode=disable"
fi
if ! "$GW" migrate 2>"$RUN_DIR/migrate.log"; then
  echo "cannot migrate the database of DATABASE_URL (the end of $RUN_DIR/migrate.log below)." >&2
  echo "A DATABASE_URL given must name a database that exists: createdb it first, or unset DATABASE_URL for a local one." >&2
  tail -n 3 "$RUN_DIR/migrate.log" >&2
  exit 1
fi

# start_sim NAME ARGS... starts a simulator on a free port (--addr
# 127.0.0.1:0) and sets SIM_URL to the URL it logs.
start_sim() {
  local name=$1 log="$RUN_DIR/$1.log"
  shift
  : >"$log"
  "$GW" sim "$@" --addr 127.0.0.1:0 2>"$log" &
  local pid=$!
  pids+=("$pid")
  SIM_URL=""
  for _ in $(seq 1 100); do
    SIM_URL=$(grep -o '"url":"[^"]*"' "$log" | head -1 | cut -d'"' -f4 || true)
    [ -n "$SIM_URL" ] && return 0
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "the $name simulator did not start; $log says:" >&2
  cat "$log" >&2
  exit 1
}

if [ -z "${REVIEW_CENTRE_URL:-}" ]; then
  # The simulator's entry ids count from 1; start past those the database
  # already holds from an earlier run, or deliveries stall on a duplicate.
  first=$(psql -w "$DATABASE_URL" -Atc \
    "select coalesce(max(right(entry_id, 9)::bigint), 0) + 1 from declaration where entry_id ~ '^[0-9]{18}\$'" 2>/dev/null || echo 1)
  start_sim review-centre review-centre --first-serial "${first:-1}"
  export REVIEW_CENTRE_URL="$SIM_URL"
fi
for region in BJ TJ HE; do
  var="CREDIT_REGISTRY_$region"
  if [ -z "${!var:-}" ]; then
    start_sim "registry-$region" registry --region "$region" --records 2000
    export "$var=$SIM_URL"
  fi
done

export RANDOM_SEED_SECRET="${RANDOM_SEED_SECRET:-local-demo-secret-$(hostname)}"
export GATEWAY_ADDR="${GATEWAY_ADDR:-127.0.0.1:8080}"
ADMIN_KEY=$("$GW" keys create --role admin --name local-admin)
"$GW" serve --no-migrate 2>>"$RUN_DIR/gateway.log" &
gw_pid=$!
pids+=("$gw_pid")
ready=""
for _ in $(seq 1 100); do
  if curl -fsS "http://$GATEWAY_ADDR/readyz" >/dev/null 2>&1; then ready=1; break; fi
  kill -0 "$gw_pid" 2>/dev/null || break
  sleep 0.2
done
if [ -z "$ready" ]; then
  echo "the gateway did not become ready on $GATEWAY_ADDR; the end of $RUN_DIR/gateway.log:" >&2
  tail -n 20 "$RUN_DIR/gateway.log" >&2
  exit 1
fi
cat <<MSG
gateway:    http://$GATEWAY_ADDR
admin key:  $ADMIN_KEY
tracking:   http://$GATEWAY_ADDR/track
simulators: review centre $REVIEW_CENTRE_URL, registries BJ $CREDIT_REGISTRY_BJ TJ $CREDIT_REGISTRY_TJ HE $CREDIT_REGISTRY_HE
binary:     bin/gatewayd (try: bin/gatewayd translate --port hebei adapters/hebei/testdata/import-coal-lignite.xml)
logs:       $RUN_DIR/*.log
try:        curl -H "Authorization: Bearer $ADMIN_KEY" http://$GATEWAY_ADDR/v1/ports
Ctrl-C stops the gateway and the simulators.
MSG
wait "$gw_pid"
