# tender: `make run` starts the server on SQLite; `make test` runs every check.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

.PHONY: install run example test lint typecheck unit api api-postgres browser clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/tender serve

# The example checkout (examples/checkout) on http://127.0.0.1:4242, with its own tender on :12112.
example: install
	$(BIN)/python -m examples.checkout --with-tender

lint: install
	$(BIN)/ruff check src tests examples

typecheck: install
	$(BIN)/mypy --strict src/tender/core src/tender/processor src/tender/services src/tender/webhooks

unit: install
	$(BIN)/pytest -q tests/unit

api: install
	$(BIN)/pytest -q -n 2 tests/api

api-postgres: install
	$(BIN)/pytest -q -n 2 --backend postgres tests/api tests/reliability

# Playwright on Debian's chromium (apt-get install chromium); never Playwright's own browsers.
browser: install
	$(BIN)/pytest -q -n 2 tests/browser

# The API and reliability suites run on SQLite, then on a private PostgreSQL (pgserver); the API
# suite also once with every SQLite write rehearsed and replayed (TENDER_REHEARSE=always).
# bench-quick only proves the benchmark still runs; its figures are not judged here.
test: install lint typecheck bench-quick
	$(BIN)/pytest -q -n 2 tests
	TENDER_REHEARSE=always $(BIN)/pytest -q -n 2 tests/api
	$(BIN)/pytest -q -n 2 --backend postgres tests/api tests/reliability

clean:
	rm -rf $(VENV) tender.db tender.db-wal tender.db-shm example.db example.db-wal example.db-shm test-artifacts

# Benchmark (issue #7; docs/performance.md). Needs wrk (Debian: apt-get install wrk).
# bench: SQLite, then PostgreSQL (a private pgserver cluster, with the asyncpg-alone
# baseline), tiers of 10k and 1M stored PaymentIntents (seeded once, cached in
# BENCH_WORKDIR, default /tmp/tender-bench); bench-quick: SQLite only, a tiny tier, well
# under a minute.
# Extra options: make bench BENCH_ARGS="--backends postgresql --tiers 10k --profile create,retrieve".
.PHONY: bench bench-quick
WRK_CHECK = @command -v wrk >/dev/null 2>&1 || { echo "make bench needs wrk: sudo apt-get install wrk (Debian/Ubuntu), or build https://github.com/wg/wrk"; exit 1; }

bench: install
	$(WRK_CHECK)
	$(BIN)/python -m bench.run $(BENCH_ARGS)

bench-quick: install
	$(WRK_CHECK)
	$(BIN)/python -m bench.run --quick $(BENCH_ARGS)
