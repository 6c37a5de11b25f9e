"""Network review: the last complete ISO week, its worst movers (marts.site_scorecard) and each rollout wave's
gate that week (marts.wave_gates)."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from dashboards.queries.connection import query
from dashboards.queries.privacy import PRIVACY_PARAMETERS, is_suppressed_kpi
from dashboards.queries.scope import site_in_scope, wave_in_scope


def scorecard_week(site_ids: list[str], end_date: dt.date) -> dt.date | None:
    """The last complete ISO week ending on or before end_date (else the first week in the data)."""
    frame = query(
        f"""
        select coalesce(
            max(case when week_end_date <= $end_date then week_start_date end),
            min(week_start_date)
        ) as week_start_date
        from marts.site_scorecard
        where list_contains(cast($site_ids as varchar[]), site_id) and {site_in_scope("site_id")}
        """,
        {"site_ids": list(site_ids), "end_date": end_date},
    )
    value = frame["week_start_date"].iloc[0]
    return None if pd.isna(value) else value.date()


def worst_movers(site_ids: list[str], week_start_date: dt.date, limit: int = 3) -> pd.DataFrame:
    """The site x KPI pairs that worsened most against the previous week, relative to their previous value."""
    return query(
        f"""
        with

        scorecard as (
            select * from marts.site_scorecard
            where
                list_contains(cast($site_ids as varchar[]), site_id)
                and {site_in_scope("site_id")}
                and week_start_date = $week_start_date
        ),

        users as (
            select site_id, denominator as provisioned_users from scorecard where kpi = 'active_user_rate'
        ),

        moves as (
            select
                scorecard.site_id,
                scorecard.site_name,
                scorecard.kpi,
                scorecard.iso_week,
                scorecard.previous_week_value,
                scorecard.value,
                scorecard.change_vs_previous_week,
                scorecard.rag_status,
                scorecard.previous_week_rag_status,
                scorecard.direction,
                scorecard.target,
                scorecard.red_threshold,
                case when scorecard.direction = 'lower' then 1 else -1 end
                * scorecard.change_vs_previous_week / nullif(abs(scorecard.previous_week_value), 0)
                    as relative_worsening
            from scorecard
            left join users on scorecard.site_id = users.site_id
            where not {is_suppressed_kpi("scorecard.kpi", "users.provisioned_users")}
        )

        select * from moves
        where relative_worsening > 0
        order by relative_worsening desc, site_id, kpi
        limit $limit
        """,
        {
            "site_ids": list(site_ids),
            "week_start_date": week_start_date,
            "limit": limit,
            **PRIVACY_PARAMETERS,
        },
    )


def wave_gates(waves: list[str], week_start_date: dt.date) -> pd.DataFrame:
    return query(
        f"""
        select
            rollout_wave,
            wave_number,
            previous_rollout_wave,
            iso_week,
            gate_status,
            gate_reason,
            exit_state,
            blocking_sites,
            previous_wave_live_sites,
            previous_wave_red_kpis,
            previous_wave_unrecovered_kpis
        from marts.wave_gates as gates
        where
            week_start_date = $week_start_date
            and (len(cast($waves as varchar[])) = 0 or list_contains(cast($waves as varchar[]), rollout_wave))
            and {wave_in_scope("gates.rollout_wave")}
            and {wave_in_scope("gates.previous_rollout_wave")}
        order by wave_number
        """,
        {"waves": list(waves), "week_start_date": week_start_date},
    )
