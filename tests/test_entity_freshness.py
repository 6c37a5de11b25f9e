"""One freshness judgement: marts.entity_freshness, measured against the build's start, is what Dagster's freshness
checks report and what the Data quality page shows, so the two agree on the same warehouse."""

from __future__ import annotations

import os
import time
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest
from conftest import ORDERS_CSV, SITES_CSV, query, write_file
from streamlit.testing.v1 import AppTest

from orchestration.definitions import build_definitions
from orchestration.settings import OperationsSettings, Settings

APP = Path(__file__).resolve().parents[1] / "dashboards" / "app.py"
ITEMS_CSV = "item_id,item_name\nSKU1,Widget\n"
HOUR = 3600


def run_job(settings: Settings) -> dict[str, bool]:
    """Run observatory_job in-process (as `observatory run` does); return each entity's freshness check verdict."""
    job = build_definitions(settings).resolve_job_def("observatory_job")
    with dg.DagsterInstance.ephemeral() as instance:
        result = job.execute_in_process(
            instance=instance,
            raise_on_error=False,
            run_config={"loggers": {"console": {"config": {"log_level": "ERROR"}}, "observatory": {}}},
        )
    assert result.success
    return {
        evaluation.asset_key.path[-1]: evaluation.passed
        for evaluation in result.get_asset_check_evaluations()
        if evaluation.check_name == "freshness"
    }


def page_freshness(warehouse: Path, monkeypatch: pytest.MonkeyPatch) -> pd.DataFrame:
    monkeypatch.setenv("OBSERVATORY_WAREHOUSE", str(warehouse))
    app = AppTest.from_file(APP, default_timeout=60)
    app.run()
    app.switch_page("views/data_quality.py").run()
    assert not app.exception, [error.message for error in app.exception]
    [table] = [frame.value for frame in app.dataframe if "Why" in frame.value.columns]
    return table.set_index("Entity")


@pytest.mark.slow
def test_the_freshness_check_and_the_data_quality_page_agree_on_a_stale_delivery(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    limits = OperationsSettings.from_env()
    extracts = tmp_path / "extracts"
    old_sites = write_file(extracts, "sites", "sites_20260105.csv", SITES_CSV)
    stale_since = time.time() - (limits.delivery_max_age_hours + 12) * HOUR
    os.utime(old_sites, (stale_since, stale_since))
    write_file(extracts, "items", "items_20260105.csv", ITEMS_CSV)  # delivered now, nothing to date: fresh
    write_file(extracts, "sales_orders", "sales_orders_20260105.csv", ORDERS_CSV)  # delivered now, events of January
    settings = Settings.from_env(extracts, tmp_path / "published" / "warehouse.duckdb")

    checks = run_job(settings)
    page = page_freshness(settings.warehouse_path, monkeypatch)

    assert checks["sites"] is False and checks["items"] is True and checks["sales_orders"] is False
    assert checks["users"] is False  # not delivered
    shown = {entity: status == "fresh" for entity, status in page["Status"].items()}
    assert shown == {entity: passed for entity, passed in checks.items() if entity in shown}
    assert page.loc["sites", "Why"].startswith("newest delivery ")
    assert f"(limit {limits.delivery_max_age_hours:g} h)" in page.loc["sites", "Why"]
    assert page.loc["sales_orders", "Why"].startswith("newest event ")
    assert page.loc["users", "Why"] == "not delivered"


@pytest.mark.slow
def test_freshness_is_measured_against_the_build_start_not_the_data_s_last_day(small_warehouse: Path):
    [(event_column, newest_event_at, as_of_at, event_age_hours)] = query(
        small_warehouse,
        """
        select event_column, newest_event_at, as_of_at, event_age_hours
        from marts.entity_freshness where entity = 'sales_orders'
        """,
    )
    assert event_column == "created_at"
    assert as_of_at > newest_event_at
    assert event_age_hours == pytest.approx((as_of_at - newest_event_at).total_seconds() / HOUR)
    # January's orders, published today: months old, not "fresh" for being the data's own last day.
    assert event_age_hours > 24 * 30


def test_a_plan_date_never_dates_an_entity(small_warehouse: Path):
    dated_by = dict(query(small_warehouse, "select entity, event_column from marts.entity_freshness"))
    assert dated_by["close_tasks"] == "completed_at"  # not due_at, its first timestamp
    assert dated_by["sites"] is None and dated_by["items"] is None
