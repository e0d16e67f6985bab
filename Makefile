# The two commands of the README:
#   make test   - install what is missing, then build and run the whole test
#                 suite three ways: gcc -Werror; clang + ThreadSanitizer;
#                 gcc + AddressSanitizer + UndefinedBehaviorSanitizer; build
#                 the whole tree as a release with -Werror and run its unit
#                 suite; and check the install (pkg-config, subproject).
#   make bench  - install what is missing, build a release build, run
#                 conc-bench and print the tables (BENCH_ARGS=... to pass
#                 flags); the run's JSON and its plot (SVG and PNG) go to
#                 $(BENCH_OUT)/ (build/bench/: bench.json, bench.svg,
#                 bench.png; tools/bench-plot.py).
#   make fuzz SECONDS=N      - run each fuzz target for N seconds under
#                 libFuzzer with ASan+UBSan; reproducers of any finding in
#                 fuzz/findings/<target>/ (FUZZ_TARGETS=..., PARALLEL=2).
#   make fuzz-afl SECONDS=N  - the same targets under AFL++ (findings in
#                 fuzz/findings/afl/<target>/).
#   make explore  - the schedule explorer deeper than make test (about an
#                 hour): every scenario, tier 1 included, DFS within
#                 preemption bound 3 (at most 60 s each), then 20,000 PCT
#                 runs of each; prints the table.
#   make museum   - every bug of verify/museum/ put back in turn and looked
#                 for by the explorer (verify/museum/explore.sh).
#   make mutants  - the mutation runner (verify/mutants/, docs/verification.md
#                 "Mutation score"): every mutant of src/ compiled into one
#                 scratch copy behind a run-time guard (mutant schemata;
#                 MUTANTS_DIR, default /tmp/conc-mutants), each checked by
#                 the fuzz replay, the unit tests, conc-stress with yields,
#                 the SC explorer, TSan and the weak explorer, on the
#                 pieces that reach it; mutants left when the budget
#                 (MUTANTS_BUDGET seconds, default 3300) is spent are "not
#                 run"; the table and the score; results in
#                 $(BUILD)/mutants.json (MUTANTS_ARGS=... to pass flags).
#                 Not part of make test, which runs only its self-test
#                 (test-mutants).
#   make mutants-arch - the order survivors of the last run compiled for
#                 aarch64 and ppc64le (same code as the original there?).
#   make install [PREFIX=...] [DESTDIR=...] - the library alone: needs a C
#                 compiler ($(CC)), meson and ninja, and installs only those
#                 if they are missing.
# Build trees live under build/ (one per configuration).

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
BUILD ?= build
BENCH_ARGS ?=
BENCH_OUT ?= $(BUILD)/bench
MESON_TEST := meson test --print-errorlogs --num-processes 2

# Any sanitizer report fails the run.
export TSAN_OPTIONS := halt_on_error=1 exitcode=66 second_deadlock_stack=1
export ASAN_OPTIONS := halt_on_error=1 detect_leaks=1 abort_on_error=0 exitcode=67
export UBSAN_OPTIONS := halt_on_error=1 print_stacktrace=1 exitcode=68
SAN_NORECOVER := -Dc_args=-fno-sanitize-recover=all -Dcpp_args=-fno-sanitize-recover=all

.PHONY: all deps test test-gcc test-tsan test-asan test-release test-install bench \
	install clean fuzz fuzz-afl explore museum mutants mutants-arch test-mutants

PREFIX ?= /usr/local

all: deps
	@[ -d $(BUILD)/gcc ] || CC=gcc CXX=g++ meson setup $(BUILD)/gcc -Dwerror=true
	ninja -C $(BUILD)/gcc

deps:
	@bash tools/install-deps.sh base

test: deps
	@start=$$(date +%s); \
	$(MAKE) --no-print-directory test-gcc test-mutants test-tsan test-asan test-release test-install; \
	echo "make test: the three test builds, the release build and the install check passed in $$(( $$(date +%s) - start )) s"

test-gcc:
	@echo "== gcc -Wall -Wextra -Werror =="
	@[ -d $(BUILD)/gcc ] || CC=gcc CXX=g++ meson setup $(BUILD)/gcc -Dwerror=true -Dbench=auto
	ninja -C $(BUILD)/gcc
	$(MESON_TEST) -C $(BUILD)/gcc

# TSan's runtime needs a fixed memory layout; setarch -R turns off ASLR for
# the test processes (clang 14 aborts with "unexpected memory mapping"
# otherwise on some kernels).
test-tsan:
	@echo "== clang + ThreadSanitizer =="
	@[ -d $(BUILD)/tsan ] || CC=clang CXX=clang++ meson setup $(BUILD)/tsan -Dwerror=true \
		-Db_sanitize=thread -Db_lundef=false -Dbench=disabled
	ninja -C $(BUILD)/tsan
	CONC_TEST_SCALE=$${CONC_TEST_SCALE:-1} setarch -R $(MESON_TEST) -C $(BUILD)/tsan --timeout-multiplier 3

test-asan:
	@echo "== gcc + AddressSanitizer + UndefinedBehaviorSanitizer =="
	@[ -d $(BUILD)/asan ] || CC=gcc CXX=g++ meson setup $(BUILD)/asan -Dwerror=true \
		-Db_sanitize=address,undefined -Db_lundef=false -Dbench=disabled $(SAN_NORECOVER)
	ninja -C $(BUILD)/asan
	setarch -R $(MESON_TEST) -C $(BUILD)/asan --timeout-multiplier 3

