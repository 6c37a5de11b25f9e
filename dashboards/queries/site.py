"""Site scorecard: weekly values and statuses (marts.site_scorecard), the pre-go-live baselines
(marts.hypercare_daily), a KPI's value on a day, and the open exceptions by type and age."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from dashboards.queries.connection import query
from dashboards.queries.privacy import PRIVACY_PARAMETERS, is_suppressed_kpi


def site_weekly(site_ids: list[str], kpis: list[str], start_date: dt.date, end_date: dt.date) -> pd.DataFrame:
    """Weekly KPI values (marts.site_scorecard) of ISO weeks overlapping the period; user KPIs suppressed."""
    return query(
        f"""
        with

        scorecard as (
            select * from marts.site_scorecard
            where
                list_contains(cast($site_ids as varchar[]), site_id)
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
        """
        select site_id, kpi, any_value(go_live_date) as go_live_date, any_value(baseline) as baseline
        from marts.hypercare_daily
        where list_contains(cast($site_ids as varchar[]), site_id)
        group by site_id, kpi
        """,
        {"site_ids": list(site_ids)},
    )


def open_exceptions(site_id: str, end_date: dt.date) -> pd.DataFrame:
    """Exceptions open at the end of the site's local end_date by type and age: a breakdown of the
    exception_backlog KPI that day (same rule: opened before the end of the day, not resolved by it)."""
    return query(
        """
        with

        site_day_end as (
            -- local midnight that starts the next day, as a UTC timestamp like the staging columns
            select site_id, timezone('UTC', timezone(timezone, cast($end_date + 1 as timestamp))) as day_end_at
            from staging.stg_erp__sites
            where site_id = $site_id
        ),

        open_at_end as (
            select
                exceptions.exception_type,
                date_diff('hour', exceptions.opened_at, site_day_end.day_end_at) as age_hours
            from staging.stg_erp__exceptions as exceptions
            inner join site_day_end on exceptions.site_id = site_day_end.site_id
            where
                exceptions.opened_at < site_day_end.day_end_at
                and (exceptions.resolved_at is null or exceptions.resolved_at >= site_day_end.day_end_at)
        )

        select
            coalesce(exception_type, 'unknown') as exception_type,
            case
                when age_hours < 24 then '< 1 day'
                when age_hours <= 72 then '1–3 days'
                when age_hours <= 168 then '3–7 days'
                else '> 7 days'
            end as age_band,
            count(*) as open_exceptions
        from open_at_end
        group by all
        order by exception_type, age_band
        """,
        {"site_id": site_id, "end_date": end_date},
    )


AGE_BANDS = ["< 1 day", "1–3 days", "3–7 days", "> 7 days"]


def kpi_on_day(site_id: str, kpi: str, kpi_date: dt.date) -> float | None:
    frame = query(
        "select value from marts.kpi_daily where site_id = $site_id and kpi = $kpi and kpi_date = $kpi_date",
        {"site_id": site_id, "kpi": kpi, "kpi_date": kpi_date},
    )
    return None if frame.empty else float(frame["value"].iloc[0])
