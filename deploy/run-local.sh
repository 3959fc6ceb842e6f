#!/usr/bin/env bash
# Starts a working gateway on this machine with everything it needs:
# PostgreSQL (a local one, started, and installed from Debian if missing,
# when DATABASE_URL is unset), the review-centre and registry simulators
# (when REVIEW_CENTRE_URL / CREDIT_REGISTRY_* are unset), migrations and an
# admin key. Prints the URL and the key; Ctrl-C stops everything it started.
set -euo pipefail
cd "$(dirname "$0")/.."
. deploy/lib.sh

RUN_DIR="${RUN_DIR:-$PWD/.run}"
mkdir -p "$RUN_DIR"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

echo "building gatewayd" >&2
go build -o "$RUN_DIR/gatewayd" ./gateway/cmd/gatewayd
GW="$RUN_DIR/gatewayd"

if [ -z "${DATABASE_URL:-}" ]; then
  ensure_postgres
  psql -h 127.0.0.1 -U postgres -Atc "select 1 from pg_database where datname='gateway'" | grep -q 1 \
    || psql -h 127.0.0.1 -U postgres -qc "create database gateway"
  export DATABASE_URL="postgres://postgres@127.0.0.1:5432/gateway?sslmode=disable"
fi

if [ -z "${REVIEW_CENTRE_URL:-}" ]; then
  "$GW" sim review-centre --addr 127.0.0.1:8081 2>"$RUN_DIR/review-centre.log" &
  pids+=($!)
  export REVIEW_CENTRE_URL="http://127.0.0.1:8081"
fi
port=8082
for region in BJ TJ HE; do
  var="CREDIT_REGISTRY_$region"
  if [ -z "${!var:-}" ]; then
    "$GW" sim registry --region "$region" --addr "127.0.0.1:$port" --records 2000 2>"$RUN_DIR/registry-$region.log" &
    pids+=($!)
    export "$var=http://127.0.0.1:$port"
  fi
  port=$((port + 1))
done

export RANDOM_SEED_SECRET="${RANDOM_SEED_SECRET:-local-demo-secret-$(hostname)}"
export GATEWAY_ADDR="${GATEWAY_ADDR:-127.0.0.1:8080}"
"$GW" migrate
ADMIN_KEY=$("$GW" keys create --role admin --name local-admin)
"$GW" serve 2>>"$RUN_DIR/gateway.log" &
pids+=($!)
for _ in $(seq 1 50); do
  curl -fsS "http://$GATEWAY_ADDR/readyz" >/dev/null 2>&1 && break
  sleep 0.2
done
cat <<MSG
gateway:    http://$GATEWAY_ADDR
admin key:  $ADMIN_KEY
tracking:   http://$GATEWAY_ADDR/track
logs:       $RUN_DIR/*.log
try:        curl -H "Authorization: Bearer \$KEY" http://$GATEWAY_ADDR/v1/ports
Ctrl-C stops the gateway and the simulators.
MSG
wait