# The whole tree (library, tests, stress, fuzz replay, examples, conc-bench
# when its peers are installed) as a release build (-O3, NDEBUG) with
# -Werror: optimisation finds warnings the debug builds do not.  Then the
# fast unit suite against it.
test-release:
	@echo "== gcc release -Werror =="
	@[ -d $(BUILD)/gcc-release ] || CC=gcc CXX=g++ meson setup $(BUILD)/gcc-release \
		--buildtype=release -Dwerror=true -Dbench=auto
	ninja -C $(BUILD)/gcc-release
	$(MESON_TEST) -C $(BUILD)/gcc-release --suite unit

# The mutation runner's self-test: three fixed mutants with a known verdict
# in a scratch copy under $(BUILD)/mutants-selftest (its own gcc build,
# incremental after the first run): a skipped item store in the ring (the
# fuzz corpus replay kills it), a spin cap off by one (equivalent: the
# replay runs and must survive), a load seq_cst -> acquire (one mov either
# way: recognised as the original's machine code).  Only the fuzz replay
# runs (the cheapest check: a second or so a mutant); the runner must
# report exactly those verdicts.
test-mutants:
	@echo "== mutation runner self-test =="
	python3 verify/mutants/mutants.py run --dir $(BUILD)/mutants-selftest \
		--checks fuzz --full-every 0 --quiet \
		--pick 'ring.c:store-skip:(fq + k.safe)' \
		--pick 'wait.c:off-by-one:#define SPIN_ENV_MAX|100000 -> 99999' \
		--pick 'ring.c:order:conc_load_u64(&q->head, SC)|load seq_cst -> acquire' \
		--pick 'ring.c:order:conc_store_u64(&q->head, H, SC)|store seq_cst -> release' \
		--expect killed,survived,survived,survived --expect-same 0,0,1,0 \
		--expect-check fuzz=killed,unreached,same,survived

# Install into a scratch prefix; build a consumer with pkg-config against it,
# and another that uses conc as a meson subproject (conc_dep).
test-install:
	@echo "== install, pkg-config and meson subproject =="
	bash tools/check-install.sh $(BUILD)/gcc

# BENCH_ARGS go after --json, so a --json of theirs would win; BENCH_OUT
# says where the JSON and the plot go instead.
bench:
	@bash tools/install-deps.sh bench
	@[ -d $(BUILD)/release ] || CC=gcc CXX=g++ meson setup $(BUILD)/release --buildtype=release \
		-Dtests=false -Dbench=enabled
	ninja -C $(BUILD)/release
	@mkdir -p $(BENCH_OUT)
	$(BUILD)/release/bench/conc-bench --json $(BENCH_OUT)/bench.json $(BENCH_ARGS)
	python3 tools/bench-plot.py $(BENCH_OUT)/bench.json $(BENCH_OUT)/bench

# Install headers, libconc.{a,so}, conc.pc under $(PREFIX) (DESTDIR honoured).
# Needs only a C compiler, meson and ninja (install-deps.sh build).
install:
	@CC="$(CC)" bash tools/install-deps.sh build
	@[ -d $(BUILD)/install ] || CC="$(CC)" meson setup $(BUILD)/install --buildtype=release \
		--prefix=$(PREFIX) -Dtests=false -Dbench=disabled
	ninja -C $(BUILD)/install
	meson install -C $(BUILD)/install $(if $(DESTDIR),--destdir $(DESTDIR))

# Fuzzing (fuzz/README.md).  SECONDS is expanded here, never read by bash
# (where it is a special variable).
SECONDS ?= 60
FUZZ_TARGETS ?=
PARALLEL ?= 1

fuzz:
	@bash tools/install-deps.sh fuzz
	BUILD=$(BUILD) PARALLEL=$(PARALLEL) bash fuzz/run.sh libfuzzer $(SECONDS) $(FUZZ_TARGETS)

fuzz-afl:
	@bash tools/install-deps.sh afl
	BUILD=$(BUILD) PARALLEL=$(PARALLEL) bash fuzz/run.sh afl $(SECONDS) $(FUZZ_TARGETS)

clean:
	rm -rf $(BUILD)

explore: all
	build/gcc/explore/conc-explore --tier 1 --bound 3 --max-execs 0 --seconds 60 --both 20000 --quiet

museum: deps
	bash verify/museum/explore.sh

MUTANTS_DIR ?= /tmp/conc-mutants
MUTANTS_BUDGET ?= 3300
MUTANTS_ARGS ?=
mutants:
	@bash tools/install-deps.sh mutants
	@start=$$(date +%s); \
	nice -n 10 python3 verify/mutants/mutants.py run --dir $(MUTANTS_DIR) \
		--budget $(MUTANTS_BUDGET) --out $(BUILD)/mutants.json $(MUTANTS_ARGS); \
	echo "make mutants: $$(( $$(date +%s) - start )) s (results: $(BUILD)/mutants.json)"

# The order survivors of the last `make mutants`, compiled for aarch64 and
# ppc64le: is their code the original's there too?  (A few minutes; kept
# out of make mutants' hour.)
mutants-arch:
	@bash tools/install-deps.sh mutants
	python3 verify/mutants/mutants.py arch --dir $(MUTANTS_DIR) $(BUILD)/mutants.json
