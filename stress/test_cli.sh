#!/bin/sh
# test_cli.sh CONC_STRESS CONC_STRESS_VERIFY - conc-stress's command line,
# as TAP: every bad argument exits 2 (never a crash), the JSON result is
# valid, and an injected stall exits 3 with a report.
S=$1
V=$2
n=0
failed=0
tmp=$(mktemp -d "${TMPDIR:-/tmp}/conc-stress-cli.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT

result() { # 0|1 description
    n=$((n + 1))
    if [ "$1" -eq 0 ]; then
        echo "ok $n - $2"
    else
        echo "not ok $n - $2"
        failed=1
    fi
}

# expect CODE DESCRIPTION COMMAND...: the command must exit with CODE.
expect() {
    want=$1
    desc=$2
    shift 2
    "$@" >"$tmp/out" 2>&1
    rc=$?
    if [ "$rc" -eq "$want" ]; then
        result 0 "$desc (exit $rc)"
    else
        result 1 "$desc: exit $rc, wanted $want"
        sed 's/^/# /' "$tmp/out" | head -n 40
    fi
}

# Usage errors: exit 2, with a message.
expect 2 "unknown option" "$S" --bogus
expect 2 "positional argument" "$S" ring
expect 2 "abbreviated option (--dur)" "$S" --dur 1s
expect 2 "abbreviated option (--struct=ring)" "$S" --struct=ring
expect 2 "unknown structure" "$S" --structure nosuch
expect 2 "empty structure" "$S" --structure ""
expect 2 "queue with 0 producers" "$S" --structure ring --producers 0 --consumers 2
expect 2 "stack with 0 consumers" "$S" --structure stack --producers 2 --consumers 0
expect 2 "producers without consumers" "$S" --producers 2
expect 2 "--threads with --producers" "$S" --threads 4 --producers 2 --consumers 2
expect 2 "non-numeric threads" "$S" --threads abc
expect 2 "negative threads" "$S" --threads -4
expect 2 "zero threads" "$S" --threads 0
expect 2 "1025 threads" "$S" --threads 1025
expect 2 "huge thread count" "$S" --threads 99999999999999999999999
expect 2 "huge producer count" "$S" --producers 600 --consumers 600
expect 2 "--duration 0" "$S" --duration 0
expect 2 "--duration 0s" "$S" --duration 0s
expect 2 "negative duration" "$S" --duration -1s
expect 2 "duration with a bad unit" "$S" --duration 5x
expect 2 "non-numeric duration" "$S" --duration soon
expect 2 "--duration and --ops" "$S" --duration 1s --ops 100
expect 2 "--ops 0" "$S" --ops 0
expect 2 "--ops with junk" "$S" --ops 12q
expect 2 "--capacity 0" "$S" --capacity 0
expect 2 "negative capacity" "$S" --capacity -3
expect 2 "capacity above the ring's maximum" "$S" --structure ring --capacity 2000000000
expect 2 "--batch 0" "$S" --batch 0
expect 2 "--batch 65" "$S" --batch 65
expect 2 "non-numeric seed" "$S" --seed x1
expect 2 "--stall 0" "$S" --stall 0
expect 2 "missing value" "$S" --duration
expect 2 "value given to a flag" "$S" --pin=yes
expect 2 "--json into a missing directory" "$S" --json "$tmp/no/such/dir/x.json"
expect 2 "--yield-rate in the normal binary" "$S" --yield-rate 0.1
expect 2 "--yield-rate above 1" "$V" --yield-rate 1.5
expect 2 "negative --yield-rate" "$V" --yield-rate -0.1
expect 2 "non-numeric --yield-rate" "$V" --yield-rate often
expect 2 "--lincheck with --producers" "$S" --lincheck --producers 1 --consumers 1
expect 2 "--lincheck with --wait" "$S" --lincheck --wait
expect 2 "--lincheck with 9 threads" "$S" --lincheck --threads 9

# Accepted forms (--help after them ends the run before it starts).
expect 0 "--help" "$S" --help
expect 0 "--list" "$S" --list
expect 0 "durations 500ms, 30s, 5m, 2h, 1.5" "$S" --duration 500ms --duration 30s --duration 5m --duration 2h --duration 1.5 --help
expect 0 "--opt=value form" "$S" --structure=ring --threads=4 --ops=10k --help
expect 0 "hex seed" "$S" --seed 0xC0FFEE --help

# A short run with --json: exit 0 and a well-formed file.
expect 0 "short run with --json" "$S" --structure ring,stack,counter \
    --duration 200ms --quiet --json "$tmp/out.json"
if command -v python3 >/dev/null 2>&1; then
    python3 - "$tmp/out.json" >"$tmp/py" 2>&1 <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["verdict"] == "pass" and d["exit_code"] == 0, d["verdict"]
names = [s["name"] for s in d["structures"]]
assert names == ["ring", "stack", "counter"], names
for s in d["structures"]:
    assert s["verdict"] == "pass"
    assert s["ops"] > 0 and len(s["threads"]) == s["config"]["threads"]
    assert all(c["result"] in ("pass", "skipped") for c in s["checks"])
    assert 0 <= s["fairness"]["min_over_mean"] <= 1
PY
    rc=$?
    result $rc "the JSON result parses and says what the run did"
    [ $rc -eq 0 ] || sed 's/^/# /' "$tmp/py"
else
    grep -q '"verdict": "pass"' "$tmp/out.json"
    result $? "the JSON result says pass (python3 not found: not parsed)"
fi

# cpus_online is the online count (getconf), not the affinity mask.
online=$(getconf _NPROCESSORS_ONLN 2>/dev/null)
if command -v taskset >/dev/null 2>&1 && [ -n "$online" ]; then
    taskset -c 0 "$S" --structure counter --duration 50ms --quiet \
        --json "$tmp/cpus.json" >/dev/null 2>&1
    grep -q "\"cpus_online\": $online\b" "$tmp/cpus.json"
    result $? "cpus_online under taskset -c 0 is the online count ($online)"
fi

# The broken queue through --json: violations listed with producer and seq.
expect 1 "broken queue exits 1" "$S" --structure broken --duration 300ms \
    --quiet --json "$tmp/broken.json"
grep -q '"verdict": "violation"' "$tmp/broken.json" &&
    grep -q '"kind": "lost"' "$tmp/broken.json" &&
    grep -q '"kind": "duplicate"' "$tmp/broken.json"
result $? "the broken queue's JSON lists lost and duplicated items"

# --lincheck on the broken queue: exit 1, a violating window printed on a
# time axis, and the windows in the JSON result.
expect 1 "--lincheck catches the broken queue" "$S" --lincheck \
    --structure broken --duration 200ms --quiet --json "$tmp/lz.json"
grep -q "is not linearizable" "$tmp/out" &&
    grep -q "the smallest failing sub-history found" "$tmp/out" &&
    grep -q "longest linearization found" "$tmp/out" &&
    grep -Eq '^    T[0-9]+ +\|--' "$tmp/out" &&
    grep -q '"lincheck_windows"' "$tmp/lz.json" &&
    grep -q '"kind": "linearize"' "$tmp/lz.json"
result $? "--lincheck prints the failing window on a time axis, and the JSON counts windows"
[ $? -eq 0 ] || sed 's/^/# /' "$tmp/out" | head -n 40

# An injected stall: one consumer pretends to hang inside pop; with one
# producer the queue fills and nothing takes effect any more.
expect 3 "a stall exits 3" "$S" --structure mutexq --producers 1 \
    --consumers 1 --capacity 8 --stall 1s --duration 60s --inject-stall \
    --json "$tmp/stall.json"
grep -q "STALL" "$tmp/out" && grep -q "stuck inside pop" "$tmp/out" &&
    grep -q "len 8 / capacity 8" "$tmp/out"
result $? "the stall report names the stuck thread and the structure's state"
[ $? -eq 0 ] || sed 's/^/# /' "$tmp/out"
grep -q '"verdict": "stall"' "$tmp/stall.json"
result $? "the stall is in the JSON result"

echo "1..$n"
exit $failed
