"""The dashboard's settings, from the environment with their documented defaults; the dashboard imports nothing of
the pipeline (orchestration/), so it reads its settings here rather than through orchestration/settings.py.

Variable (default): meaning.

- OBSERVATORY_WAREHOUSE (data/warehouse.duckdb): the published warehouse the pages read. `observatory dashboard` and
  `observatory report` set it to the file they were given (or orchestration/settings.py's choice); the default is
  the same as the pipeline's (tests/test_settings.py holds them together).
- OBSERVATORY_AUDIT_DIR (an ``audit`` folder beside the published warehouse): where the dashboard appends its audit
  log (sign-ins, page views, downloads; dashboards/audit.py), one JSON-lines file per UTC day. Never inside the
  published warehouse, which readers share.
- OBSERVATORY_AUDIT_RETENTION_DAYS (90): days of audit files kept; older files are deleted when a new day's file
  starts. 0 keeps every file.
- OBSERVATORY_GROUPS_CLAIM (groups): the ID-token claim listing a signed-in user's groups, matched by
  ``group:NAME`` rows of dashboard_access (dashboards/access.py).

Sign-in itself is Streamlit's: the ``[auth]`` section of the secrets file `observatory dashboard` passes to Streamlit
(README "Sign-in and who sees what").
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


def audit_dir() -> Path:
    given = os.environ.get("OBSERVATORY_AUDIT_DIR")
    return Path(given).resolve() if given else warehouse_path().parent / "audit"


def audit_retention_days() -> int:
    return max(0, int(os.environ.get("OBSERVATORY_AUDIT_RETENTION_DAYS") or 90))


def groups_claim() -> str:
    return os.environ.get("OBSERVATORY_GROUPS_CLAIM") or "groups"
