#!/usr/bin/env bash
# run.sh ENGINE DURATION [TARGET...] - build and run conc's fuzz targets.
#
#   ENGINE    libfuzzer (clang -fsanitize=fuzzer,address,undefined) or
#             afl (afl-clang-fast with AFL_USE_ASAN/AFL_USE_UBSAN)
#   DURATION  seconds per target
#   TARGET    default: every target in fuzz/meson.build
#
# Environment: BUILD (default build) holds the build trees, $BUILD/fuzz for
# libFuzzer and $BUILD/afl for AFL++; PARALLEL (default 1) runs that many
# targets at once (the machine has 2 cores: leave one for everything else).
#
# Findings (a crash, a violated property, a leak, a timeout) are saved as
# reproducers under fuzz/findings/<target>/ (libFuzzer's crash-*, leak-*,
# timeout-*, oom-*) and fuzz/findings/afl/<target>/ (AFL++'s crashes and
# hangs).  Replay one with the plain build:  build/gcc/fuzz/<target> FILE.
# New corpus entries go to $BUILD/fuzz-work/<target>/ (not the checked-in
# seeds).  Logs: $BUILD/fuzz-logs/<target>.log.  Exit status 1 if anything
# was found.
set -euo pipefail
cd "$(dirname "$0")/.."

engine=${1:?usage: fuzz/run.sh libfuzzer|afl DURATION [TARGET...]}
duration=${2:?usage: fuzz/run.sh libfuzzer|afl DURATION [TARGET...]}
shift 2
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(fuzz_sequential_queue fuzz_sequential_stack fuzz_sequential_counter
           fuzz_concurrent fuzz_api fuzz_shm)
fi
BUILD=${BUILD:-build}
PARALLEL=${PARALLEL:-1}
logs=$BUILD/fuzz-logs
mkdir -p "$logs"

run_libfuzzer() {
  local t=$1 bdir=$BUILD/fuzz
  local work=$BUILD/fuzz-work/$t findings=fuzz/findings/$t
  mkdir -p "$work" "$findings"
  # Every sanitizer report is a finding; libFuzzer's death callback saves
  # the input that caused it.
  ASAN_OPTIONS=${FUZZ_ASAN_OPTIONS:-detect_leaks=1:halt_on_error=1} \
  UBSAN_OPTIONS=${FUZZ_UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1} \
  "$bdir/fuzz/$t" -max_total_time="$duration" -timeout=30 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$findings/" \
    "$work" "fuzz/corpus/$t" >"$logs/$t.log" 2>&1
}

summary_libfuzzer() {
  local t=$1 rc=$2 log=$logs/$t.log
  local last execs secs
  last=$(grep -E '^#[0-9]+' "$log" | grep -E 'cov:' | tail -1 || true)
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  secs=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -1)
  printf '%-26s rc=%-3s runs=%-9s exec/s=%-7s cov=%-5s ft=%-6s corpus=%s\n' "$t" "$rc" \
    "${execs:-?}" "$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)" \
    "$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")" \
    "$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")" \
    "$(sed -n 's/.* corp: \([0-9]*\/[0-9a-zA-Z]*\).*/\1/p' <<<"$last")"
  [ -n "$secs" ] || true
}

run_afl() {
  local t=$1 bdir=$BUILD/afl
  local out=$BUILD/afl-out/$t findings=fuzz/findings/afl/$t
  rm -rf "$out"
  mkdir -p "$out" "$findings"
  AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_UI=1 \
  AFL_NO_AFFINITY=1 \
  ASAN_OPTIONS=abort_on_error=1:symbolize=0:detect_leaks=0:halt_on_error=1 \
  UBSAN_OPTIONS=abort_on_error=1:halt_on_error=1:symbolize=0 \
  afl-fuzz -i "fuzz/corpus/$t" -o "$out" -V "$duration" -m none -t 5000 \
    -- "$bdir/fuzz/$t" >"$logs/afl-$t.log" 2>&1 || return $?
  local n=0
  for f in "$out"/default/crashes/id:* "$out"/default/hangs/id:*; do
    [ -e "$f" ] || continue
    cp "$f" "$findings/$(basename "$(dirname "$f")")-$(basename "$f" | tr ':,' '__')"
    n=$((n + 1))
  done
  [ "$n" -eq 0 ]
}

