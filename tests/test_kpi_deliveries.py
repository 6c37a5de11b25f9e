"""A KPI needs its deliveries (KPIS.md): with only sites and sales_orders delivered, kpi_daily holds
workaround_order_rate and nothing else - no fill rate without lines and shipments, no every-day KPI without
the entity it counts - and there is no finance close without close tasks."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest

pytestmark = pytest.mark.slow


def query(warehouse: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_only_kpis_whose_entities_were_all_delivered_have_rows(extracts: Path, run):
    warehouse = run(extracts)

    rows = query(
        warehouse,
        "select site_id, kpi_date, kpi, numerator, denominator from marts.kpi_daily order by site_id",
    )
    # O1 and O2 (system) at S1 on 2026-01-05 local; O3 (offline, 12:00+01:00) at S2, Berlin 2026-01-05.
    assert rows == [
        ("S1", date(2026, 1, 5), "workaround_order_rate", 0.0, 2.0),
        ("S2", date(2026, 1, 5), "workaround_order_rate", 1.0, 1.0),
    ]
    assert query(warehouse, "select count(*) from marts.close_period") == [(0,)]
    assert query(warehouse, "select count(*) from marts.kpi_definitions") == [(19,)]
