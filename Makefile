# `make demo` and `make test` create .venv with the pinned dependencies on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
BACKENDS ?= tensorflow jax torch
BACKEND ?= tensorflow
DEMO_ARGS ?=
PYTEST_ARGS ?=

.PHONY: demo test bench venv clean

venv: $(STAMP)

$(STAMP): pyproject.toml requirements/lock.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements/lock.txt
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/keras-tailor demo --backend $(BACKEND) $(DEMO_ARGS)

# One pytest process per backend, because Keras fixes its backend at import.
# The three run at once (most of their time is Python, not arithmetic), each
# into its own log, printed when all have finished. TEST_PARALLEL= runs them
# one after another with live output.
TEST_PARALLEL ?= 1
test: $(STAMP)
	@status=0; logs=$$(mktemp -d); \
	if [ -n "$(TEST_PARALLEL)" ]; then \
		for backend in $(BACKENDS); do \
			KERAS_BACKEND=$$backend $(BIN)/python -m pytest $(PYTEST_ARGS) > $$logs/$$backend.log 2>&1 & \
			echo $$! > $$logs/$$backend.pid; \
		done; \
		for backend in $(BACKENDS); do \
			wait $$(cat $$logs/$$backend.pid) || status=1; \
			echo "=== pytest on the $$backend backend ==="; \
			cat $$logs/$$backend.log; \
		done; \
	else \
		for backend in $(BACKENDS); do \
			echo "=== pytest on the $$backend backend ==="; \
			KERAS_BACKEND=$$backend $(BIN)/python -m pytest $(PYTEST_ARGS) || status=1; \
		done; \
	fi; \
	rm -rf $$logs; \
	exit $$status

# Benchmarks: one process per backend, then docs/benchmarks.md. QUICK=1 only proves they run.
bench: $(STAMP)
	@set -e; \
	if [ -n "$(QUICK)" ]; then flag=--quick; out=$$(mktemp -d); page=$$out/benchmarks.md; \
	else flag=; out=benchmarks/results; page=docs/benchmarks.md; fi; \
	for backend in $(BACKENDS); do \
		KERAS_BACKEND=$$backend $(BIN)/python benchmarks/run.py $$flag --out $$out; \
	done; \
	$(BIN)/python benchmarks/report.py $$out $$page $$flag

clean:
	rm -rf $(VENV) build dist src/*.egg-info .pytest_cache demo-output
