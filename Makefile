# TGFL — the README's two commands: `make demo` and `make test`.
# Both install what a fresh Debian machine lacks (system packages through apt-get,
# through sudo when not root; Python test dependencies in a local .venv).

SHELL      := /bin/bash
APT_PKGS   := libopenblas-dev libhdf5-dev pkg-config
SUDO       := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
VENV       := .venv
PY         := $(VENV)/bin/python
# One release build serves the demo, the Swift tests (with testing enabled),
# the C example and the Python binding.
SWIFT_FLAGS := -c release -Xswiftc -enable-testing
# The Python with torch that `make bench` runs the PyTorch references with.
BENCH_PYTHON ?= python3
BUILD_DIR  := .build/release

.PHONY: demo test deps venv build swift-test cli-test c-test py-test bench bench-compare realism clean fuzz fuzz-smoke sanitize \
        browser-deps browser-test

demo: deps
	swift build -c release -Xswiftc -enable-testing --product tgfl
	$(BUILD_DIR)/tgfl demo

test: deps venv build swift-test cli-test c-test py-test fuzz-smoke browser-test wheel-test swiftpm-test

# System packages: only the missing ones are installed.
deps:
	@missing=""; \
	for p in $(APT_PKGS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if ! command -v apt-get >/dev/null; then \
	    echo "error: missing system packages:$$missing — install them with your package manager"; exit 1; fi; \
	  echo "installing system packages:$$missing"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

# Python test dependencies in .venv (re-made when requirements-test.txt changes).
venv: $(VENV)/.stamp
$(VENV)/.stamp: requirements-test.txt
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -r requirements-test.txt
	touch $@

build: deps
	swift build $(SWIFT_FLAGS) --build-tests

# The core tests run twice: with the best kernel copies this CPU has (AVX-512 or AVX2), and
# with the baseline copies that CPUs without AVX2 run.
swift-test: build
	swift test $(SWIFT_FLAGS) --skip-build
	TGFL_KERNELS_ISA=baseline swift test $(SWIFT_FLAGS) --skip-build --filter TGFLCoreTests

# End-to-end runs of the `tgfl` command: train → resume → generate → inspect → evaluate →
# federate, and its one-line errors.
cli-test: build
	bash Tests/cli/run_cli_smoke.sh $(BUILD_DIR)/tgfl

c-test: build
	@if [ -f Examples/c/Makefile ]; then $(MAKE) -C Examples/c test BUILD_DIR=$(abspath $(BUILD_DIR)); \
	else echo "c-test: no C example yet"; fi

py-test: build venv
	@if ls Tests/python/test_*.py >/dev/null 2>&1; then \
	  TGFL_LIB_DIR=$(abspath $(BUILD_DIR)) TGFL_BIN_DIR=$(abspath $(BUILD_DIR)) \
	  PYTHONPATH=Examples/python $(PY) -m pytest -q Tests/python; \
	else echo "py-test: no Python tests yet"; fi

bench: deps
	swift build -c release --product tgfl-bench
	uptime
	$(BUILD_DIR)/tgfl-bench train --config small --threads 2
	@if $(BENCH_PYTHON) -c "import torch" 2>/dev/null; then \
	  $(BENCH_PYTHON) Benchmarks/pytorch_reference.py --config small --threads 2; \
	  $(BENCH_PYTHON) Benchmarks/pytorch_reference.py --config small --threads 2 --attention sdpa; \
	else echo "PyTorch side skipped: $(BENCH_PYTHON) has no torch (make bench BENCH_PYTHON=/path/to/python)"; fi
	$(BUILD_DIR)/tgfl-bench generate --config small --paths 1000 --horizon 250 --runs 3 --threads 2
	@if $(BENCH_PYTHON) -c "import torch" 2>/dev/null; then \
	  $(BENCH_PYTHON) Benchmarks/pytorch_generate_reference.py --config small --paths 1000 --horizon 250 --runs 3 --threads 2; fi

# Every row of BENCHMARKS.md's "Performance on the model that ships" in one sitting: train small and
# large (v1, v2) as interleaved triples (TGFL, PyTorch explicit, PyTorch SDPA) and generation pairs,
# medians of the per-round ratios, with the CPU and load printed. Run it with nothing else running:
#   make bench-compare BENCH_PYTHON=/path/to/python-with-torch [COMPARE_ROUNDS=3]
COMPARE_ROUNDS ?= 3
bench-compare: deps
	swift build -c release --product tgfl-bench
	uptime
	python3 Benchmarks/perf_compare.py --python $(BENCH_PYTHON) --bench $(BUILD_DIR)/tgfl-bench --rounds $(COMPARE_ROUNDS)

# Issue 12's realism benchmark: the arch baselines (GARCH(1,1)-t, GJR-GARCH skew-t, i.i.d.
# bootstrap) fitted on the first 80 % of every bundled series, then `tgfl-bench realism` scores
# them and TGFL side by side. Smaller runs: make realism REALISM_SERIES=djia,eu_stocks.dax REALISM_PATHS=200
# (REALISM_STEPS sets the TGFL training steps; BENCH_PYTHON must have arch and pandas).
REALISM_DIR     ?= .build/realism-baselines
REALISM_PATHS   ?= 1000
REALISM_HORIZON ?= 250
REALISM_SEED    ?= 42
REALISM_SERIES  ?=
REALISM_STEPS   ?= 300
REALISM_COMMON  := --paths $(REALISM_PATHS) --horizon $(REALISM_HORIZON) --seed $(REALISM_SEED) \
                   $(if $(REALISM_SERIES),--series $(REALISM_SERIES))
realism: deps
	swift build $(SWIFT_FLAGS) --product tgfl-bench
	@if $(BENCH_PYTHON) -c "import arch, pandas" 2>/dev/null; then \
	  $(BENCH_PYTHON) Benchmarks/realism_baselines.py --out $(REALISM_DIR) $(REALISM_COMMON); \
	else echo "realism: baselines skipped: $(BENCH_PYTHON) has no arch/pandas (make realism BENCH_PYTHON=/work/pyref/bin/python); TGFL is scored alone, the ACF and leverage targets stay unchecked"; fi
	$(BUILD_DIR)/tgfl-bench realism --baselines $(REALISM_DIR) --steps $(REALISM_STEPS) $(REALISM_COMMON)

# Issue 16's benchmark: `tgfl backtest` (TGFL and the five baselines, walk-forward) on every
# bundled series, then the summary tables of BENCHMARKS.md. Smaller runs:
# make backtest-bench BACKTEST_DAYS=250 BACKTEST_PATHS=500. A series already in BACKTEST_DIR is kept.
BACKTEST_DIR   ?= .build/backtest
BACKTEST_DAYS  ?= 500
BACKTEST_PATHS ?= 1000
BACKTEST_STEPS ?= 300

.PHONY: backtest-bench
backtest-bench: deps
	swift build $(SWIFT_FLAGS) --product tgfl
	python3 Benchmarks/backtest_benchmark.py --tgfl $(BUILD_DIR)/tgfl --out $(BACKTEST_DIR) \
	  --max-days $(BACKTEST_DAYS) --paths $(BACKTEST_PATHS) --steps $(BACKTEST_STEPS)

clean:
	rm -rf .build $(VENV) tgfl-demo

# --- Hardening (issue 13) -------------------------------------------------------------------
# Fuzzing: Fuzz/README.md. `make fuzz` runs each harness for FUZZ_SECONDS (or FUZZ_ITERATIONS
# inputs when FUZZ_SECONDS=0) after replaying the seed and crash corpora; findings go to
# Fuzz/findings/. `fuzz-smoke` (part of `make test`) replays the corpora plus a few hundred
# mutations per harness: seconds.
FUZZ_SECONDS    ?= 300
FUZZ_ITERATIONS ?= 1000000
FUZZ_SEED       ?= 1

fuzz: deps
	swift build $(SWIFT_FLAGS) --product tgfl-fuzz
	@status=0; for h in csv scenario-csv cabi checkpoint; do \
	  $(BUILD_DIR)/tgfl-fuzz --harness $$h --seconds $(FUZZ_SECONDS) --iterations $(FUZZ_ITERATIONS) \
	    --seed $(FUZZ_SEED) --fork 1 --batch 20000 --timeout 30 || status=1; \
	done; exit $$status

# The checkpoint harness replays its corpora, with the libhdf5 crash and hang reproducers (each
# an error now: the child-process check, Fuzz/README.md), plus 60 mutations; a libhdf5 hang
# costs the 1 s check timeout.
fuzz-smoke: build
	swift build $(SWIFT_FLAGS) --product tgfl-fuzz
	@for h in csv scenario-csv cabi; do $(BUILD_DIR)/tgfl-fuzz --harness $$h --iterations 300 --seed 7 || exit 1; done
	TGFL_HDF5_CHECK_TIMEOUT=1 $(BUILD_DIR)/tgfl-fuzz --harness checkpoint --iterations 60 --seed 7

# Coverage-guided fuzzing with libFuzzer (Fuzz/libfuzzer): the same four harnesses, built with
# `--sanitize=fuzzer` in their own scratch folder; each runs LIBFUZZ_SECONDS from the repo's seed
# and crash corpora (read-only) into a working corpus under .build/libfuzz/corpus/. Findings go to
# Fuzz/findings/libfuzz-<harness>-*; exit 1 if any.
LIBFUZZ_SECONDS ?= 300
LIBFUZZ_DIR     := .build/libfuzz
LIBFUZZ_FLAGS   ?=
.PHONY: libfuzz
libfuzz: deps
	TGFL_LIBFUZZER=1 swift build -c release --scratch-path $(LIBFUZZ_DIR) --sanitize=fuzzer --product tgfl-libfuzz
	@mkdir -p Fuzz/findings; status=0; for h in csv scenario-csv cabi checkpoint; do \
	  mkdir -p $(LIBFUZZ_DIR)/corpus/$$h; \
	  if [ $$h = checkpoint ]; then max=140000; else max=65536; fi; \
	  SWIFT_BACKTRACE=enable=no TGFL_FUZZ_HARNESS=$$h $(LIBFUZZ_DIR)/release/tgfl-libfuzz \
	    $(LIBFUZZ_DIR)/corpus/$$h Fuzz/corpus/$$h Fuzz/crashes/$$h -max_total_time=$(LIBFUZZ_SECONDS) \
	    -max_len=$$max -timeout=30 -print_final_stats=1 -artifact_prefix=Fuzz/findings/libfuzz-$$h- \
	    $(LIBFUZZ_FLAGS) || status=1; \
	done; exit $$status

# The Swift tests (debug, so that the sanitizers see everything) under AddressSanitizer, with
# UndefinedBehaviorSanitizer on the C code (swiftc has no -sanitize=undefined on Linux; Swift
# code traps on overflow and out-of-bounds by itself in debug builds), the C example against
# the ASan+UBSan library, and the parallel paths (worker pool, generation threads, federated
# clients) under ThreadSanitizer. Separate scratch folders keep the release build untouched.
# TGFL_SANITIZER_RUN=1 makes the statistical suites use small pilots and skip only the tolerances
# that need the full sizes (Tests/TGFLTestSupport/SanitizerRun.swift; `make test` checks them).
ASAN_FLAGS := --scratch-path .build/asan -c debug --sanitize=address \
  -Xcc -fsanitize=undefined -Xcc -fno-sanitize-recover=undefined
SAN_FILTER_TSAN := TGFLCoreTests.(GenerationTests|TrainerTests|TrainingTests|ScenarioModelTests|HardeningTests)|TGFLFederatedTests.(SimulationTests|TransformerFederatedTests|FederatedSmokeTests)
sanitize: deps
	swift build $(ASAN_FLAGS) --build-tests
	TGFL_SANITIZER_RUN=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 ASAN_OPTIONS=detect_leaks=0:halt_on_error=1 \
	  swift test $(ASAN_FLAGS) --skip-build
	$(MAKE) -C Examples/c run BUILD_DIR=$(abspath .build/asan/debug) \
	  CC="clang -fsanitize=address,undefined -fno-sanitize-recover=all"
	swift build --scratch-path .build/tsan -c debug --sanitize=thread --build-tests
	TGFL_SANITIZER_RUN=1 TSAN_OPTIONS=halt_on_error=1 swift test --scratch-path .build/tsan -c debug --sanitize=thread --skip-build \
	  --filter '$(SAN_FILTER_TSAN)'
	TSAN_OPTIONS=halt_on_error=1 $(MAKE) -C Examples/c run BUILD_DIR=$(abspath .build/tsan/debug) \
	  CC="clang -fsanitize=thread" LDLIBS="-lCTGFL -lm $(SWIFT_RUNTIME_LIBS)"

# The TSan runtime intercepts libdispatch, so a C program linked against it needs the Swift
# toolchain's libdispatch and BlocksRuntime.
SWIFT_RUNTIME_DIR  := $(shell dirname $$(dirname $$(readlink -f $$(command -v swift))))/lib/swift/linux
SWIFT_RUNTIME_LIBS := -L$(SWIFT_RUNTIME_DIR) -Wl,-rpath,$(SWIFT_RUNTIME_DIR) -ldispatch -lBlocksRuntime

# --- Python wheel and SwiftPM consumption (issue 14) ----------------------------------------
# `make wheel`: Examples/python's setup.py runs `swift build --product CTGFL` (with the flags of
# the release build above, so nothing is rebuilt) and bundles libCTGFL.so with the Swift runtime
# libraries it loads (RUNPATH $ORIGIN). `wheel-test` installs the wheel into a fresh venv (no
# TGFL_LIB_DIR, no PYTHONPATH, run from outside the checkout) and runs the README's snippet.
WHEEL_DIR  := .build/wheel
WHEEL_VENV := .build/wheel-venv
.PHONY: wheel wheel-test swiftpm-test docs
wheel: deps venv
	rm -rf $(WHEEL_DIR) Examples/python/build
	TGFL_SWIFT_BUILD_FLAGS="-Xswiftc -enable-testing" $(PY) -m pip wheel -q --no-deps -w $(WHEEL_DIR) ./Examples/python
	@ls $(WHEEL_DIR)/tgfl-*.whl

wheel-test: wheel
	rm -rf $(WHEEL_VENV)
	python3 -m venv $(WHEEL_VENV)
	$(WHEEL_VENV)/bin/pip install -q --disable-pip-version-check $(WHEEL_DIR)/tgfl-*.whl
	cd $(WHEEL_DIR) && env -u TGFL_LIB_DIR -u PYTHONPATH $(abspath $(WHEEL_VENV))/bin/python \
	  $(abspath Tests/wheel/check_wheel.py) $(abspath README.md)

# A new Swift package that depends on this checkout by path with the README's lines, builds and runs.
swiftpm-test: deps
	bash Tests/swiftpm/consumer_test.sh

# DocC: one catalog per library (Sources/<Module>/<Module>.docc, an overview article each), built
# by swift-docc-plugin into .build/docs/<Module>.doccarchive.
DOCC_TARGETS := TGFLRandom TGFLBase TGFLStats TGFLCore TGFLFederation TGFLFederated
docs:
	@mkdir -p .build/docs; for t in $(DOCC_TARGETS); do \
	  swift package --allow-writing-to-directory .build/docs generate-documentation --target $$t \
	    --output-path .build/docs/$$t.doccarchive || exit 1; done
# --- HTML report in a real browser (issue 15) ----------------------------------------------
# Headless Chromium renders the demo's report.html (Tests/browser/test_report_browser.py):
# it fails on a console error, an empty chart, a network request or a blank screenshot, and
# shows each check failing on a page broken on purpose. Debian's chromium-headless-shell is
# installed when no Chromium is found. Screenshot: .build/report-browser/report.png.
browser-deps:
	@if ! command -v chromium-headless-shell >/dev/null && ! command -v chromium >/dev/null; then \
	  if ! command -v apt-get >/dev/null; then \
	    echo "error: no Chromium — install chromium-headless-shell or chromium with your package manager"; exit 1; fi; \
	  echo "installing system packages: chromium-headless-shell"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium-headless-shell; \
	fi

browser-test: build venv browser-deps
	TGFL_BIN_DIR=$(abspath $(BUILD_DIR)) $(PY) -m pytest -q -s Tests/browser
