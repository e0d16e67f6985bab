#!/usr/bin/env bash
# check-headers.sh INCLUDE_DIR - every public header compiles on its own, as
# the first include of a file, as C11 and as C++11, with -Wall -Wextra
# -Werror -pedantic; and twice in a row (include guards).  $CC (default cc)
# and $CXX (default c++; set but empty, or not found: the C++ half is
# skipped).  Prints TAP.
# shellcheck disable=SC2086 # $CC and $CXX may be commands with arguments
set -euo pipefail
inc=$1
CC=${CC:-cc}
CXX=${CXX-c++}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
flags=(-Wall -Wextra -Werror -pedantic -fsyntax-only -I "$inc")

headers=()
for h in "$inc"/conc/*.h; do headers+=("conc/$(basename "$h")"); done
have_cxx=1
[ -n "$CXX" ] && command -v ${CXX%% *} >/dev/null 2>&1 || have_cxx=0

echo "1..$(( ${#headers[@]} * 2 ))"
n=0; fails=0
for h in "${headers[@]}"; do
  printf '#include <%s>\n#include <%s>\nint conc_header_check_;\n' "$h" "$h" >"$tmp/t.c"
  n=$((n+1))
  if $CC -std=c11 "${flags[@]}" -x c "$tmp/t.c" >"$tmp/log" 2>&1; then
    echo "ok $n - $h alone as C11"
  else
    echo "not ok $n - $h alone as C11"; sed 's/^/# /' "$tmp/log"; fails=$((fails+1))
  fi
  n=$((n+1))
  if [ "$have_cxx" -eq 0 ]; then
    echo "ok $n - $h alone as C++11 # SKIP no C++ compiler"
  elif $CXX -std=c++11 "${flags[@]}" -x c++ "$tmp/t.c" >"$tmp/log" 2>&1; then
    echo "ok $n - $h alone as C++11"
  else
    echo "not ok $n - $h alone as C++11"; sed 's/^/# /' "$tmp/log"; fails=$((fails+1))
  fi
done
[ "$fails" -eq 0 ]
