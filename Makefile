# The two commands of the README: `make run` and `make test`.
# Both set up .venv with uv first; the set-up is skipped when nothing changed.

VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTHON ?= python3

.PHONY: setup run test lint bench clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m pip install --quiet --disable-pip-version-check uv
	$(PYTHON) -m uv venv --quiet --allow-existing $(VENV)
	$(PYTHON) -m uv pip install --quiet --python $(BIN)/python -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/statgouv run

lint: $(STAMP)
	$(BIN)/ruff check ingest tests
	$(BIN)/ruff format --check ingest tests
	$(BIN)/sqlfluff lint models macros tests --templater jinja --disable-progress-bar

test: $(STAMP)
	$(BIN)/ruff check ingest tests bench
	$(BIN)/ruff format --check ingest tests bench
	$(BIN)/pytest

# The benchmark of BENCHMARKS.md (about 45 minutes and 20 GB of disk at full size).
BENCH_ARGS ?= --sites 900 --history 365 --backfill-days 730
bench: $(STAMP)
	$(PYTHON) -m uv pip install --quiet --python $(BIN)/python -e '.[dev,bench]'
	$(BIN)/python bench/bench.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .venv-udata warehouse.duckdb warehouse.duckdb.wal exports target logs
