# Two commands on a fresh machine with Python 3.11: `make demo` and `make test` (see README.md).
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: demo test lint unit browser-deps postgres-deps java-deps dashboard dagster contract clean

demo: $(INSTALLED)
	$(BIN)/observatory run
	@echo
	@echo "Warehouse published. Serve the dashboard with:  $(BIN)/observatory dashboard"
	@echo "Dashboard URL: http://127.0.0.1:8501"

$(INSTALLED): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "needs $(PYTHON) on PATH (or: make PYTHON=/path/to/python3.11)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(INSTALLED)

# Two workers, a test file each: most of a test's time is one process (dbt parsing, Streamlit, Chromium).
test: $(INSTALLED) browser-deps postgres-deps java-deps lint
	$(BIN)/python -m pytest -n 2 --dist loadfile

lint: $(INSTALLED)
	$(BIN)/python -m orchestration.contract --check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/sqlfluff lint dbt_project/models --processes 2

# Debian's Chromium and ChromeDriver for the real-browser dashboard test (root installs them; others skip).
browser-deps:
	@if [ ! -x /usr/bin/chromium ] && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; fi

# Debian's PostgreSQL server for the engine-equivalence test, which starts its own throwaway server
# (tests/test_engines.py); root installs it, and the test says what is missing otherwise.
postgres-deps:
	@if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; fi

# Debian's Java 17 runtime for the Spark engine test (pyspark starts a JVM; root installs it, others skip).
java-deps:
	@if ! command -v java >/dev/null && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless >/dev/null; fi

dashboard: $(INSTALLED)
	$(BIN)/observatory dashboard

# The Dagster UI, daemon, sensor and schedule; run history lives in .dagster_home/ (not committed).
dagster: $(INSTALLED)
	export DAGSTER_HOME=$${DAGSTER_HOME:-$(CURDIR)/.dagster_home} && mkdir -p $$DAGSTER_HOME && \
		{ test -f $$DAGSTER_HOME/dagster.yaml || cp orchestration/dagster.yaml $$DAGSTER_HOME/; } && \
		$(BIN)/dagster dev -m orchestration.definitions

contract: $(INSTALLED)
	$(BIN)/python -m orchestration.contract

clean:
	rm -rf data dbt_project/target .pytest_cache
