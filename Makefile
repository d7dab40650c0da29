# The README's two commands are `make start` and `make test`; CI runs `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: start test install lint typecheck unit browser-deps postgres-deps bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

## Install, create the database with the seed corpus, and open the app.
start: install
	$(BIN)/workbench init
	$(BIN)/workbench serve

## Install everything (Chromium and PostgreSQL included) and run the whole suite: lint, types,
## tests (the storage and page tests on SQLite and on a throwaway PostgreSQL server), browser tests.
test: install browser-deps postgres-deps lint typecheck unit

browser-deps:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Chromium from Debian for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

# The tests start their own throwaway server from these binaries (tests/postgres.py);
# nothing needs to be running, and the Debian cluster the package may create is not used.
postgres-deps:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1 \
	  || [ -n "$$WORKBENCH_PG_BIN" ] || { \
	  echo "installing PostgreSQL from Debian for the tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; }

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy

unit: install
	$(BIN)/python -m pytest -n 2 --dist loadgroup

bench: install
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
