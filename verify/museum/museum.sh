#!/usr/bin/env bash
# museum.sh - the bug museum: every concurrency bug conc ever fixed, kept as a
# small patch that puts it back into today's src/ (verify/museum/README.md).
#
#   museum.sh list                       the bugs, one a line: name, description
#   museum.sh show <bug>                 the patch's header (bug, fix, test, interleaving)
#   museum.sh apply <bug> <dir>          copy the tree to <dir>, apply the patch
#   museum.sh build <bug> <dir>          apply, then meson setup + ninja -j2 in
#                                        <dir>/build (tests on, bench off),
#                                        quietly; prints the build directory
#   museum.sh run <bug> <dir> -- cmd...  build, then run cmd in <dir>/build;
#                                        its exit status is this script's
#   museum.sh check                      TAP: every patch applies to this tree
#                                        (one copy, dry runs; the museum-patches
#                                        test); no build, no git
#
# <bug> may also be `none`: the same copy, unpatched (the fixed code), for
# comparison.  The tree copied is the one this script lives in (every
# top-level entry but .git and build*), or $CONC_MUSEUM_TREE if set.
# <dir> must be outside that tree; an existing <dir> is reused only if an
# earlier `apply` made it (it holds .museum-bug): files that did not change
# keep their time stamps, so a second `build` rebuilds only what the patch or
# the tree changed.  Patches apply with `patch -p1 --fuzz=0`: a context line
# that no longer matches fails loudly instead of landing in the wrong place.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
tree=${CONC_MUSEUM_TREE:-$(cd "$here/../.." && pwd)}
tree=$(realpath -- "$tree")
patches=$here
marker=.museum-bug
tmpdirs=()
trap '[ ${#tmpdirs[@]} -eq 0 ] || rm -rf "${tmpdirs[@]}"' EXIT

die() {
    echo "museum.sh: $*" >&2
    exit 2
}

usage() {
    sed -n '5,16p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

bugs() {
    local p
    for p in "$patches"/*.patch; do
        [ -e "$p" ] || continue
        basename "$p" .patch
    done
}

patch_of() {
    local bug=$1
    [ "$bug" = none ] && return 0
    case $bug in
    */* | .* | '') die "no such bug: '$bug' (museum.sh list)" ;;
    esac
    [ -f "$patches/$bug.patch" ] || die "no such bug: '$bug' (museum.sh list)"
    echo "$patches/$bug.patch"
}

# The header field `name:` of a patch (the first line that starts with it).
field() {
    sed -n "s/^$2: *//p" "$1" | head -n 1
}