summary_afl() {
  local t=$1 rc=$2 st=$BUILD/afl-out/$t/default/fuzzer_stats
  if [ -f "$st" ]; then
    printf '%-26s rc=%-3s execs=%-9s exec/s=%-8s edges=%-12s crashes=%s hangs=%s\n' "$t" "$rc" \
      "$(awk -F': *' '$1 ~ /^execs_done/ {print $2}' "$st")" \
      "$(awk -F': *' '$1 ~ /^execs_per_sec/ {print $2}' "$st")" \
      "$(awk -F': *' '$1 ~ /^bitmap_cvg/ {print $2}' "$st")/$(awk -F': *' '$1 ~ /^edges_found/ {print $2}' "$st")" \
      "$(awk -F': *' '$1 ~ /^(saved|unique)_crashes/ {print $2}' "$st")" \
      "$(awk -F': *' '$1 ~ /^(saved|unique)_hangs/ {print $2}' "$st")"
  else
    printf '%-26s rc=%s (no fuzzer_stats; see %s)\n' "$t" "$rc" "$logs/afl-$t.log"
  fi
}

case $engine in
  libfuzzer)
    bdir=$BUILD/fuzz
    if [ ! -d "$bdir" ]; then
      CC=clang CXX=clang++ meson setup "$bdir" -Dfuzzing=libfuzzer -Dtests=false \
        -Dbench=disabled -Dwerror=true -Db_sanitize=address,undefined -Db_lundef=false \
        -Dc_args=-fno-sanitize-recover=all
    fi
    ninja -C "$bdir" >/dev/null
    ;;
  afl)
    bdir=$BUILD/afl
    export AFL_USE_ASAN=1 AFL_USE_UBSAN=1 AFL_QUIET=1
    if [ ! -d "$bdir" ]; then
      CC=afl-clang-fast CXX=afl-clang-fast++ meson setup "$bdir" -Dfuzzing=afl \
        -Dtests=false -Dbench=disabled -Db_lundef=false -Ddefault_library=static
    fi
    ninja -C "$bdir" >/dev/null
    ;;
  *) echo "run.sh: unknown engine $engine (libfuzzer or afl)" >&2; exit 2 ;;
esac

echo "fuzz ($engine): ${#targets[@]} targets, ${duration}s each, $PARALLEL at a time; logs in $logs/"
declare -A rcs=()
running=0
pids=()
names=()
for t in "${targets[@]}"; do
  if [ "$engine" = libfuzzer ]; then run_libfuzzer "$t" & else run_afl "$t" & fi
  pids+=($!)
  names+=("$t")
  running=$((running + 1))
  if [ "$running" -ge "$PARALLEL" ]; then
    # Wait for the oldest still running.
    for i in "${!pids[@]}"; do
      [ -n "${rcs[${names[$i]}]+x}" ] && continue
      rc=0; wait "${pids[$i]}" || rc=$?
      rcs[${names[$i]}]=$rc
      running=$((running - 1))
      break
    done
  fi
done
for i in "${!pids[@]}"; do
  [ -n "${rcs[${names[$i]}]+x}" ] && continue
  rc=0; wait "${pids[$i]}" || rc=$?
  rcs[${names[$i]}]=$rc
done

failed=0
for t in "${targets[@]}"; do
  "summary_$engine" "$t" "${rcs[$t]}"
  [ "${rcs[$t]}" -eq 0 ] || failed=1
done
if [ $failed -ne 0 ]; then
  if [ "$engine" = libfuzzer ]; then
    echo "fuzz: FINDINGS - reproducers in fuzz/findings/<target>/; the log of each run in $logs/" >&2
  else
    echo "fuzz: FINDINGS - reproducers in fuzz/findings/afl/<target>/; logs in $logs/" >&2
  fi
  exit 1
fi
echo "fuzz ($engine): nothing found"
