# Two commands set up everything: `make run` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
ITS_PORT ?= 8100

.PHONY: run test quick lint typecheck pg browser clean system

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

# Serves the app on an embedded SQLite database with a demo pharmacy,
# with the İTS simulator beside it.
run: $(STAMP)
	$(BIN)/eczane run --host $(HOST) --port $(PORT) --its-port $(ITS_PORT) --demo

lint: $(STAMP)
	$(BIN)/ruff check src tests $(wildcard bench scripts)
	$(BIN)/mypy

# PostgreSQL, Chromium and fonts for the tests: installed with apt-get when root (or
# passwordless sudo), otherwise the exact command is printed and make stops.
system:
	scripts/ensure_system_packages.sh

# Everything CI runs: lint, types, domain, SQLite, PostgreSQL, browser.
test: system lint
	$(BIN)/python -m pytest -q -p no:cacheprovider

# Fast inner loop: no PostgreSQL, no browser.
quick: $(STAMP)
	$(BIN)/python -m pytest -q -m "not pg and not browser and not slow" -x

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
