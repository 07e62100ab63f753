# The two commands of the README: `make run` and `make test`.
# Both set up .venv with uv first; the set-up is skipped when nothing changed.

VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTHON ?= python3

.PHONY: setup run test lint bench clean

setup: $(STAMP)

# uv goes into .venv itself, so that nothing is installed into the system's
# Python; it then installs the project some eight times faster than pip.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv
	$(BIN)/python -m uv pip install --quiet --python $(BIN)/python -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/statgouv run

# What `make test` checks of the code's form, alone (the tests run SQLFluff too).
lint: $(STAMP)
	$(BIN)/ruff check ingest tests bench
	$(BIN)/ruff format --check ingest tests bench
	$(BIN)/sqlfluff lint models macros tests/dbt --templater jinja --disable-progress-bar

test: $(STAMP)
	$(BIN)/ruff check ingest tests bench
	$(BIN)/ruff format --check ingest tests bench
	$(BIN)/pytest

# The benchmark of BENCHMARKS.md (about 30 minutes and 20 GB of disk at full size).
BENCH_ARGS ?= --sites 900 --history 365 --backfill-days 730
bench: $(STAMP)
	$(BIN)/python -m uv pip install --quiet --python $(BIN)/python -e '.[dev,bench]'
	$(BIN)/python bench/bench.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .venv-udata .venv-udata.lock warehouse.duckdb warehouse.duckdb.wal \
		warehouse.duckdb.lock exports data target logs
