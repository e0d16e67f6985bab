#!/usr/bin/env bash
# explore.sh - does the explorer find every bug of the museum by itself?
#
#   verify/museum/explore.sh [bug ...]     (default: every bug in reach)
#
# For each bug: the museum puts it back into a scratch copy of the tree
# (museum.sh apply, one copy reused: only what the patch touches is
# rebuilt), builds conc-explore there, and runs it over the scenarios of
# the family the bug lives in, with the settings `make test` uses (DFS
# with iterative bounds 0..2, or the scenario's own bound, at most 2000
# executions run per bound (or the scenario's cap), then 1000 PCT runs
# at depth 4), no schedule given.  Each bug's scenarios run one by one until one fails.
# Prints per bug the scenario and mode that caught it, the executions and
# seconds to the first failure (counted from the start of that mode), and
# the failure's first line; exit 1 if a bug in reach was not found.
#
# A livelock (ring-scan-livelock) is found by the livelock search instead
# (the table `livelock`: the anchored turns), and the same search must
# pass on the fixed tree.  Bugs out of the explorer's reach (not races: a
# peer that forges the shared mapping) are listed
# with the test that pins them instead.  A bug the
# explorer reproduces only from a given schedule (found by search in no
# practical budget) is replayed, and the replay must fail.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
dir=${MUSEUM_DIR:-/tmp/conc-museum-explore}

# bug -> the scenarios to try, in order
declare -A scen=(
  [lfqueue-close-append]="lfqueue/close-append lfqueue/segment-close"
  [lfqueue-closed-with-item]="lfqueue/pop-close lfqueue/close lfqueue/segment-close"
  [lfqueue-closed-lags-seal]="lfqueue/closed-query lfqueue/close"
  [lfqueue-close-enomem-spin]="lfqueue/close-enomem"
  [lfqueue-recycle-held]="lfqueue/recycle"
  [lfqueue-close-chain]="lfqueue/close-append lfqueue/segment-close lfqueue/close"
  [lfqueue-pop-skips-late]="lfqueue/mpmc lfqueue/segment-pops lfqueue/segment"
  [lfqueue-hint-decides-empty]="lfqueue/mpmc lfqueue/segment-pops lfqueue/empty-hint"
  [lfqueue-protect-stale]="lfqueue/segment lfqueue/segment-pops lfqueue/recycle"
  [lfqueue-pop-empty-over-item]="lfqueue/push-then-pop"
  [ring-spent-exit-item-ahead]="ring/late-exit3"
  [lfqueue-batch-past-end]="lfqueue/batch-seg lfqueue/batch-batch"
  [lfqueue-batch-spoiled-drops]="lfqueue/batch-overtaken lfqueue/batch-batch"
  [ring-threshold-spent]="ring/late-spent ring/threshold ring/mpmc"
  [ring-item-ahead-moved]="ring/late-scan ring/mpmc ring/threshold"
  [ring-closed-from-hint]="ring/closed-query ring/close ring/pop-close"
  [ring-batch-refused-reorders]="ring/batch-overtaken ring/batch-batch"
  [ring-empty-by-head-entry]="ring/mpmc ring/push-pop ring/threshold"
  [task-done-wraps]="ring/done-race stack/done-race lfqueue/done-race-close"
  [stack-tag-2bit]="stack/aba-tag stack/aba"
  [hp-scan-misses-move]="hp/move"
  [waitset-fd-cleared-after-close]="ring/fd-close lfqueue/fd-close mutexq/fd-close"
  [waitset-fd-second-look]="mutexq/fd mutexstack/fd"
  [shmring-close-now-join-stuck]="shmring/close-now-join"
  [ring-entry-cas-relaxed]="ring/push-pop ring/mpmc"
  # threads standing in for processes (ex_scenario.proc)
  [waitset-private-futex]="shmring/xproc-wait ring/xproc-wait mutexq/xproc-wait stack/xproc-wait"
  [waitset-fd-crosses-process]="ring/xproc-fd mutexq/xproc-fd"
)
# bug -> extra explorer options: a missing release or acquire is found by
# the weak-memory mode only (explore/weak.c); the SC explorer passes it
declare -A xopts=(
  [ring-entry-cas-relaxed]="--weak"
)
# bug -> the livelock search that finds it (conc-explore options and
# scenario): run instead of the DFS and PCT, the same way (the first
# LIVELOCK, its executions and seconds), and on the fixed tree (bug
# `none`) the same search must pass.
declare -A livelock=(
  [ring-scan-livelock]="--rr-anchor ring/livelock"
)
# bug -> a schedule that shows it: for a bug the explorer reproduces, and
# checks, but does not find by search within a practical budget.  Run by
# replay; the schedule must fail.  None today: ring-spent-exit-item-ahead
# (ring/late-exit@a11b17c10a2d31c) and lfqueue-pop-empty-over-item
# (lfqueue/empty-hint@b14c20a19d50a7b5c1) were replayed here until
# ring/late-exit3 and lfqueue/push-then-pop, and the holder's sleep in the
# DFS (explore/explorer.c), brought them within make test's search
# (docs/verification.md, "Two museum bugs and search").
declare -A replay=()
declare -A outside=(
  [shmring-forged-slot]="a peer that forges a slot index in the mapping (shm-trust)"
  [shmring-unbounded-loop]="a peer that writes Head and Tail 2^36 apart (shm-trust)"
  [stack-tag-31bit]="2^31 updates during one pop (stack-tag; the 2-bit entry is the explorer's)"
  [shmring-close-now-waits]="not a race: a peer forges the joinable word (fuzz_shm_corpus)"
  [sharded-read-unfenced]="a store buffer (x86-TSO store-load reordering), not an interleaving: the SC explorer cannot see it, and the verify build uses the locked add (counter-edges)"
)

