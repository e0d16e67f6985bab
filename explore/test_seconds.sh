#!/bin/bash
# conc-explore --seconds caps a scenario's whole DFS ladder (bounds 0..K
# together), not each bound: lfqueue/close-append in weak mode at bound 3,
# no execution cap, has bounds 1..3 that each take seconds to search, so
# the old per-bound cap ran it for about 3 x S.  Here S = 1: the row's
# seconds must stay under 2 (the cap, plus the one execution that crosses
# it), and the row must say the ladder was cut (trunc/bK or truncated).
# TAP.  $1: the conc-explore binary.
exe=${1:?usage: test_seconds.sh CONC-EXPLORE}
echo "1..2"
out=$("$exe" --weak --bound 3 --max-execs 0 --dfs --seconds 1 \
      lfqueue/close-append 2>&1)
rc=$?
row=$(printf '%s\n' "$out" | awk '$1 == "lfqueue/close-append" && $2 == "dfs"')
secs=$(printf '%s\n' "$row" | awk '{print $7}')
space=$(printf '%s\n' "$row" | awk '{print $4}')
if [ "$rc" -eq 0 ] && [ -n "$secs" ] &&
   awk -v s="$secs" 'BEGIN { exit !(s < 2.0) }'; then
    echo "ok 1 - --seconds 1 over bounds 0..3: $secs s in all"
else
    echo "not ok 1 - --seconds 1 over bounds 0..3: rc $rc, row: $row"
    printf '%s\n' "$out" | sed 's/^/# /'
fi
case "$space" in
trunc/b[0-2] | truncated)
    echo "ok 2 - the row says the ladder was cut ($space)" ;;
*)
    echo "not ok 2 - the row says '$space', not trunc/b0..2 or truncated" ;;
esac
