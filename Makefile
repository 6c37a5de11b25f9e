# Two commands on a fresh machine with Python 3.11: `make demo` and `make test` (see README.md).
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
# Quiet; setuptools' note that an editable install is one (ten lines on every install) is left out too.
# pip's own output (and any warning of the machine's pip configuration) goes to .venv/install.log; shown on failure.
PIP := PYTHONWARNINGS="ignore:Editable installation" $(BIN)/python -m pip --quiet --disable-pip-version-check
LOGGED := >>$(VENV)/install.log 2>&1 || { tail -n 30 $(VENV)/install.log; exit 1; }
# What is installed in the venv: the runtime dependencies (`make demo`), then the development extras (`make test`).
RUNTIME := $(VENV)/.installed-runtime
DEV := $(VENV)/.installed-dev

.PHONY: demo test test-fast lint browser-deps postgres-deps java-deps dashboard dagster contract clean

demo: $(RUNTIME)
	$(BIN)/observatory run
	@echo
	@echo "Warehouse published. Serve the dashboard with:  $(BIN)/observatory dashboard"
	@echo "Dashboard URL: http://127.0.0.1:8501"

# run, dashboard, generate and the Dagster UI: no Spark, PostgreSQL driver, linters or browser automation.
$(RUNTIME): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "needs $(PYTHON) on PATH (or: make PYTHON=/path/to/python3.11)"; exit 1; }
	@echo "installing the runtime dependencies into $(VENV) (about a minute) ..."
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(PIP) install --upgrade pip $(LOGGED)
	@$(PIP) install -e . $(LOGGED)
	@touch $(RUNTIME)

# On top of the runtime: the Spark and PostgreSQL engines, pytest, ruff, sqlfluff and Playwright.
$(DEV): $(RUNTIME)
	@echo "installing the development extras into $(VENV) (Spark, PostgreSQL driver, pytest, linters, Playwright) ..."
	@$(PIP) install -e '.[dev]' $(LOGGED)
	@touch $(DEV)

# Two workers, a test file each: most of a test's time is one process (dbt parsing, Streamlit, Chromium).
test: $(DEV) browser-deps postgres-deps java-deps lint
	$(BIN)/python -m pytest -n 2 --dist loadfile

# The fast lane while working: contract check, ruff, and every test not marked slow (unit tests, the dbt unit
# tests, one small end-to-end run of the job). No apt installs.
test-fast: $(DEV)
	$(BIN)/python -m orchestration.contract --check
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -m "not slow" -q

lint: $(DEV)
	$(BIN)/python -m orchestration.contract --check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/sqlfluff lint dbt_project/models --processes 2
	@# The semantic layer: dbt parses (and checks) the semantic models and metrics; MetricFlow validates them, through
	@# the read-only `published` target, which writes nothing (--skip-dw: no warehouse needed).
	cd dbt_project && ../$(BIN)/dbt parse --quiet && DBT_TARGET=published ../$(BIN)/mf validate-configs --skip-dw

# Debian's Chromium and ChromeDriver for the real-browser dashboard test (root installs them; others skip).
browser-deps:
	@if [ ! -x /usr/bin/chromium ] && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; fi

# Debian's PostgreSQL server for the engine-equivalence test, which starts its own throwaway server
# (tests/test_engines.py); root installs it, and the test says what is missing otherwise.
postgres-deps:
	@if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; fi

# Debian's Java 17 runtime for the Spark engine tests (pyspark starts a JVM; root installs it, others need Java).
java-deps:
	@if ! command -v java >/dev/null && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless >/dev/null; fi

dashboard: $(RUNTIME)
	$(BIN)/observatory dashboard

# The Dagster UI, daemon, sensor and schedule; run history lives in .dagster_home/ (not committed).
dagster: $(RUNTIME)
	export DAGSTER_HOME=$${DAGSTER_HOME:-$(CURDIR)/.dagster_home} && mkdir -p $$DAGSTER_HOME && \
		{ test -f $$DAGSTER_HOME/dagster.yaml || cp orchestration/dagster.yaml $$DAGSTER_HOME/; } && \
		$(BIN)/dagster dev -m orchestration.definitions

contract: $(RUNTIME)
	$(BIN)/python -m orchestration.contract

clean:
	rm -rf data dbt_project/target .pytest_cache
