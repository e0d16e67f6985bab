#!/usr/bin/env bash
# check-install.sh BUILDDIR - prove conc installs and is consumable:
#  1. `meson install --destdir` puts headers, libconc.so.0, libconc.a and
#     conc.pc where pkg-config finds them; a C program and a C++ program built
#     with `pkg-config --cflags --libs conc` run against the shared library;
#     the same C program links statically (`pkg-config --static`).
#  2. A fresh meson project with conc in subprojects/ gets it with
#     dependency('conc') (meson.override_dependency) and runs; with conc's
#     default options the subproject builds the library only (no test,
#     stress, fuzz, example or bench target, no test of conc's), and
#     subproject_tests=true brings conc's test suite back.
# Prints TAP.
set -euo pipefail
build=$(cd "$1" && pwd)
src=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0; fails=0
ok()  { n=$((n+1)); echo "ok $n - $1"; }
bad() { n=$((n+1)); fails=$((fails+1)); echo "not ok $n - $1"; }
check() { local what=$1; shift; if "$@" >"$tmp/log" 2>&1; then ok "$what"; else bad "$what"; sed 's/^/# /' "$tmp/log"; fi; }

echo "1..12"
check "meson install --destdir" meson install -C "$build" --destdir "$tmp/root" --quiet
prefix=$(meson introspect "$build" --buildoptions | python3 -c \
  'import json,sys; print([o["value"] for o in json.load(sys.stdin) if o["name"]=="prefix"][0])')
libdir=$(meson introspect "$build" --buildoptions | python3 -c \
  'import json,sys; print([o["value"] for o in json.load(sys.stdin) if o["name"]=="libdir"][0])')
root="$tmp/root$prefix"
export PKG_CONFIG_PATH="$root/$libdir/pkgconfig"
export PKG_CONFIG_SYSROOT_DIR="$tmp/root"
check "installed soname-versioned shared library" test -e "$root/$libdir/libconc.so.0"
check "the verify build is not installed" bash -c "! find '$tmp/root' -name '*verify*' | grep -q ."
cat >"$tmp/use.c" <<'C'
#include <conc/conc.h>
#include <stdio.h>
#include <string.h>
int main(void)
{
    conc_ring *r = conc_ring_new(3, 0);
    void *x = NULL;
    if (!r || conc_ring_push(r, (void *)7) != CONC_OK || conc_ring_pop(r, &x) != CONC_OK || x != (void *)7)
        return 1;
    conc_ring_free(r);
    conc_lfqueue *q = conc_lfqueue_new(CONC_JOINABLE);
    if (!q || conc_lfqueue_push(q, (void *)8) != CONC_OK ||
        conc_lfqueue_pop_wait(q, &x, CONC_FOREVER) != CONC_OK || x != (void *)8 ||
        conc_lfqueue_task_done(q) != CONC_OK || conc_lfqueue_join(q, 0) != CONC_OK)
        return 3;
    conc_lfqueue_free(q);
    conc_status st;
    long m = 9, o = 0;
    conc_shmring *s = conc_shmring_create(NULL, 2, sizeof m, 0, &st);
    size_t rec = 1;
    if (!s || conc_shmring_push(s, &m) != CONC_OK || conc_shmring_pop(s, &o) != CONC_OK || o != 9 ||
        conc_shmring_recover(s, &rec) != CONC_OK || rec != 0)
        return 4;
    conc_shmring_detach(s);
    if (strcmp(conc_version(), CONC_VERSION_STRING) != 0)
        return 2;
    puts(conc_strerror(CONC_FULL));
    return 0;
}
C
cp "$tmp/use.c" "$tmp/use.cpp"
check "C consumer via pkg-config (shared)" bash -c \
  "cc -std=c11 -pedantic -Wall -Wextra -Werror \$(pkg-config --cflags conc) '$tmp/use.c' -o '$tmp/use' \$(pkg-config --libs conc) && LD_LIBRARY_PATH='$root/$libdir' '$tmp/use'"
check "C++ consumer via pkg-config" bash -c \
  "c++ -Wall -Werror \$(pkg-config --cflags conc) '$tmp/use.cpp' -o '$tmp/usexx' \$(pkg-config --libs conc) && LD_LIBRARY_PATH='$root/$libdir' '$tmp/usexx'"
check "C consumer via pkg-config --static" bash -c \
  "cc -std=c11 \$(pkg-config --cflags conc) '$tmp/use.c' -o '$tmp/use_static' '$root/$libdir/libconc.a' \$(pkg-config --static --libs-only-other conc) -pthread && '$tmp/use_static'"
check "only include/conc headers installed" bash -c \
  "cd '$root/include' && test \"\$(ls)\" = conc && ! ls conc | grep -v -E '^(conc|ring|mutexq|stack|counter|wait|lfqueue|shm)\.h\$'"

mkdir -p "$tmp/proj/subprojects"
ln -s "$src" "$tmp/proj/subprojects/conc"
cp "$tmp/use.c" "$tmp/proj/use.c"
cat >"$tmp/proj/meson.build" <<'M'
project('user', 'c', default_options : ['c_std=c11'])
conc = dependency('conc', fallback : ['conc', 'conc_dep'])
test('use', executable('use', 'use.c', dependencies : conc))
M
check "meson subproject: dependency('conc')" bash -c \
  "cd '$tmp/proj' && meson setup b --wrap-mode=forcefallback >/dev/null && ninja -C b >/dev/null && ./b/use"
# harness_targets BUILDDIR: conc's targets outside the library (defined in
# verify/, stress/, fuzz/, examples/ or bench/), then the tests, one a line.
cat >"$tmp/harness.py" <<'P'
import json, re, subprocess, sys
b = sys.argv[1]
intro = lambda what: json.loads(subprocess.check_output(['meson', 'introspect', b, what]))
pat = re.compile(r'/subprojects/conc/(verify|stress|fuzz|examples|bench)/meson\.build$')
for t in intro('--targets'):
    if pat.search(t['defined_in']):
        print('target', t['name'])
for t in intro('--tests'):
    if t['name'] != 'use':
        print('test', t['name'])
P
check "meson subproject: no test, harness or bench target built by default" bash -c \
  "out=\$(python3 '$tmp/harness.py' '$tmp/proj/b') && echo \"\$out\" && [ -z \"\$out\" ] && ! ls '$tmp/proj/b/subprojects/conc' | grep -E -x 'verify|stress|fuzz|examples|bench'"
cat >"$tmp/cxx.py" <<'P'
import json, subprocess, sys
opts = json.loads(subprocess.check_output(['meson', 'introspect', sys.argv[1], '--buildoptions']))
sys.exit(1 if any(o['section'] == 'compiler' and o['name'].startswith('cpp_') for o in opts) else 0)
P
check "meson subproject: the library needs a C compiler only (no C++ configured)" \
  python3 "$tmp/cxx.py" "$tmp/proj/b"
check "meson subproject: the verify library is not built" \
  test ! -e "$tmp/proj/b/subprojects/conc/libconc-verify.a"
check "meson subproject: subproject_tests=true configures conc's test suite" bash -c \
  "cd '$tmp/proj' && meson setup b2 --wrap-mode=forcefallback -Dconc:subproject_tests=true >/dev/null && python3 '$tmp/harness.py' b2 | grep -q '^test '"
[ "$fails" -eq 0 ]
