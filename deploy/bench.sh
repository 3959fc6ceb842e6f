#!/usr/bin/env bash
# Measures durable intake against PostgreSQL's own rate on this machine, in
# one run (issue 14), and prints one table with the issue's targets:
#
#   1. a fresh database; gatewayd built; the review-centre simulator
#      without validation and `gatewayd serve`, on free loopback ports; a
#      port key; a corpus of 30,000 generated Tianjin declarations (the
#      generator's mix, seed 14);
#   2. the load: `gatewayd load --corpus` at concurrency 32 for 20 s;
#   3. pgbench with the equivalent transaction (deploy/bench/intake.sql,
#      values from a stored declaration of mean size) at concurrency 32 for
#      15 s, in a second fresh database with the same migrations;
#   4. the drain: the review centre is stopped, 10,000 more declarations
#      are accepted into the outbox, the review centre comes back, and the
#      backlog's drain is timed.
#
# CPU is read from /proc (utime+stime): the gateway's own over the whole
# load, and PostgreSQL's twice. First the sum over every process named
# postgres before and after (with the reaped children's time, so that
# backends that end in between count), as issue 14 measures it; on a
# shared server that includes other users' work. Then the client backends
# of the bench's database only (pg_stat_activity), looked at twice inside
# each run with the number of declarations stored at each look: free of
# other users, but without the WAL writer, checkpointer and autovacuum.
# Peak RSS is the gateway's VmHWM.
#
# Settings (environment): BENCH_CONCURRENCY (32), BENCH_SECONDS (20),
# PGBENCH_SECONDS (15), BENCH_CORPUS_SIZE (30000), BENCH_BACKLOG (10000),
# BENCH_SEED (14), BENCH_KEEP=1 keeps the work folder (logs, corpus, load
# reports). The gateway runs with its defaults, except that the review
# centre's breaker timeout (1s) and the longest retry wait (2s) are short,
# so that the drain starts soon after the outage; neither is used while
# the review centre answers.
#
# Exit status: 0 when the run completed (whether the targets are met or
# not: see the table), 1 when a step failed.
set -euo pipefail
cd "$(dirname "$0")/.."
. deploy/lib.sh

CONC=${BENCH_CONCURRENCY:-32}
LOAD_SECS=${BENCH_SECONDS:-20}
PGBENCH_SECS=${PGBENCH_SECONDS:-15}
[ "$LOAD_SECS" -ge 10 ] 2>/dev/null || { echo "BENCH_SECONDS must be a number >= 10" >&2; exit 2; }
[ "$PGBENCH_SECS" -ge 10 ] 2>/dev/null || { echo "PGBENCH_SECONDS must be a number >= 10" >&2; exit 2; }
# Issue 14 named 20,000 declarations when intake took about 500 a second;
# at over 1,000 a second they ran out before the 20 s were over, so the
# corpus is larger: each declaration is sent once (a resend would be
# answered from the database as a duplicate, which costs less).
CORPUS_N=${BENCH_CORPUS_SIZE:-30000}
BACKLOG=${BENCH_BACKLOG:-10000}
SEED=${BENCH_SEED:-14}
DRAIN_LIMIT=60 # seconds the drain may take before the bench gives up on it

t_start=$(date +%s.%N)
# The work folder (160 MB of corpus) is in memory when it can be: written
# to disk it would compete with PostgreSQL for the disk, and deleting it
# can take long.
WORK=$(mktemp -d -p "$([ -d /dev/shm ] && echo /dev/shm || echo /tmp)" bench.XXXXXX)
DB="bench_$(date +%Y%m%d%H%M%S)_$$"
DBP="${DB}_pgbench"
PSQL=(psql -w -X -q -h 127.0.0.1 -p 5432 -U postgres)
GW="$WORK/gatewayd"
gw_pid="" sim_pid="" corpus_pid="" load_pid="" pgb_pid=""

