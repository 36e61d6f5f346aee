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

.PHONY: demo test deps venv build swift-test cli-test c-test py-test bench realism clean

demo: deps
	swift build -c release -Xswiftc -enable-testing --product tgfl
	$(BUILD_DIR)/tgfl demo

test: deps venv build swift-test cli-test c-test py-test

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
	else echo "PyTorch side skipped: $(BENCH_PYTHON) has no torch (make bench BENCH_PYTHON=/path/to/python)"; fi
	$(BUILD_DIR)/tgfl-bench generate --config small --paths 1000 --horizon 250 --runs 3 --threads 2
	@if $(BENCH_PYTHON) -c "import torch" 2>/dev/null; then \
	  $(BENCH_PYTHON) Benchmarks/pytorch_generate_reference.py --config small --paths 1000 --horizon 250 --runs 3 --threads 2; fi

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

clean:
	rm -rf .build $(VENV) tgfl-demo