bugs=("$@")
if [ ${#bugs[@]} -eq 0 ]; then
  mapfile -t bugs < <(bash "$here/museum.sh" list | awk '{print $1}')
fi
missed=0
printf '%-30s %-26s %8s %8s  %s\n' bug scenario execs seconds "first line"
for bug in "${bugs[@]}"; do
  if [ -n "${outside[$bug]:-}" ]; then
    printf '%-30s %-26s %8s %8s  %s\n' "$bug" "-" "-" "-" "out of reach: ${outside[$bug]}"
    continue
  fi
  if [ -n "${replay[$bug]:-}" ]; then
    sched=${replay[$bug]}
    if ! MUSEUM_TARGETS=explore/conc-explore bash "$here/museum.sh" build "$bug" "$dir" >/dev/null 2>/tmp/museum-explore-err.txt; then
      printf '%-30s %-26s %8s %8s  %s\n' "$bug" "-" "-" "-" "PATCH DOES NOT APPLY OR BUILD: $(tail -1 /tmp/museum-explore-err.txt | cut -c1-60)"
      missed=$((missed + 1))
      continue
    fi
    out=$(CONC_SCHEDULE="$sched" timeout "${MUSEUM_TIMEOUT:-600}" "$dir/build/explore/conc-explore" 2>&1 || true)
    # A schedule that no longer fits the code also prints FAIL; that is
    # not the bug found (a changed step count makes an old schedule stop
    # fitting, and this check would still say "found").
    if grep -q '^FAIL' <<<"$out" && ! grep -q 'does not fit' <<<"$out"; then
      printf '%-30s %-26s %8s %8s  %s\n' "$bug" "${sched%%@*} (replay)" "-" "-" "replayed only: $(grep -m1 '^FAIL' <<<"$out" | cut -c1-60)"
    else
      printf '%-30s %-26s %8s %8s  %s\n' "$bug" "${sched%%@*} (replay)" "-" "-" "SCHEDULE DOES NOT FAIL"
      missed=$((missed + 1))
    fi
    continue
  fi
  if [ -n "${livelock[$bug]:-}" ]; then
    args=${livelock[$bug]}
    s=${args##* }
    row=
    for b in "$bug" none; do
      if ! MUSEUM_TARGETS=explore/conc-explore bash "$here/museum.sh" build "$b" "$dir" >/dev/null 2>/tmp/museum-explore-err.txt; then
        row="PATCH DOES NOT APPLY OR BUILD: $(tail -1 /tmp/museum-explore-err.txt | cut -c1-60)"
        break
      fi
      # shellcheck disable=SC2086
      out=$(timeout "${MUSEUM_TIMEOUT:-600}" "$dir/build/explore/conc-explore" $args 2>&1 || true)
      line=$(grep -E "^$s " <<<"$out" | tail -1 || true)
      if [ "$b" = none ]; then
        # the same search on the fixed tree: no LIVELOCK, no failure
        grep -q ' pass$' <<<"$line" || row="THE FIXED TREE FAILS THE SAME SEARCH: $(cut -c1-60 <<<"$line")"
        fixed=$(awk '{print $3}' <<<"$line")
        break
      fi
      if ! grep -q 'LIVELOCK' <<<"$line"; then
        row="NOT FOUND"
        break
      fi
      execs=$(sed -E 's/.*\(execution ([0-9]+), ([0-9.]+) s\).*/\1/' <<<"$line")
      secs=$(sed -E 's/.*\(execution ([0-9]+), ([0-9.]+) s\).*/\2/' <<<"$line")
      mode=$(awk '{print $2}' <<<"$line")
      sched=$(grep -m1 -o "CONC_SCHEDULE='[^']*'" <<<"$out" || true)
    done
    if [ -n "$row" ]; then
      printf '%-30s %-26s %8s %8s  %s\n' "$bug" "$s" "-" "-" "$row"
      missed=$((missed + 1))
    else
      printf '%-30s %-26s %8s %8s  %s\n' "$bug" "$s ($mode)" "$execs" "$secs" "LIVELOCK, $sched; fixed tree: $fixed executions, pass"
    fi
    continue
  fi
  if [ -z "${scen[$bug]:-}" ]; then
    printf '%-30s %-26s %8s %8s  %s\n' "$bug" "-" "-" "-" "NO SCENARIO"
    missed=$((missed + 1))
    continue
  fi
  if ! MUSEUM_TARGETS=explore/conc-explore bash "$here/museum.sh" build "$bug" "$dir" >/dev/null 2>/tmp/museum-explore-err.txt; then
    printf '%-30s %-26s %8s %8s  %s\n' "$bug" "-" "-" "-" "PATCH DOES NOT APPLY OR BUILD: $(tail -1 /tmp/museum-explore-err.txt | cut -c1-60)"
    missed=$((missed + 1))
    continue
  fi
  found=0
  # each scenario named here keeps make test's full caps (conc-explore
  # --max-execs-rest, --pct-rest spare only the unmarked ones)
  # (the list is read whole first: grep -q would stop reading early, and
  # conc-explore's SIGPIPE would fail the pipe under pipefail)
  list=$("$dir/build/explore/conc-explore" --list)
  for s in ${scen[$bug]}; do
    if ! grep -qE "^$s .*, museum" <<<"$list"; then
      printf '%-30s %-26s %8s %8s  %s\n' "$bug" "$s" "-" "-" "NOT MARKED museum IN explore/scenarios.c (museum_scen)"
      missed=$((missed + 1))
      continue 2
    fi
  done
  for s in ${scen[$bug]}; do
    out=$(timeout "${MUSEUM_TIMEOUT:-600}" "$dir/build/explore/conc-explore" ${xopts[$bug]:-} --both 1000 "$s" 2>&1 | grep -E "^FAIL|^$s " || true)
    line=$(grep -E "^$s " <<<"$out" | grep -m1 'FAIL\|NONDETERMINISM\|LIVELOCK' || true)
    if [ -n "$line" ]; then
      execs=$(sed -E 's/.*\(execution ([0-9]+), ([0-9.]+) s\).*/\1/' <<<"$line")
      secs=$(sed -E 's/.*\(execution ([0-9]+), ([0-9.]+) s\).*/\2/' <<<"$line")
      mode=$(awk '{print $2}' <<<"$line")
      first=$(grep -m1 '^FAIL' <<<"$out" | cut -c1-90 || true)
      printf '%-30s %-26s %8s %8s  %s\n' "$bug" "$s ($mode)" "$execs" "$secs" "$first"
      found=1
      break
    fi
  done
  if [ $found -eq 0 ]; then
    printf '%-30s %-26s %8s %8s  %s\n' "$bug" "${scen[$bug]%% *}" "-" "-" "NOT FOUND"
    missed=$((missed + 1))
  fi
done
bash "$here/museum.sh" apply none "$dir" >/dev/null 2>&1 || true
exit $(( missed > 0 ))
