#!/usr/bin/env bash
# install-deps.sh [base|bench|build|fuzz|afl|mutants] - install what a
# make target needs, if missing:
#   base (default)  `make test` (conc-bench's peers included, so that the
#                   test builds compile it: ck, liburcu, and the C++ ones,
#                   moodycamel's ConcurrentQueue and boost.lockfree)
#   bench           `make bench`: base, gnuplot (the plot) and valgrind
#                   (tools/bench-callgrind.sh)
#   build           `make install`: the library alone needs a C compiler
#                   ($CC, else cc; gcc is installed if it is missing), meson
#                   and ninja, nothing else
#   fuzz            `make fuzz` (libFuzzer)
#   afl             `make fuzz-afl` (the fuzz set and AFL++)
#   mutants         `make mutants`: base, and gcc's aarch64 and ppc64le
#                   cross compilers with their libc headers (is a surviving
#                   order mutant's code the original's on those machines
#                   too?  --no-install-recommends leaves the headers out)
# Debian 12 (bookworm).  Run as root (CI is root); otherwise uses sudo.
set -euo pipefail

set_name=${1:-base}

# package  : what proves it is installed (a command, or a file)
case $set_name in
  base|bench|mutants)
    checks=(
      "meson:cmd:meson"
      "ninja-build:cmd:ninja"
      "gcc:cmd:gcc"
      "g++:cmd:g++"
      "clang:cmd:clang"
      "libclang-rt-14-dev:glob:/usr/lib/llvm-14/lib/clang/*/lib/linux/libclang_rt.tsan-x86_64.a"
      "pkg-config:cmd:pkg-config"
      "libck-dev:file:/usr/include/ck_ring.h"
      "liburcu-dev:glob:/usr/include/*/urcu/wfcqueue.h"
      "libconcurrentqueue-dev:file:/usr/include/concurrentqueue/concurrentqueue.h"
      "libboost-dev:file:/usr/include/boost/lockfree/queue.hpp"
      "util-linux:cmd:setarch"
      "python3:cmd:python3"
      "binutils:cmd:nm"
    )
    if [ "$set_name" = mutants ]; then
      checks+=(
        "gcc-aarch64-linux-gnu:cmd:aarch64-linux-gnu-gcc"
        "gcc-powerpc64le-linux-gnu:cmd:powerpc64le-linux-gnu-gcc"
        "libc6-dev-arm64-cross:file:/usr/aarch64-linux-gnu/include/stdio.h"
        "libc6-dev-ppc64el-cross:file:/usr/powerpc64le-linux-gnu/include/stdio.h"
      )
    fi
    if [ "$set_name" = bench ]; then
      checks+=(
        "gnuplot-nox:cmd:gnuplot"
        "valgrind:cmd:valgrind"
      )
    fi
    ;;
  build)
    cc_cmd=${CC:-cc}
    checks=(
      "meson:cmd:meson"
      "ninja-build:cmd:ninja"
      "gcc:cmd:${cc_cmd%% *}"
    )
    ;;
  fuzz|afl)
    checks=(
      "meson:cmd:meson"
      "ninja-build:cmd:ninja"
      "clang:cmd:clang"
      "libclang-rt-14-dev:glob:/usr/lib/llvm-14/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a"
      "python3:cmd:python3"
    )
    if [ "$set_name" = afl ]; then
      checks+=(
        "afl++:cmd:afl-fuzz"
        "afl++:cmd:afl-clang-fast"
      )
    fi
    ;;
  *)
    echo "usage: install-deps.sh [base|bench|build|fuzz|afl|mutants]" >&2
    exit 2
    ;;
esac

missing=()
for c in "${checks[@]}"; do
  pkg=${c%%:*}; rest=${c#*:}; kind=${rest%%:*}; what=${rest#*:}
  case $kind in
    cmd)  command -v "$what" >/dev/null 2>&1 || missing+=("$pkg") ;;
    file) [ -e "$what" ] || missing+=("$pkg") ;;
    glob) compgen -G "$what" >/dev/null || missing+=("$pkg") ;;
  esac
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
# One package may be named by two checks.
mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)

echo "install-deps: installing ${missing[*]}" >&2
SUDO=
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO=sudo; else
    echo "install-deps: need root (or sudo) to apt-get install: ${missing[*]}" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
