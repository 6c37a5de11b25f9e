"""Behind the number: the rows of the drill-down marts (marts.kpi_detail_*) that make up a KPI of a site.

Each mart flags its rows as the KPI counts them (is_counted_in_numerator / is_counted_in_denominator) from the
same intermediate model the KPI reads, so the rows shown re-count the number on the page (dbt test
recounts_kpi_daily). The backlogs are a level: the exceptions open at the end of the period's last day.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from dashboards.queries import connection
from dashboards.queries.scope import site_in_scope

# KPI -> (relation, the columns shown in the order shown, what a row is, what a row in the numerator is).
RATE_DETAILS: dict[str, tuple[str, tuple[str, ...], str, str]] = {
    "line_fill_rate": (
        "marts.kpi_detail_order_lines",
        ("kpi_date", "order_id", "line_number", "reason", "item_id", "ordered_qty",
         "shipped_qty_on_first_shipment_date", "first_shipment_date", "shipped_complete_at"),
        "order lines",
        "filled on their first shipment day",
    ),
    "order_fill_rate": (
        "marts.kpi_detail_orders",
        ("kpi_date", "order_id", "reason", "line_count", "completed_at"),
        "orders",
        "filled on their first shipment day",
    ),
    "on_time_ship_rate": (
        "marts.kpi_detail_orders",
        ("kpi_date", "order_id", "reason", "line_count", "completed_at"),
        "orders",
        "shipped complete by the due day",
    ),
    "pick_accuracy": (
        "marts.kpi_detail_picks",
        ("kpi_date", "pick_id", "error_code", "reason", "order_id", "line_number", "item_id", "location_id",
         "requested_qty", "picked_qty", "picked_at"),
        "picks",
        "accurate",
    ),
    "process_compliance": (
        "marts.kpi_detail_cases",
        ("kpi_date", "case_id", "invoiced_at", "reason", "variant", "event_count"),
        "cases",
        "conforming",
    ),
}  # fmt: skip
BACKLOG_KPIS = ("exception_backlog", "exception_backlog_aged")
EXCEPTION_RELATION = "marts.kpi_detail_exceptions"
EXCEPTION_COLUMNS = ("exception_id", "exception_type", "severity", "age_hours", "order_id", "opened_at",
                     "is_aged")  # fmt: skip


@dataclass(frozen=True)
class DrillDown:
    """The rows behind a KPI of a site over a period, and what they re-count."""

    rows: pd.DataFrame  # every counted row (rates) or every open exception (backlogs)
    columns: tuple[str, ...]  # the columns shown, in order
    row_noun: str  # 'picks', 'open exceptions' ...
    numerator_words: str  # what a row in the numerator is
    numerator: int
    denominator: int
    is_level: bool  # a backlog: the period's last day, every row is in the numerator

    @property
    def outside_numerator(self) -> pd.DataFrame:
        """The rows that keep the KPI from its best: counted, but not in the numerator (for a rate)."""
        if self.is_level:
            return self.rows
        return self.rows[~self.rows["is_counted_in_numerator"].astype(bool)]


def has_drill_down(kpi: str) -> bool:
    return kpi in RATE_DETAILS or kpi in BACKLOG_KPIS


def relation_for(kpi: str) -> str | None:
    if kpi in RATE_DETAILS:
        return RATE_DETAILS[kpi][0]
    return EXCEPTION_RELATION if kpi in BACKLOG_KPIS else None


def drill_down(site_id: str, kpi: str, start_date: dt.date, end_date: dt.date) -> DrillDown | None:
    """The rows behind ``kpi`` of ``site_id`` over the days (backlogs: at the end of ``end_date``)."""
    if kpi in RATE_DETAILS:
        return _rate_rows(site_id, kpi, start_date, end_date)
    if kpi in BACKLOG_KPIS:
        return _open_exceptions(site_id, kpi, end_date)
    return None


def _rate_rows(site_id: str, kpi: str, start_date: dt.date, end_date: dt.date) -> DrillDown:
    relation, shown, noun, numerator_words = RATE_DETAILS[kpi]
    # The relation and columns come from RATE_DETAILS above, never from the user; values are bound parameters.
    rows = connection.query(
        f"""
        select {", ".join(shown)}, is_counted_in_numerator
        from {relation}
        where
            site_id = $site_id
            and {site_in_scope("site_id")}
            and kpi = $kpi
            and kpi_date between $start_date and $end_date
            and is_counted_in_denominator
        order by is_counted_in_numerator, kpi_date, {shown[1]}
        """,
        {"site_id": site_id, "kpi": kpi, "start_date": start_date, "end_date": end_date},
    )
    return DrillDown(
        rows=rows,
        columns=shown,
        row_noun=noun,
        numerator_words=numerator_words,
        numerator=int(rows["is_counted_in_numerator"].sum()),
        denominator=len(rows),
        is_level=False,
    )


def _open_exceptions(site_id: str, kpi: str, day: dt.date) -> DrillDown:
    """Exceptions open at the end of the site-local ``day`` (aged ones only for exception_backlog_aged), with
    their age in elapsed hours at that instant."""
    rows = connection.query(
        f"""
        with

        site_day_end as (
            -- local midnight that starts the next day, as a UTC timestamp like opened_at
            select site_id, timezone('UTC', timezone(timezone, cast($day + 1 as timestamp))) as day_end_at
            from staging.stg_erp__sites
            where site_id = $site_id and {site_in_scope("site_id")}
        ),

        open_at_end as (
            select
                exceptions.*,
                coalesce(exceptions.aged_from_date <= $day, false) as is_aged,
                date_diff('hour', exceptions.opened_at, site_day_end.day_end_at) as age_hours
            from marts.kpi_detail_exceptions as exceptions
            inner join site_day_end on exceptions.site_id = site_day_end.site_id
            where
                exceptions.open_from_date <= $day
                and (exceptions.open_until_date is null or exceptions.open_until_date > $day)
        )

        select exception_id, exception_type, severity, age_hours, order_id, opened_at, is_aged
        from open_at_end
        where is_aged or not $aged_only
        order by age_hours desc, exception_id
        """,
        {"site_id": site_id, "day": day, "aged_only": kpi == "exception_backlog_aged"},
    )
    return DrillDown(
        rows=rows,
        columns=EXCEPTION_COLUMNS,
        row_noun="aged open exceptions" if kpi == "exception_backlog_aged" else "open exceptions",
        numerator_words="open at the end of the day",
        numerator=len(rows),
        denominator=1,
        is_level=True,
    )


def scorecard_link(site_id: str, kpi: str, start_date: dt.date, end_date: dt.date) -> str:
    """A link to the Site scorecard with the site, the KPI and the days selected (the documented link forms,
    dashboards/filters.py), opening its 'Behind the number' section."""
    return (
        f"site_scorecard?scorecard_site={site_id}&scorecard_kpi={kpi}"
        f"&from={start_date.isoformat()}&to={end_date.isoformat()}"
    )
