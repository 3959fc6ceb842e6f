#!/usr/bin/env bash
# The instruction-count yardstick of issue 14 point 4: the gateway's whole
# in-process pipeline (decode, validate, route, canonical XML, JSON: the
# test TestCorpusPipeline of internal/pipelinebench) against libxslt's
# mapping alone (xsltproc with deploy/bench/tianjin-to-canonical.xsl), on
# the same generated Tianjin files, both counted by callgrind. Instruction
# counts do not depend on how busy the machine is.
#
# Each side runs twice, over N files and over the first one; the
# difference divided by N-1 is instructions per message without start-up
# (process start, code tables, stylesheet compilation). Go runs with
# GOMAXPROCS=1 and GODEBUG=asyncpreemptoff=1, so that its count includes
# the garbage collector's work and is repeatable, and with the garbage
# collector's settings of `gatewayd serve` (GOGC=400, GOMEMLIMIT=192MiB:
# gateway/cmd/gatewayd/gc.go) unless the environment sets GOGC or
# GOMEMLIMIT, so that it counts what the gateway does. cpu.rdtscp=off:
# on CPUs with RDTSCP the runtime reads its clock with that instruction,
# which valgrind 3.19 cannot decode (SIGILL); the fallback reads the same
# clock with RDTSC, an instruction or two per reading.
#
#   deploy/bench-pipeline.sh            # N=200 files, about 2 minutes
#   PIPELINE_FILES=50 deploy/bench-pipeline.sh
#   BENCH_CORPUS=DIR deploy/bench-pipeline.sh   # files written by `gatewayd load --out`
#
# Installs valgrind and xsltproc when missing (apt-get, logged to the
# work folder). Prints one table; exit status 0 whether the target is met
# or not, 1 when a step fails.
set -euo pipefail
cd "$(dirname "$0")/.."
. deploy/lib.sh

N=${PIPELINE_FILES:-200}
SEED=${BENCH_SEED:-14}
XSL=deploy/bench/tianjin-to-canonical.xsl
TARGET_RATIO=1.3 # issue 14 point 4: pipeline >= 1.3 x libxslt's mapping
# The issue also states the target as a count: <= 3.4 M instructions per
# message on the corpus (its libxslt figure, 4.41 M, divided by 1.3). On
# this machine libxslt counts fewer (about 3.2 M), so the two differ; the
# table prints both, and the ratio in the same run is the one that counts.
TARGET_ABS=3400000
[ "$N" -ge 2 ] 2>/dev/null || { echo "PIPELINE_FILES must be a number >= 2" >&2; exit 2; }

