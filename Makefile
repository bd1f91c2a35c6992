# Two commands for a fresh machine (see README.md):
#   make serve   set everything up, build the sample site, serve it with live reload
#   make test    set everything up, then run the whole test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY_STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed

.PHONY: serve test setup test-setup

serve: setup
	$(BIN)/invoke livereload

test: test-setup
	$(BIN)/invoke test

setup: $(PY_STAMP)

test-setup: setup $(NODE_STAMP)
	bash scripts/system-deps.sh

$(PY_STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@
