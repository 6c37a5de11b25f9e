"""The dashboard's one setting, from the environment with its documented default; the dashboard imports nothing of
the pipeline (orchestration/), so it reads its setting here rather than through orchestration/settings.py.

Variable (default): meaning.

- OBSERVATORY_WAREHOUSE (data/warehouse.duckdb): the published warehouse the pages read. `observatory dashboard` and
  `observatory report` set it to the file they were given (or orchestration/settings.py's choice); the default is
  the same as the pipeline's (tests/test_settings.py holds them together).
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_WAREHOUSE = PROJECT_ROOT / "data" / "warehouse.duckdb"
# Read as project files, not imported: the dbt macro of the status rule (rendered by dashboards/queries/rollup.py).
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"


def warehouse_path() -> Path:
    """The published warehouse, read on every call (a test or the CLI may name another one)."""
    return Path(os.environ.get("OBSERVATORY_WAREHOUSE") or DEFAULT_WAREHOUSE).resolve()