# Everything a meson build of the tree needs: every top-level entry but the
# git metadata, build trees (build*, or any directory meson configured) and
# a museum marker.
copy_tree() {
    local dst=$1 e name
    local entries=()
    for e in "$tree"/* "$tree"/.[!.]*; do
        [ -e "$e" ] || continue
        name=${e##*/}
        case $name in
        .git | build | build-* | build_* | builddir | "$marker") continue ;;
        esac
        [ -e "$e/meson-private" ] && continue
        entries+=("$name")
    done
    [ ${#entries[@]} -gt 0 ] || die "nothing to copy in $tree"
    mkdir -p "$dst"
    tar -C "$tree" -cf - --exclude=.git "${entries[@]}" | tar -xf - -C "$dst"
}

# Make $2 hold exactly what $1 holds (but $2/build and the marker), copying
# only files whose content differs, so that unchanged files keep their times
# and changed ones get new ones.
sync_tree() {
    local from=$1 to=$2 f
    (cd "$from" && find . -type d -print0) | while IFS= read -r -d '' f; do
        mkdir -p "$to/$f"
    done
    (cd "$from" && find . \( -type f -o -type l \) -print0) |
        while IFS= read -r -d '' f; do
            if [ -L "$from/$f" ] || [ -L "$to/$f" ] || ! cmp -s "$from/$f" "$to/$f"; then
                rm -f "$to/$f"
                # A fresh time stamp, not the tree's: a file put back from
                # an earlier patch must look newer than what was built from
                # the patched copy, or ninja keeps the old objects.
                cp -P "$from/$f" "$to/$f"
            fi
        done
    (cd "$to" && find . \( -path ./build -o -path "./$marker" \) -prune -o \
        \( -type f -o -type l \) -print0) |
        while IFS= read -r -d '' f; do
            [ -e "$from/$f" ] || [ -L "$from/$f" ] || rm -f "$to/$f"
        done
}

# apply_patch <patch> <dir> [--dry-run]
apply_patch() {
    local p=$1 d=$2 out
    shift 2
    if ! out=$(patch -d "$d" -p1 --fuzz=0 --forward --batch \
        --no-backup-if-mismatch --reject-file=- "$@" <"$p" 2>&1); then
        echo "$out" >&2
        return 1
    fi
}

cmd_apply() {
    [ $# -eq 2 ] || usage
    local bug=$1 dir=$2 p stage
    p=$(patch_of "$bug")
    command -v patch >/dev/null || die "patch(1) is needed"
    dir=$(realpath -m -- "$dir")
    case $dir/ in
    "$tree"/*) die "$dir is inside the tree $tree: choose a directory outside it" ;;
    esac
    mkdir -p "$dir"
    if [ -n "$(ls -A "$dir")" ] && [ ! -f "$dir/$marker" ]; then
        die "$dir is not empty and was not made by museum.sh apply: refusing to write there"
    fi
    stage=$(mktemp -d "${TMPDIR:-/tmp}/museum-stage.XXXXXX")
    tmpdirs+=("$stage")
    copy_tree "$stage"
    if [ -n "$p" ] && ! apply_patch "$p" "$stage"; then
        die "$bug: $p does not apply to $tree (src/ changed under it: rewrite the patch against today's code)"
    fi
    sync_tree "$stage" "$dir"
    echo "$bug" >"$dir/$marker"
}

cmd_build() {
    [ $# -eq 2 ] || usage
    local bug=$1 dir=$2 log
    cmd_apply "$bug" "$dir"
    dir=$(cd "$dir" && pwd)
    log=$dir/museum-build.log
    if [ ! -f "$dir/build/build.ninja" ]; then
        rm -rf "$dir/build"
        if ! meson setup "$dir/build" "$dir" -Dtests=true -Dbench=disabled \
            -Dfuzzing=none >"$log" 2>&1; then
            tail -n 30 "$log" >&2
            die "$bug: meson setup failed (log: $log)"
        fi
    fi
    # MUSEUM_TARGETS: build only these ninja targets (e.g. the explorer).
    # shellcheck disable=SC2086
    if ! ninja -C "$dir/build" -j2 ${MUSEUM_TARGETS:-} >>"$log" 2>&1; then
        grep -E 'error|FAILED' "$log" | tail -n 30 >&2 || tail -n 30 "$log" >&2
        die "$bug: the build failed (log: $log)"
    fi
    echo "$dir/build"
}

cmd_run() {
    if [ $# -lt 4 ] || [ "$3" != -- ]; then usage; fi
    local bug=$1 dir=$2
    shift 3
    cmd_build "$bug" "$dir" >&2
    cd "$dir/build"
    set +e
    "$@"
    exit $?
}

cmd_list() {
    [ $# -eq 0 ] || usage
    local b
    for b in $(bugs); do
        printf '%-30s %s\n' "$b" "$(field "$patches/$b.patch" bug)"
    done
}

cmd_show() {
    [ $# -eq 1 ] || usage
    local p
    p=$(patch_of "$1")
    [ -n "$p" ] || die "none: the unpatched tree"
    sed -n '1,/^--- a\//p' "$p" | sed '$d'
}

# TAP: every patch has its header and applies (dry run) to one copy of the
# tree.  In a museum copy (a patch already applied) there is nothing to check.
cmd_check() {
    [ $# -eq 0 ] || usage
    local n=0 fail=0 b p f stage missing
    local all
    all=$(bugs)
    echo "TAP version 13"
    if [ -f "$tree/$marker" ]; then
        echo "1..0 # SKIP a museum copy ($(cat "$tree/$marker") applied)"
        return 0
    fi
    command -v patch >/dev/null || {
        echo "1..0 # SKIP patch(1) is not installed"
        return 0
    }
    stage=$(mktemp -d "${TMPDIR:-/tmp}/museum-check.XXXXXX")
    tmpdirs+=("$stage" "$stage.err")
    copy_tree "$stage"
    for b in $all; do
        p=$patches/$b.patch
        n=$((n + 1))
        missing=
        for f in museum bug fixed-in pinned-by test interleaving; do
            grep -q "^$f:" "$p" || missing="$missing $f"
        done
        if [ "$(field "$p" museum)" != "$b" ]; then
            missing="$missing museum(=$b)"
        fi
        if [ -n "$missing" ]; then
            echo "not ok $n - $b: header lacks:$missing"
            fail=$((fail + 1))
        elif apply_patch "$p" "$stage" --dry-run 2>"$stage.err"; then
            echo "ok $n - $b applies ($(field "$p" fixed-in | cut -d' ' -f1))"
        else
            echo "not ok $n - $b does not apply to today's tree"
            sed 's/^/# /' "$stage.err"
            fail=$((fail + 1))
        fi
        rm -f "$stage.err"
    done
    echo "1..$n"
    [ "$n" -gt 0 ] || {
        echo "# no patches in $patches"
        return 1
    }
    [ "$fail" -eq 0 ]
}

[ $# -ge 1 ] || usage
sub=$1
shift
case $sub in
list) cmd_list "$@" ;;
show) cmd_show "$@" ;;
apply) cmd_apply "$@" ;;
build) cmd_build "$@" ;;
run) cmd_run "$@" ;;
check) cmd_check "$@" ;;
-h | --help | help) usage ;;
*) usage ;;
esac
