# Two commands set everything up on a fresh machine with only Python 3.11 and make:
#   make demo   — create .venv, install casefile, run it on the bundled sample data
#   make test   — create .venv, install the test extras, run ruff and the whole test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO_DB := $(VENV)/demo/casefile.db
CASEFILE := $(BIN)/casefile

.PHONY: demo test lint soak fuzz bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

demo: $(VENV)/.installed
	rm -f $(DEMO_DB)
	$(CASEFILE) --db $(DEMO_DB) init
	$(CASEFILE) --db $(DEMO_DB) import data/accounts.json
	$(CASEFILE) --db $(DEMO_DB) list --format table
	$(CASEFILE) --db $(DEMO_DB) show NEJAT-ALASHTI

lint: $(VENV)/.installed-test
	$(BIN)/ruff check casefile tests benchmarks
	$(BIN)/ruff format --check casefile tests benchmarks

test: $(VENV)/.installed-test lint
	$(BIN)/mypy casefile
	$(BIN)/python -m pytest -m "not slow" --cov --cov-report=term:skip-covered -q

soak: $(VENV)/.installed-test
	$(BIN)/python -m pytest -m slow -q

# BENCH_ROWS=1000000 make bench for the full run; docs/PERFORMANCE.md explains the table.
bench: $(VENV)/.installed-test
	@command -v sqlite3 >/dev/null || { echo "make bench needs the sqlite3 shell for its yardsticks: apt-get install sqlite3"; exit 1; }
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .coverage
