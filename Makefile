# Two promises on a fresh machine with python3 (3.11) and make:
#   make demo   installs the locked dependencies, generates demo data, runs the pipeline
#   make test   installs the same and runs the test suite
.PHONY: install demo test test-fast lint format ui clean

PYTHON ?= python3
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
# uv must use this machine's Python and the lock file exactly, never fetch its own.
export UV_PYTHON_DOWNLOADS := never
export UV_PYTHON := $(PYTHON)

install: $(VENV)/.installed

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(VENV)/.installed: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen
	touch $@

demo: install
	$(VENV)/bin/cdp demo

test: install
	$(VENV)/bin/pytest

test-fast: install
	$(VENV)/bin/pytest -m "not slow"

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

ui: install
	$(VENV)/bin/cdp ui

clean:
	rm -rf data transforms/target transforms/logs
