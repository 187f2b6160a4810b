# Two commands set everything up on a fresh machine with only Python 3.11 and make:
#   make demo   — create .venv, install casefile, run it on the bundled sample data
#   make test   — create .venv, install the test extras, run ruff and the whole test suite
#   make docs   — regenerate the generated parts of README.md and docs/CLI.md
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO_DB := $(VENV)/demo/casefile.db
CASEFILE := $(BIN)/casefile

.PHONY: demo install test coverage lint docs soak bench eval clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# An editable install writes no bytecode, and PYTHONDONTWRITEBYTECODE (set on some machines) stops Python
# from caching it: every run would then compile casefile's modules again (~30 ms). Compile once, as pip
# does when it installs a wheel; a changed source file is still recompiled from its timestamp.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	$(BIN)/python -m compileall -q casefile
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	$(BIN)/python -m compileall -q casefile
	touch $@ $(VENV)/.installed

# --no-pager: the demo prints everything and returns to the prompt, whatever the terminal's height
demo: $(VENV)/.installed
	rm -f $(DEMO_DB)
	$(CASEFILE) --no-pager --db $(DEMO_DB) init
	$(CASEFILE) --no-pager --db $(DEMO_DB) org import data/organizations.json
	$(CASEFILE) --no-pager --db $(DEMO_DB) import data/accounts.json
	$(CASEFILE) --no-pager --db $(DEMO_DB) list --format table
	$(CASEFILE) --no-pager --db $(DEMO_DB) show SEED-0001
	$(CASEFILE) --no-pager --db $(DEMO_DB) timeline --org MEK

# casefile for daily use, outside the checkout: pipx (its own environment) when it is there, else pip --user;
# either way the command lands in ~/.local/bin
install:
	@if command -v pipx >/dev/null; then pipx install --force .; else $(PYTHON) -m pip install --user .; fi

# benchmarks/ is linted once it exists (it is not part of every checkout yet)
LINTED := casefile tests $(wildcard benchmarks)

lint: $(VENV)/.installed-test
	$(BIN)/ruff check $(LINTED)
	$(BIN)/ruff format --check $(LINTED)

# regenerate the field reference in README.md and docs/CLI.md (a test fails when they are stale)
docs: $(VENV)/.installed
	$(BIN)/python -m casefile.docs

test: $(VENV)/.installed-test lint
	$(BIN)/mypy casefile
	$(BIN)/python -m pytest -m "not slow" -n auto --dist worksteal -q

# the same tests with branch coverage (about a minute more on 2 cores): which lines no test reaches
coverage: $(VENV)/.installed-test
	$(BIN)/python -m pytest -m "not slow" -n auto --dist worksteal --cov --cov-report=term:skip-covered -q

soak: $(VENV)/.installed-test
	CASEFILE_CRASH_ROWS=200000 $(BIN)/python -m pytest -m slow -q

# BENCH_ROWS=1000000 make bench for the full run; docs/PERFORMANCE.md explains the table.
# ingest's drafts scored against the labelled texts of tests/eval (precision and recall per field; exits 1
# when a goal of issue 22 is missed). Any folder of labels: make eval EVAL_LABELS="path/to/labels"
eval: $(VENV)/.installed-test
	$(BIN)/python -m casefile.ingest.evaluate $(EVAL_LABELS) --strict

# the evidence measures (issue 21) follow; verify over EVIDENCE_GB of artifacts (0.2 by default: 1 GB takes a
# few minutes more; EVIDENCE_GB=1 make bench for the issue's full measure)
EVIDENCE_GB ?= 0.2
bench: $(VENV)/.installed-test
	@command -v sqlite3 >/dev/null || { echo "make bench needs the sqlite3 shell for its yardsticks: apt-get install sqlite3"; exit 1; }
	$(BIN)/python benchmarks/run.py
	$(BIN)/python benchmarks/evidence.py --gb-verify $(EVIDENCE_GB)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .coverage
