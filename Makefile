# The two commands: `make run` (the main job) and `make test` (the whole suite).
# Both bootstrap .venv from nothing but a Python >= 3.11 on PATH.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PY     := $(BIN)/python

.PHONY: run test lint typecheck pytest docs bench mutate clean help

help:  ## List the targets
	@grep -E '^[a-z]+:.*##' $(MAKEFILE_LIST) | sed 's/:.*##/\t/'

$(PY):
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "PeerMarket needs Python >= 3.11"'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

# One stamp per set of extras, redone whenever pyproject.toml changes. `make run`
# installs the experiment extra too, so every command the README shows works.
$(VENV)/.stamp-run: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[experiment]'
	@touch $@

$(VENV)/.stamp-all: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[dev,docs,experiment,cluster]'
	@touch $@ $(VENV)/.stamp-run

$(VENV)/.stamp-mutate: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[mutate]'
	@touch $@

run: $(VENV)/.stamp-run  ## The main job: the conformance corpus against the reference
	$(BIN)/peermarket selfcheck
	$(BIN)/peermarket conform

test: lint typecheck pytest docs  ## Everything CI runs

lint: $(VENV)/.stamp-all
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(VENV)/.stamp-all
	$(BIN)/mypy spec reference conformance

pytest: $(VENV)/.stamp-all
	$(BIN)/pytest -n auto -q

docs: $(VENV)/.stamp-all  ## Build the spec site (warnings are errors)
	$(BIN)/sphinx-build -W --keep-going -q -b html docs docs/_build/html

bench: $(VENV)/.stamp-all  ## Benchmarks; figures go to bench/results/
	$(PY) -m bench

# Resumable: re-running continues the sessions in build/mutation/sessions.
# MODULES="reference/cbor.py ..." for a subset, FRESH=1 to start over, JOBS=1 for one worker.
mutate: $(VENV)/.stamp-mutate  ## Mutation testing of the reference, the corpus as the only test
	$(PY) -m bench.mutation $(if $(MODULES),--modules $(MODULES)) $(if $(FRESH),--fresh) \
		$(if $(JOBS),--jobs $(JOBS))

clean:
	rm -rf $(VENV) docs/_build build dist .pytest_cache .mypy_cache .ruff_cache .hypothesis
