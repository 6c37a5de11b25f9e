"""Shared fixtures: small hand-made extracts folders and real pipeline runs against temporary DuckDB files."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

from orchestration.cli import run_pipeline
from orchestration.settings import SAMPLE_EXTRACTS_DIR, Settings

SITES_CSV = """site_id,site_name,region,legal_entity,timezone,go_live_date,rollout_wave,source_system
S1,Dallas DC,South,LE-US,America/Chicago,2026-02-01,wave-1,legacy
S2,Berlin DC,Europe,LE-DE,Europe/Berlin,,wave-2,legacy
"""

ORDERS_CSV = """order_id,site_id,customer_id,channel,entry_method,created_at,requested_ship_date,status
O1,S1,C1,edi,system,2026-01-05T10:00:00Z,2026-01-06,shipped
O2,S1,C2,direct,system,2026-01-05T11:00:00Z,2026-01-06,open
O3,S2,C3,phone,offline,2026-01-05T12:00:00+01:00,2026-01-07,open
"""


# Columns that say when a build ran or when files were written, not what was built (marts.entity_freshness
# measures ages against the build's start and picks the newest delivery by modification time): two builds of the
# same data differ only there; staged_in names the dbt invocation that staged a row; marts.alerts says which runs
# raised, last saw and cleared an alert (and on which day, for the budget).
BUILD_TIME_COLUMNS = frozenset(
    {
        "staged_in",
        "first_raised_at",
        "last_seen_at",
        "cleared_at",
        "raised_date",
        "as_of_at",
        "newest_file_name",
        "newest_file_modified_at",
        "delivery_age_hours",
        "event_age_hours",
        "is_delivery_fresh",
        "is_event_fresh",
    }
)


def write_file(folder: Path, entity: str, name: str, text: str | bytes) -> Path:
    path = folder / entity / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    return path


@pytest.fixture
def extracts(tmp_path: Path) -> Path:
    """A minimal valid delivery: two sites and three orders."""
    folder = tmp_path / "extracts"
    write_file(folder, "sites", "sites_20260105.csv", SITES_CSV)
    write_file(folder, "sales_orders", "sales_orders_20260105.csv", ORDERS_CSV)
    return folder


Run = Callable[..., Path]


@pytest.fixture
def run(tmp_path: Path) -> Run:
    """Run the real Dagster job (loader, dbt build, publish) and return the published warehouse path."""

    def _run(extracts_dir: Path, warehouse: Path | None = None) -> Path:
        settings = Settings.from_env(extracts_dir, warehouse or tmp_path / "published" / "warehouse.duckdb")
        run_pipeline(settings, "ERROR")
        return settings.warehouse_path

    return _run


def query(warehouse: Path, sql: str, parameters: list | None = None) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql, parameters or []).fetchall()


@pytest.fixture(scope="session")
def small_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two sites and three orders through the whole job once per session: the fast lane's end-to-end run."""
    root = tmp_path_factory.mktemp("small")
    write_file(root / "extracts", "sites", "sites_20260105.csv", SITES_CSV)
    write_file(root / "extracts", "sales_orders", "sales_orders_20260105.csv", ORDERS_CSV)
    warehouse = root / "published" / "warehouse.duckdb"
    run_pipeline(Settings.from_env(root / "extracts", warehouse), "ERROR")
    return warehouse


@pytest.fixture(scope="session")
def sample_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled sample, loaded once per test session."""
    warehouse = tmp_path_factory.mktemp("sample") / "warehouse.duckdb"
    run_pipeline(Settings.from_env(SAMPLE_EXTRACTS_DIR, warehouse), "ERROR")
    return warehouse