WORK=$(mktemp -d -p "$([ -d /dev/shm ] && echo /dev/shm || echo /tmp)" bench-pipeline.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
trap 'exit 130' INT TERM
t_start=$(date +%s)

if ! command -v valgrind >/dev/null 2>&1 || ! command -v xsltproc >/dev/null 2>&1 \
   || ! command -v callgrind_annotate >/dev/null 2>&1; then
  apt_install valgrind xsltproc 2>>"$WORK/apt.log" \
    || { echo "installing valgrind and xsltproc failed:" >&2; cat "$WORK/apt.log" >&2; exit 1; }
fi

echo "building gatewayd and the pipeline benchmark's test binary" >&2
go build -o "$WORK/gatewayd" ./gateway/cmd/gatewayd
go test -c -o "$WORK/pipeline.test" ./internal/pipelinebench

# The corpus: the first N files of bench.sh's (same generator, same seed),
# or of BENCH_CORPUS. Two folders, N files and one, so that listing them
# costs next to nothing and cancels out.
if [ -n "${BENCH_CORPUS:-}" ]; then
  src=$BENCH_CORPUS
else
  src="$WORK/corpus"
  "$WORK/gatewayd" load --out "$src" --port tianjin --count "$N" --seed "$SEED" >&2
fi
mkdir -p "$WORK/n" "$WORK/one"
mapfile -t files < <(ls "$src" | grep -E '\.xml$' | sort | head -n "$N")
[ "${#files[@]}" -eq "$N" ] || { echo "$src has ${#files[@]} .xml files, fewer than $N" >&2; exit 1; }
for f in "${files[@]}"; do ln -s "$(realpath "$src/$f")" "$WORK/n/$f"; done
ln -s "$(realpath "$src/${files[0]}")" "$WORK/one/${files[0]}"
bytes=$(cat "$WORK"/n/*.xml | wc -c)

# callgrind RUN CMD...: runs CMD under callgrind, output in $WORK/RUN.cg
# and its log in $WORK/RUN.log. The environment is set outside valgrind:
# `valgrind env X=1 cmd` would count env, not cmd.
callgrind() {
  local run=$1; shift
  valgrind --tool=callgrind --callgrind-out-file="$WORK/$run.cg" "$@" >"$WORK/$run.out" 2>"$WORK/$run.log" \
    || { echo "callgrind run $run failed; its log:" >&2; tail -20 "$WORK/$run.log" >&2; return 1; }
}
xslt() { callgrind "xslt-$1" xsltproc --nonet "$XSL" "$WORK/$1"/*.xml; }
GO_GOGC=${GOGC:-400}
GO_GOMEMLIMIT=${GOMEMLIMIT:-192MiB}
pipe() {
  GODEBUG=asyncpreemptoff=1,cpu.rdtscp=off GOMAXPROCS=1 GOGC=$GO_GOGC GOMEMLIMIT=$GO_GOMEMLIMIT PIPELINE_CORPUS="$WORK/$1" \
    callgrind "pipe-$1" "$WORK/pipeline.test" -test.run '^TestCorpusPipeline$' -test.count=1 -test.v
  grep -q '^--- PASS: TestCorpusPipeline' "$WORK/pipe-$1.out" \
    || { echo "the pipeline test failed on $1:" >&2; tail -20 "$WORK/pipe-$1.out" >&2; return 1; }
}

echo "counting instructions under callgrind: $N files and one, xsltproc and the pipeline (two at a time)" >&2
# Two at a time: the machine has two cores, and counts do not depend on it.
xslt n & p1=$!; pipe one & p2=$!
wait $p1 && wait $p2
xslt one & p1=$!; pipe n & p2=$!
wait $p1 && wait $p2

# The xsltproc output must be N canonical declarations (a yardstick that
# maps nothing would count nothing).
decls=$(grep -o '<Declaration ' "$WORK/xslt-n.out" | wc -l)
[ "$decls" -eq "$N" ] || { echo "xsltproc wrote $decls declarations for $N files" >&2; exit 1; }

ir() {
  local n
  n=$(awk '/^(summary|totals):/ {print $2; exit}' "$WORK/$1.cg" 2>/dev/null)
  [ -n "$n" ] || { echo "no instruction count in $WORK/$1.cg" >&2; exit 1; }
  echo "$n"
}
per() { echo "($(ir "$1-n") - $(ir "$1-one")) / ($N - 1)" | bc -l; }
ir xslt-n >/dev/null; ir xslt-one >/dev/null; ir pipe-n >/dev/null; ir pipe-one >/dev/null
xs=$(per xslt); pp=$(per pipe)
ratio=$(echo "$xs / $pp" | bc -l)
limit=$(echo "$xs / $TARGET_RATIO" | bc -l)
verdict=$(echo "$ratio >= $TARGET_RATIO" | bc -l | sed 's/1/PASS/; s/0/FAIL/')
mi() { printf '%.2f M' "$(echo "$1 / 1000000" | bc -l)"; }

printf '\n'
printf '| figure (%d Tianjin files, mean %d bytes) | measured | target | |\n' "$N" $((bytes / N))
printf '| --- | --- | --- | --- |\n'
printf '| xsltproc (libxslt mapping only), instructions per message | %s | | |\n' "$(mi "$xs")"
printf '| gateway pipeline in process, instructions per message | %s | <= %s | %s |\n' "$(mi "$pp")" "$(mi "$limit")" "$verdict"
printf '| libxslt / pipeline | %.2f | >= %s | %s |\n' "$ratio" "$TARGET_RATIO" "$verdict"
abs_verdict=$(echo "$pp <= $TARGET_ABS" | bc -l | sed 's/1/PASS/; s/0/FAIL/')
printf '| gateway pipeline against the issue'"'"'s count | %s | <= %s | %s |\n' "$(mi "$pp")" "$(mi "$TARGET_ABS")" "$abs_verdict"
printf '\nstart-up, instructions: xsltproc %s, pipeline test binary %s\n' "$(mi "$(ir xslt-one)")" "$(mi "$(ir pipe-one)")"
printf 'the pipeline ran with GOGC=%s GOMEMLIMIT=%s\n' "$GO_GOGC" "$GO_GOMEMLIMIT"
# Where the pipeline's instructions go, by function and by package (a
# function's package: its name up to the first dot after the last slash).
callgrind_annotate --inclusive=no --threshold=100 --auto=no "$WORK/pipe-n.cg" 2>/dev/null \
  | awk '/file:function/ {on = 1; getline; next} on && /^--/ {exit} on && NF' \
  | sed -E 's#^ *([0-9,]+) *\( *[0-9.]+%\) +[^:]*:([^ ]+).*#\1 \2#' | awk '{gsub(/,/, "", $1); print}' >"$WORK/functions.txt" || true
total_n=$(ir pipe-n)
printf '\nthe pipeline over %d files (start-up included), by function:\n\n' "$N"
head -n 12 "$WORK/functions.txt" | awk -v t="$total_n" '{printf "  %5.1f%%  %s\n", 100 * $1 / t, $2}'
printf '\nby package:\n\n'
awk -v t="$total_n" '{f = $2; i = match(f, /\/[^\/]*$/); p = (i ? substr(f, 1, i) : ""); r = (i ? substr(f, i + 1) : f);
    sub(/\..*/, "", r); a[p r] += $1} END {for (k in a) printf "%d %s\n", a[k], k}' "$WORK/functions.txt" \
  | sort -rn | head -n 10 | awk -v t="$total_n" '{printf "  %5.1f%%  %s\n", 100 * $1 / t, $2}'
printf '\n%s; %s s in all\n' "$(date -u +%Y-%m-%dT%H:%MZ)" $(( $(date +%s) - t_start ))
