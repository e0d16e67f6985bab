#!/usr/bin/env bash
# check-abi.sh LIBCONC_SO INCLUDE_DIR - libconc.so exports exactly the
# functions include/conc/ declares.
#
# The declarations are read from the headers as the compiler sees them:
# include/conc/conc.h (which includes every family) is preprocessed by $CC
# (default cc) with CONC_API defined to a marker, and every declaration from
# a file of include/conc/ is kept.  A function declaration must carry
# CONC_API; a `static` (inline) function is not part of the ABI.  The
# exports are the names `nm -D --defined-only` ($NM, default nm) lists.
# Then: every export must be declared (no internal name leaks) and every
# declared function exported (none was left hidden).  The last two checks
# show the comparison can fail: one name added to the export list, one
# taken away, must each be caught.  Prints TAP.
set -euo pipefail
export LC_ALL=C

if [ $# -ne 2 ]; then
  echo "usage: check-abi.sh LIBCONC_SO INCLUDE_DIR" >&2
  exit 2
fi
so=$1
inc=$2
CC=${CC:-cc}
NM=${NM:-nm}
mark=__conc_abi_marker__
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

n=0; fails=0
ok()  { n=$((n+1)); echo "ok $n - $1"; }
bad() { n=$((n+1)); fails=$((fails+1)); echo "not ok $n - $1"; }
# diag FILE: the file's lines as TAP comments
diag() { sed 's/^/#   /' "$1"; }

echo "1..5"

# --- what the headers declare -------------------------------------------
# One statement per line: the preprocessed text of include/conc/*.h only
# (line markers say which file a line comes from), split at ; { }.
# shellcheck disable=SC2086 # $CC may be a command with arguments
if ! echo '#include <conc/conc.h>' |
     $CC -E -x c -std=c11 "-DCONC_API=$mark" -I "$inc" - >"$tmp/pp" 2>"$tmp/pp.err"; then
  bad "preprocess include/conc/conc.h with $CC"; diag "$tmp/pp.err"
  exit 1
fi
awk '/^# [0-9]+ "/ { keep = ($3 ~ /\/conc\/[a-z_]+\.h"$/); next }
     keep' "$tmp/pp" | tr '\n' ' ' | tr ';{}' '\n' |
  sed -E 's/[[:space:]]+/ /g; s/^ //; s/ $//' | grep -v '^$' >"$tmp/stmts" || true

# The name a declaration declares: the identifier before its first
# parenthesis (a function), else its last identifier (a variable).
decl_name() {
  sed -E 's/[[:space:]]*\(.*//; s/[[:space:]]*\[.*//; s/.*[^A-Za-z0-9_]//'
}
grep -v -E '(^| )(typedef|static)( |$)' "$tmp/stmts" >"$tmp/decls" || true
# Every function (and extern object) declared is part of the ABI; one
# declared without CONC_API is reported here, and again below when the
# hidden build leaves it out.
{ grep -F "$mark" "$tmp/decls" || true; } | sed "s/$mark//" | decl_name | sort -u >"$tmp/marked"
{ grep -v -F "$mark" "$tmp/decls" || true; } | { grep -E '\(|(^| )extern ' || true; } |
  decl_name | sort -u >"$tmp/unmarked"
sort -u "$tmp/marked" "$tmp/unmarked" >"$tmp/declared"
grep -v -E '^conc_[a-z0-9_]+$' "$tmp/declared" >"$tmp/badname" || true

count=$(wc -l <"$tmp/declared")
if [ "$count" -gt 0 ] && [ ! -s "$tmp/unmarked" ] && [ ! -s "$tmp/badname" ]; then
  ok "include/conc/ declares $count functions, each with CONC_API and a conc_ name"
else
  bad "include/conc/ declares $count functions, each with CONC_API and a conc_ name"
  if [ -s "$tmp/unmarked" ]; then echo "# declared without CONC_API:"; diag "$tmp/unmarked"; fi
  if [ -s "$tmp/badname" ]; then echo "# not in the conc_ namespace:"; diag "$tmp/badname"; fi
fi

# --- what the library exports -------------------------------------------
if ! "$NM" -D --defined-only "$so" >"$tmp/nm" 2>"$tmp/nm.err"; then
  bad "$NM -D --defined-only $so"; diag "$tmp/nm.err"
  exit 1
fi
awk 'NF >= 3 { print $3 }' "$tmp/nm" | sed 's/@.*//' | sort -u >"$tmp/exported"

# compare DECLARED EXPORTED: the exports nobody declared go to
# $tmp/extra, the declared functions not exported to $tmp/missing.
compare() {
  comm -13 "$1" "$2" >"$tmp/extra"
  comm -23 "$1" "$2" >"$tmp/missing"
}

compare "$tmp/declared" "$tmp/exported"
what="libconc.so exports $(wc -l <"$tmp/exported") symbols, each declared in include/conc/"
if [ -s "$tmp/extra" ]; then
  bad "$what"; echo "# exported but not declared ($(wc -l <"$tmp/extra")):"; diag "$tmp/extra"
else
  ok "$what"
fi
if [ -s "$tmp/missing" ]; then
  bad "every declared function is exported"
  echo "# declared but not exported ($(wc -l <"$tmp/missing")):"; diag "$tmp/missing"
else
  ok "every declared function is exported"
fi

# --- the comparison can fail ---------------------------------------------
{ cat "$tmp/exported"; echo conc__abi_check_internal; } | sort -u >"$tmp/exported+"
compare "$tmp/declared" "$tmp/exported+"
if grep -qx conc__abi_check_internal "$tmp/extra"; then
  ok "an undeclared export is caught (one name added to the list)"
else
  bad "an undeclared export is caught (one name added to the list)"
fi
victim=$(head -n 1 "$tmp/declared")
grep -vx -F "${victim:-none}" "$tmp/exported" >"$tmp/exported-" || true
compare "$tmp/declared" "$tmp/exported-"
if [ -n "$victim" ] && grep -qx -F "$victim" "$tmp/missing"; then
  ok "a missing export is caught ($victim taken from the list)"
else
  bad "a missing export is caught (${victim:-nothing} taken from the list)"
fi

[ "$fails" -eq 0 ]