# The trap stops what the bench started (by pid), drops its databases and
# removes the work folder.
cleanup() {
  local rc=$?
  for p in $corpus_pid $load_pid $pgb_pid; do kill -TERM "$p" 2>/dev/null || true; done
  for p in $gw_pid $sim_pid; do
    kill -CONT "$p" 2>/dev/null || true
    kill -TERM "$p" 2>/dev/null || true
  done
  for p in $gw_pid $sim_pid; do
    for _ in $(seq 1 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$p" 2>/dev/null || true
  done
  "${PSQL[@]}" -d postgres -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "DROP DATABASE IF EXISTS $DBP WITH (FORCE)" \
    >/dev/null 2>&1 || true
  [ -n "${t_start:-}" ] && printf 'stopped and cleaned up; %.0f s in all\n' "$(echo "$(date +%s.%N) - $t_start" | bc -l)" >&2
  if [ "${BENCH_KEEP:-}" = 1 ]; then
    echo "work folder kept: $WORK" >&2
  else
    rm -rf "$WORK"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say() { printf '%s  %s\n' "$(date +%T)" "$*" >&2; }
fail() { echo "bench: $*" >&2; exit 1; }
q() { "${PSQL[@]}" -d "$DB" -Atc "$1"; }

# --- CPU and memory from /proc ------------------------------------------
TCK=$(getconf CLK_TCK)
# proc_ticks PID: utime+stime of a process, in clock ticks.
proc_ticks() { awk '{sub(/.*\) /, ""); print $12 + $13}' "/proc/$1/stat"; }
# pg_ticks: utime+stime+cutime+cstime of every process named postgres
# (cutime: backends that ended are reaped by the postmaster).
pg_ticks() {
  { cat /proc/[0-9]*/stat 2>/dev/null || true; } | awk '$2 == "(postgres)" {t += $14 + $15 + $16 + $17} END {print t + 0}'
}
# machine: busy and total jiffies of all CPUs.
machine() { awk '/^cpu / {t = 0; for (i = 2; i <= 9; i++) t += $i; print t - $5 - $6, t}' /proc/stat; }
# snap DB FILE: one look at a database in a run: in FILE.n the number of
# declarations stored, in FILE "pid ticks" of each client backend
# connected to it, read right after the same query saw them.
snap() {
  local n pids f files=()
  read -r n pids < <("${PSQL[@]}" -d "$1" -Atc "SELECT (SELECT count(*) FROM declaration) || ' ' ||
      coalesce(string_agg(pid::text, ' '), '') FROM pg_stat_activity
      WHERE datname = current_database() AND backend_type = 'client backend' AND pid <> pg_backend_pid()")
  for f in $pids; do files+=("/proc/$f/stat"); done
  { [ ${#files[@]} -eq 0 ] || cat "${files[@]}" 2>/dev/null || true; } \
    | awk '{pid = $1; sub(/.*\) /, ""); print pid, $12 + $13}' >"$2"
  echo "$n" >"$2.n"
}
# snap_ms FILE0 FILE1: ms of CPU of the backends per declaration stored
# between two looks; a backend that appeared in between counts whole (its
# life is in the window), one that ended is lost: the looks are taken
# inside a run, where the pools keep their connections.
snap_ms() {
  local ticks n
  ticks=$(awk 'FILENAME == ARGV[1] {a[$1] = $2; next} {d += $2 - ($1 in a ? a[$1] : 0)} END {print d + 0}' "$1" "$2")
  n=$(( $(cat "$2.n") - $(cat "$1.n") ))
  [ "$n" -gt 0 ] || fail "no declaration stored between two looks at the backends ($1, $2)"
  ms_per "$ticks" "$n"
}
hwm_mb() { awk '/^VmHWM/ {printf "%.0f", $2 / 1024}' "/proc/$1/status"; }
ms_per() { echo "scale=4; $1 * 1000 / $TCK / $2" | bc -l; } # ms_per TICKS COUNT
busy_pct() { echo "scale=1; 100 * ($3 - $1) / ($4 - $2)" | bc -l; } # busy0 total0 busy1 total1

# --- set-up --------------------------------------------------------------
say "PostgreSQL, tools"
ensure_postgres
command -v pgbench >/dev/null 2>&1 || apt_install postgresql-client 2>>"$WORK/apt.log" \
  || fail "installing pgbench failed (see $WORK/apt.log)"
command -v jq >/dev/null 2>&1 || apt_install jq 2>>"$WORK/apt.log" || fail "installing jq failed"
command -v bc >/dev/null 2>&1 || apt_install bc 2>>"$WORK/apt.log" || fail "installing bc failed"
[ -x /usr/bin/time ] || apt_install time 2>>"$WORK/apt.log" || fail "installing time failed"
command -v curl >/dev/null 2>&1 || apt_install curl 2>>"$WORK/apt.log" || fail "installing curl failed"

say "building gatewayd"
go build -o "$GW" ./gateway/cmd/gatewayd
# The corpus is written meanwhile the rest is set up.
say "corpus: $CORPUS_N Tianjin declarations (in the background)"
"$GW" load --out "$WORK/corpus" --port tianjin --count "$CORPUS_N" --seed "$SEED" >"$WORK/corpus.txt" 2>&1 &
corpus_pid=$!

say "databases $DB and $DBP"
"${PSQL[@]}" -d postgres -c "CREATE DATABASE $DB" -c "CREATE DATABASE $DBP"
export DATABASE_URL="postgres://postgres@127.0.0.1:5432/$DB?sslmode=disable"
DBP_URL="postgres://postgres@127.0.0.1:5432/$DBP?sslmode=disable"
"$GW" migrate >"$WORK/migrate.log" 2>&1 || { cat "$WORK/migrate.log" >&2; fail "migrate failed"; }
DATABASE_URL="$DBP_URL" "$GW" migrate >>"$WORK/migrate.log" 2>&1 || { cat "$WORK/migrate.log" >&2; fail "migrate failed"; }

# log_addr LOG PID MSG KEY: the value of KEY on the line with MSG that a
# process logs once it listens.
log_addr() {
  local log=$1 pid=$2 msg=$3 key=$4 v=""
  for _ in $(seq 1 150); do
    v=$(grep -F "$msg" "$log" | grep -o "\"$key\":\"[^\"]*\"" | head -1 | cut -d'"' -f4 || true)
    [ -n "$v" ] && { echo "$v"; return 0; }
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "no $key in $log:" >&2
  tail -5 "$log" >&2
  return 1
}
# start_sim ADDR FIRST_SERIAL: the review centre without validation.
start_sim() {
  : >"$WORK/sim.log"
  "$GW" sim review-centre --no-validate --addr "$1" --first-serial "$2" 2>>"$WORK/sim.log" &
  sim_pid=$!
  SIM_URL=$(log_addr "$WORK/sim.log" "$sim_pid" "simulator listening" url) || fail "the review-centre simulator did not start"
}

say "review-centre simulator and gatewayd serve"
start_sim 127.0.0.1:0 1
SIM_ADDR=${SIM_URL#http://}
export REVIEW_CENTRE_URL="$SIM_URL" GATEWAY_ADDR=127.0.0.1:0 RANDOM_SEED_SECRET="bench-$$"
export REVIEW_CENTRE_BREAKER_TIMEOUT=1s OUTBOX_RETRY_CAP=2s
# One port key sends the whole vessel: the per-key rate (KEY_RATE_LIMIT,
# 200/s by default) would measure the limit, not intake.
export KEY_RATE_LIMIT=0
"$GW" serve --no-migrate 2>"$WORK/gateway.log" &
gw_pid=$!
GW_ADDR=$(log_addr "$WORK/gateway.log" "$gw_pid" "gateway listening" addr) || fail "the gateway did not start"
GW_URL="http://$GW_ADDR"
for _ in $(seq 1 100); do curl -fsS "$GW_URL/readyz" >/dev/null 2>&1 && break; sleep 0.1; done
curl -fsS "$GW_URL/readyz" >/dev/null || fail "the gateway is not ready at $GW_URL"
KEY=$("$GW" keys create --role port --scope tianjin --name bench)

wait "$corpus_pid" || { cat "$WORK/corpus.txt" >&2; fail "writing the corpus failed"; }
corpus_pid=""

# --- 1. intake -----------------------------------------------------------
say "load: concurrency $CONC for ${LOAD_SECS}s"
read -r m_busy0 m_tot0 < <(machine)
gw0=$(proc_ticks "$gw_pid"); sim0=$(proc_ticks "$sim_pid"); pg0=$(pg_ticks)
/usr/bin/time -f '%U %S' -o "$WORK/load.time" \
  "$GW" load --corpus "$WORK/corpus" --url "$GW_URL" --key "$KEY" --port tianjin \
  --concurrency "$CONC" --duration "${LOAD_SECS}s" --report json >"$WORK/load.json" 2>"$WORK/load.err" &
load_pid=$!
# The backends are looked at inside the run (from 3 s after the start to 4 s
# before the end): at its end the load client abandons the requests in
# flight, and the driver closes the connections they were using.
sleep 3
snap "$DB" "$WORK/intake.0"
sleep $((LOAD_SECS - 7))
snap "$DB" "$WORK/intake.1"
wait "$load_pid" || true # 1 when an answer was not 2xx: the table says
gw1=$(proc_ticks "$gw_pid"); sim1=$(proc_ticks "$sim_pid"); pg1=$(pg_ticks)
read -r m_busy1 m_tot1 < <(machine)
jq -e .sent "$WORK/load.json" >/dev/null 2>&1 || { cat "$WORK/load.err" >&2; fail "the load did not report"; }
backlog_end=$(q "SELECT count(*) FROM outbox WHERE state NOT IN ('completed', 'discarded')")
sleep 3
backlog_3s=$(q "SELECT count(*) FROM outbox WHERE state NOT IN ('completed', 'discarded')")
rss_mb=$(hwm_mb "$gw_pid")

sent=$(jq .sent "$WORK/load.json")
created=$(jq '.byStatus["201"] // 0' "$WORK/load.json")
elapsed=$(jq .elapsedSeconds "$WORK/load.json")
errors=$((sent - created))
intake=$(echo "scale=1; $created / $elapsed" | bc -l)
p50=$(jq '.latencyMs.p50' "$WORK/load.json"); p90=$(jq '.latencyMs.p90' "$WORK/load.json")
p99=$(jq '.latencyMs.p99' "$WORK/load.json")
[ "$created" -gt 0 ] || fail "no declaration was accepted: $(jq -r .firstError "$WORK/load.json")"
[ "$sent" -lt "$CORPUS_N" ] || say "warning: the corpus ran out before ${LOAD_SECS}s; raise BENCH_CORPUS_SIZE"
gw_ms=$(ms_per $((gw1 - gw0)) "$created")
sim_ms=$(ms_per $((sim1 - sim0)) "$created")
pg_ms=$(ms_per $((pg1 - pg0)) "$created")
pg_own_ms=$(snap_ms "$WORK/intake.0" "$WORK/intake.1")
read -r lu ls < <(tail -1 "$WORK/load.time")
load_ms=$(echo "scale=4; ($lu + $ls) * 1000 / $created" | bc -l)
load_busy=$(busy_pct "$m_busy0" "$m_tot0" "$m_busy1" "$m_tot1")

# The values of the pgbench transaction: the stored declaration closest
# to the run's mean sizes of document and canonical XML.
read -r doc_avg xml_avg < <(q "SELECT round(avg(octet_length(doc::text))), round(avg(octet_length(canonical))) FROM declaration" | tr '|' ' ')
sample=$(q "SELECT id FROM declaration ORDER BY abs(octet_length(doc::text) - $doc_avg) + abs(octet_length(canonical) - $xml_avg) LIMIT 1")
q "SELECT doc::text FROM declaration WHERE id = '$sample'" | jq -c . >"$WORK/doc.json"
q "SELECT '\\x' || encode(canonical, 'hex') FROM declaration WHERE id = '$sample'" >"$WORK/canonical.hex"
q "SELECT coalesce(data::text, 'null') FROM timeline WHERE declaration_id = '$sample' ORDER BY id LIMIT 1" | jq -c . >"$WORK/tldata.json"
enterprises=$(q "SELECT enterprises::text FROM declaration WHERE id = '$sample'")
digest=$(q "SELECT digest FROM declaration WHERE id = '$sample'")
doc_bytes=$(($(wc -c <"$WORK/doc.json") - 1))
xml_bytes=$(q "SELECT octet_length(canonical) FROM declaration WHERE id = '$sample'")

# --- 2. pgbench ----------------------------------------------------------
# The gateway and the simulator are paused meanwhile: their pollers would
# otherwise add queries (and CPU) to the figure.
say "pgbench: concurrency $CONC for ${PGBENCH_SECS}s"
kill -STOP "$gw_pid" "$sim_pid"
read -r m_busy0 m_tot0 < <(machine)
pg0=$(pg_ticks)
pgbench -n -M prepared -c "$CONC" -j 2 -T "$PGBENCH_SECS" -h 127.0.0.1 -p 5432 -U postgres \
  -f deploy/bench/intake.sql \
  -D "doc=$(cat "$WORK/doc.json")" -D "canonical=$(cat "$WORK/canonical.hex")" \
  -D "tldata=$(cat "$WORK/tldata.json")" -D "enterprises=$enterprises" -D "digest=$digest" \
  "$DBP" >"$WORK/pgbench.out" 2>"$WORK/pgbench.err" &
pgb_pid=$!
# pgbench's backends end with it: they are looked at inside the run, from
# 3 s after its start to about 4 s before its end.
sleep 3
snap "$DBP" "$WORK/pgbench.0"
sleep $((PGBENCH_SECS - 6))
snap "$DBP" "$WORK/pgbench.1"
wait "$pgb_pid" || { tail -20 "$WORK/pgbench.err" >&2; fail "pgbench failed"; }
pg1=$(pg_ticks)
read -r m_busy1 m_tot1 < <(machine)
kill -CONT "$gw_pid" "$sim_pid"
pgb_tx=$(awk -F': ' '/number of transactions actually processed/ {split($2, a, "/"); print a[1]}' "$WORK/pgbench.out")
pgb_tps=$(awk '/^tps = / {printf "%.1f", $3}' "$WORK/pgbench.out")
pgb_failed=$(awk -F': ' '/number of failed transactions/ {split($2, a, " "); print a[1]}' "$WORK/pgbench.out")
[ -n "$pgb_tx" ] && [ "$pgb_tx" -gt 0 ] || { cat "$WORK/pgbench.out" "$WORK/pgbench.err" >&2; fail "pgbench ran no transaction"; }
rows=$("${PSQL[@]}" -d "$DBP" -Atc "SELECT (SELECT count(*) FROM declaration) || ' ' || (SELECT count(*) FROM timeline) || ' ' || (SELECT count(*) FROM outbox)")
[ "$rows" = "$pgb_tx $pgb_tx $pgb_tx" ] || fail "pgbench's $pgb_tx transactions left rows $rows (declaration, timeline, outbox)"
pgb_ms=$(ms_per $((pg1 - pg0)) "$pgb_tx")
pgb_own_ms=$(snap_ms "$WORK/pgbench.0" "$WORK/pgbench.1")
pgb_busy=$(busy_pct "$m_busy0" "$m_tot0" "$m_busy1" "$m_tot1")

# --- 3. drain of a backlog -------------------------------------------------
say "drain: the review centre stopped, $BACKLOG declarations accepted"
kill -TERM "$sim_pid"
wait "$sim_pid" 2>/dev/null || true
sim_pid=""
set +e
"$GW" load --url "$GW_URL" --key "$KEY" --port tianjin --concurrency "$CONC" --count "$BACKLOG" --duration 60s \
  --seed $((SEED + 1000)) --report json >"$WORK/backlog.json" 2>"$WORK/backlog.err"
set -e
backlog=$(q "SELECT count(*) FROM outbox WHERE state NOT IN ('completed', 'discarded')")
[ "$backlog" -ge "$BACKLOG" ] || say "warning: the backlog is $backlog, not $BACKLOG ($(jq -r '.firstError // empty' "$WORK/backlog.json"))"
first=$(q "SELECT coalesce(max(right(entry_id, 9)::bigint), 0) + 1 FROM declaration WHERE entry_id ~ '^[0-9]{18}\$'")
say "drain: the review centre is back"
start_sim "$SIM_ADDR" "$first"
t_back=$(date +%s.%N)
t_first="" n_first="" t_empty="" left=$backlog
while :; do
  now=$(date +%s.%N)
  left=$(q "SELECT count(*) FROM outbox WHERE state NOT IN ('completed', 'discarded')")
  if [ -z "$t_first" ] && [ "$left" -lt "$backlog" ]; then t_first=$now n_first=$left; fi
  [ "$left" -eq 0 ] && { t_empty=$now; break; }
  [ "$(echo "$now - $t_back > $DRAIN_LIMIT" | bc)" = 1 ] && break
  sleep 0.2
done
# The rate from the first look that saw the backlog shrink to the look that
# saw it empty; the wait before (the breaker's probe) is reported apart.
if [ -n "$t_empty" ] && [ -n "$t_first" ] && [ "$n_first" -gt 0 ]; then
  drain=$(echo "scale=1; $n_first / ($t_empty - $t_first)" | bc -l)
  drain_note=$(printf '%d in %.1f s, first delivery %.1f s after the restart' "$backlog" \
    "$(echo "$t_empty - $t_back" | bc -l)" "$(echo "$t_first - $t_back" | bc -l)")
elif [ -n "$t_first" ]; then
  drain=$(echo "scale=1; ($n_first - $left) / ($(date +%s.%N) - $t_first)" | bc -l)
  drain_note="not empty after ${DRAIN_LIMIT}s: $left left"
else
  drain=0 drain_note="nothing delivered in ${DRAIN_LIMIT}s"
fi
rss_end_mb=$(hwm_mb "$gw_pid")

# --- the table ------------------------------------------------------------
pass() { [ "$(echo "$1" | bc -l)" = 1 ] && echo PASS || echo FAIL; }
ratio=$(echo "scale=3; $intake / $pgb_tps" | bc -l)
pg_ratio=$(echo "scale=3; $pg_ms / $pgb_ms" | bc -l)
f1() { printf '%.1f' "$1"; }
f2() { printf '%.2f' "$1"; }
mix=$(jq -r '.byKind | to_entries | map("\(.key) \(.value)") | join(", ")' "$WORK/load.json")

cat <<TABLE

| figure | measured | target (issue 14) | |
| --- | --- | --- | --- |
| durable intake (201s per second), c=$CONC, ${LOAD_SECS} s | $(f1 "$intake") /s ($created accepted) | ≥ 0.5 × pgbench = $(f1 "$(echo "$pgb_tps / 2" | bc -l)") /s | $(pass "$intake >= $pgb_tps / 2") |
| latency p50 / p90 / p99 | $(f1 "$p50") / $(f1 "$p90") / $(f1 "$p99") ms | p99 ≤ 100 ms | $(pass "$p99 <= 100") |
| errors (answers other than 201) | $errors of $sent | 0 | $(pass "$errors == 0") |
| pgbench, same rows and sizes, c=$CONC, ${PGBENCH_SECS} s | $(f1 "$pgb_tps") TPS ($pgb_tx, ${pgb_failed:-0} failed) | | |
| intake ÷ pgbench | $(f2 "$ratio") | ≥ 0.50 | $(pass "$ratio >= 0.5") |
| gateway peak RSS (VmHWM) | $rss_mb MB | ≤ 256 MB | $(pass "$rss_mb <= 256") |
| gateway CPU per declaration | $(f2 "$gw_ms") ms | | |
| PostgreSQL CPU per declaration, all postgres processes | $(f2 "$pg_ms") ms | ≤ 1.5 × pgbench's = $(f2 "$(echo "1.5 * $pgb_ms" | bc -l)") ms | $(pass "$pg_ms <= 1.5 * $pgb_ms") |
| PostgreSQL CPU per pgbench transaction, all postgres processes | $(f2 "$pgb_ms") ms | | |
| PostgreSQL CPU per declaration, the bench database's backends only | $(f2 "$pg_own_ms") ms | ≤ 1.5 × pgbench's = $(f2 "$(echo "1.5 * $pgb_own_ms" | bc -l)") ms | $(pass "$pg_own_ms <= 1.5 * $pgb_own_ms") |
| PostgreSQL CPU per pgbench transaction, its backends only | $(f2 "$pgb_own_ms") ms | | |
| outbox backlog at the end of the load / 3 s later | $backlog_end / $backlog_3s | 0 three seconds later (keeps up) | $(pass "$backlog_3s == 0") |
| drain of a $BACKLOG backlog | $(f1 "$drain") /s ($drain_note) | ≥ intake = $(f1 "$intake") /s | $(pass "$drain >= $intake") |

- sizes: corpus mean $(($(jq .bytes "$WORK/load.json") / sent)) bytes sent; stored document mean $doc_avg bytes (jsonb as text), canonical XML mean $xml_avg bytes; pgbench's values: document $doc_bytes bytes, canonical XML $xml_bytes bytes (declaration $sample)
- sent by kind: $mix
- CPU per declaration besides: review-centre simulator $(f2 "$sim_ms") ms, load client $(f2 "$load_ms") ms; gateway peak RSS at the end of the drain $rss_end_mb MB
- machine busy (all cores, every process): $(f1 "$load_busy") % during the load, $(f1 "$pgb_busy") % during pgbench; the all-processes PostgreSQL figures include the background writers and any other user of the server
- $(nproc) cores, $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo), $(awk '/MemTotal/ {printf "%.0f GB", $2 / 1048576}' /proc/meminfo); PostgreSQL $("${PSQL[@]}" -d postgres -Atc 'SHOW server_version' | cut -d' ' -f1), $("${PSQL[@]}" -d postgres -Atc 'SHOW synchronous_commit' | sed 's/^/synchronous_commit /'); $(go env GOVERSION); $(date -u +%Y-%m-%dT%H:%MZ); $(printf '%.0f' "$(echo "$(date +%s.%N) - $t_start" | bc -l)") s to this table
TABLE
