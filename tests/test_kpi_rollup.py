"""marts.kpi_daily over the bundled sample: the additive form rolls up to true network values, every row is a
valid quotient, all 19 KPIs of the contract are there, and the finance close is measured."""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pytest

from orchestration.settings import SHARED_CONTRACT_DIR

pytestmark = pytest.mark.slow

KPI_CONTRACT = SHARED_CONTRACT_DIR / "KPIS.md"


def query(warehouse: Path, sql: str, parameters: list | None = None) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql, parameters or []).fetchall()


def local_date(utc_instant: datetime, timezone: str) -> date:
    return utc_instant.replace(tzinfo=UTC).astimezone(ZoneInfo(timezone)).date()


def contract_kpi_names() -> set[str]:
    """The KPI names of the "Site KPIs (daily)" table of KPIS.md."""
    text = KPI_CONTRACT.read_text()
    section = text.split("## Site KPIs (daily)", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"^\| `([a-z0-9_]+)` \|", section, flags=re.MULTILINE))


@pytest.fixture(scope="module")
def busiest_month(sample_warehouse: Path) -> tuple[date, date]:
    """First and last day of the month with the most order lines due."""
    month_start, month_end = query(
        sample_warehouse,
        """
        select cast(date_trunc('month', kpi_date) as date) as month_start, last_day(kpi_date) as month_end
        from marts.kpi_daily
        where kpi = 'line_fill_rate'
        group by month_start, month_end
        order by sum(denominator) desc
        limit 1
        """,
    )[0]
    return month_start, month_end


def line_fill_rate_from_staging(warehouse: Path, month_start: date, month_end: date) -> float:
    """The month's network line fill rate recounted from the published staging rows, straight from KPIS.md:
    lines due in the month (not cancelled, of orders neither cancelled nor of unknown status) filled on
    their first local shipment day, over those lines."""
    timezones = dict(query(warehouse, "select site_id, timezone from staging.stg_erp__sites"))
    lines = query(
        warehouse,
        """
        select lines.order_id, lines.line_number, lines.ordered_qty, orders.site_id
        from staging.stg_erp__sales_order_lines as lines
        inner join staging.stg_erp__sales_orders as orders on lines.order_id = orders.order_id
        where
            orders.requested_ship_date between ? and ?
            and not orders.has_unknown_status
            and orders.status is distinct from 'cancelled'
            and not coalesce(lines.is_cancelled, false)
        """,
        [month_start, month_end],
    )
    shipments: dict[tuple[str, int], list[tuple[Decimal, datetime]]] = defaultdict(list)
    for order_id, line_number, shipped_qty, shipped_at in query(
        warehouse, "select order_id, line_number, shipped_qty, shipped_at from staging.stg_erp__shipments"
    ):
        shipments[(order_id, line_number)].append((shipped_qty, shipped_at))
    due = filled = 0
    for order_id, line_number, ordered_qty, site_id in lines:
        if site_id not in timezones:
            continue
        due += 1
        line_shipments = shipments[(order_id, line_number)]
        if not line_shipments:
            continue
        timezone = timezones[site_id]
        first_day = local_date(min(shipped_at for _, shipped_at in line_shipments), timezone)
        shipped_that_day = sum(
            (qty for qty, shipped_at in line_shipments if local_date(shipped_at, timezone) == first_day), Decimal(0)
        )
        filled += shipped_that_day >= ordered_qty
    return filled / due


def test_network_fill_rate_of_a_month_is_sum_of_numerators_over_sum_of_denominators(
    sample_warehouse: Path, busiest_month: tuple[date, date]
):
    month_start, month_end = busiest_month
    numerator, denominator, mean_of_daily_ratios = query(
        sample_warehouse,
        """
        select sum(numerator), sum(denominator), avg(value)
        from marts.kpi_daily
        where kpi = 'line_fill_rate' and kpi_date between ? and ?
        """,
        [month_start, month_end],
    )[0]
    network_value = numerator / denominator

    assert network_value == pytest.approx(line_fill_rate_from_staging(sample_warehouse, month_start, month_end))
    # Days and sites differ in volume, so averaging daily ratios gives another (wrong) number.
    assert abs(network_value - mean_of_daily_ratios) > 1e-6


def test_every_kpi_row_has_a_positive_denominator_and_value_equal_to_the_quotient(sample_warehouse: Path):
    rows, bad_denominators, bad_values = query(
        sample_warehouse,
        """
        select
            count(*),
            count(*) filter (where not denominator > 0),
            count(*) filter (where abs(value - numerator / denominator) > 1e-12 * greatest(1, abs(value)))
        from marts.kpi_daily
        """,
    )[0]
    assert rows > 0
    assert bad_denominators == 0
    assert bad_values == 0


def test_all_19_kpis_of_the_contract_appear_in_kpi_daily_and_the_dictionary(sample_warehouse: Path):
    in_kpi_daily = {kpi for (kpi,) in query(sample_warehouse, "select distinct kpi from marts.kpi_daily")}
    in_dictionary = {kpi for (kpi,) in query(sample_warehouse, "select kpi from marts.kpi_definitions")}

    assert len(in_dictionary) == 19
    assert in_kpi_daily == in_dictionary
    if KPI_CONTRACT.exists():
        assert in_dictionary == contract_kpi_names()


def test_close_period_has_rows_and_measures_closed_periods(sample_warehouse: Path):
    periods = query(
        sample_warehouse,
        "select legal_entity, period, close_days, on_time_task_rate from marts.close_period",
    )
    assert periods
    assert all(re.fullmatch(r"\d{4}-\d{2}", period) for _, period, _, _ in periods)
    assert all(0 <= rate <= 1 for _, _, _, rate in periods)
    assert any(close_days is not None for _, _, close_days, _ in periods)
