# tender: `make run` starts the server on SQLite; `make test` runs every check.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

.PHONY: install run test lint typecheck unit api clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/tender serve

lint: install
	$(BIN)/ruff check src tests

typecheck: install
	$(BIN)/mypy --strict src/tender/core src/tender/processor src/tender/services src/tender/webhooks

unit: install
	$(BIN)/pytest -q tests/unit

api: install
	$(BIN)/pytest -q -n 2 tests/api

test: install lint typecheck
	$(BIN)/pytest -q -n 2 tests

clean:
	rm -rf $(VENV) tender.db tender.db-wal tender.db-shm
