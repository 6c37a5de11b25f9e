"""Site scorecard: weekly values and statuses (marts.site_scorecard), the pre-go-live baselines
(marts.hypercare_daily), a KPI's value on a day, and the open exceptions by type and age
(marts.exception_backlog_breakdown)."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from dashboards.queries.connection import query
from dashboards.queries.privacy import PRIVACY_PARAMETERS, is_suppressed_kpi
from dashboards.queries.scope import site_in_scope


def site_weekly(site_ids: list[str], kpis: list[str], start_date: dt.date, end_date: dt.date) -> pd.DataFrame:
    """Weekly KPI values (marts.site_scorecard) of ISO weeks overlapping the period; user KPIs suppressed."""
    return query(
        f"""
        with

        scorecard as (
            select * from marts.site_scorecard
            where
                list_contains(cast($site_ids as varchar[]), site_id)
                and {site_in_scope("site_id")}
                and week_end_date >= $start_date and week_start_date <= $end_date
        ),

        users as (
            select site_id, week_start_date, denominator as provisioned_users
            from scorecard where kpi = 'active_user_rate'
        )

        select
            scorecard.site_id,
            scorecard.site_name,
            scorecard.rollout_wave,
            scorecard.go_live_date,
            scorecard.iso_week,
            scorecard.week_start_date,
            scorecard.kpi,
            scorecard.numerator,
            scorecard.denominator,
            case when not is_suppressed then scorecard.value end as value,
            scorecard.target,
            scorecard.amber_threshold,
            scorecard.red_threshold,
            case when not is_suppressed then scorecard.rag_status end as rag_status,
            is_suppressed
        from scorecard
        left join users
            on scorecard.site_id = users.site_id and scorecard.week_start_date = users.week_start_date,
        lateral (
            select {is_suppressed_kpi("scorecard.kpi", "users.provisioned_users")} as is_suppressed
        )
        where list_contains(cast($kpis as varchar[]), scorecard.kpi)
        order by scorecard.site_id, scorecard.kpi, scorecard.week_start_date
        """,
        {
            "site_ids": list(site_ids),
            "kpis": list(kpis),
            "start_date": start_date,
            "end_date": end_date,
            **PRIVACY_PARAMETERS,
        },
    )


def baselines(site_ids: list[str]) -> pd.DataFrame:
    """Each live site's pre-go-live baseline per KPI (marts.hypercare_daily)."""
    return query(
        f"""
        select site_id, kpi, any_value(go_live_date) as go_live_date, any_value(baseline) as baseline
        from marts.hypercare_daily
        where list_contains(cast($site_ids as varchar[]), site_id) and {site_in_scope("site_id")}
        group by site_id, kpi
        """,
        {"site_ids": list(site_ids)},
    )


def exception_backlog_breakdown(site_id: str, kpi_date: dt.date) -> pd.DataFrame:
    """Exceptions open at the end of the site-local kpi_date by type and age band: the exception_backlog KPI of
    that day broken down (marts.exception_backlog_breakdown, by the KPI's own rule), summed over severities."""
    return query(
        f"""
        select exception_type, age_band, cast(sum(open_exceptions) as bigint) as open_exceptions
        from marts.exception_backlog_breakdown
        where site_id = $site_id and {site_in_scope("site_id")} and kpi_date = $kpi_date
        group by exception_type, age_band
        order by exception_type, age_band
        """,
        {"site_id": site_id, "kpi_date": kpi_date},
    )


# marts.exception_backlog_breakdown's age bands, youngest first.
AGE_BANDS = ["< 1 day", "1–3 days", "3–7 days", "> 7 days"]


def kpi_on_day(site_id: str, kpi: str, kpi_date: dt.date) -> float | None:
    frame = query(
        f"""
        select value from marts.kpi_daily
        where site_id = $site_id and {site_in_scope("site_id")} and kpi = $kpi and kpi_date = $kpi_date
        """,
        {"site_id": site_id, "kpi": kpi, "kpi_date": kpi_date},
    )
    return None if frame.empty else float(frame["value"].iloc[0])
