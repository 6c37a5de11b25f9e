"""Hypercare tracker: recovery curves and recoveries after go-live (marts.hypercare_daily), the wave summary
and the sites that hold a wave's gate (marts.wave_summary, marts.wave_gates, marts.wave_gate_sites)."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from dashboards.queries.connection import query
from dashboards.queries.scope import site_in_scope, wave_in_scope

HYPERCARE_MAX_POINTS = 4_000  # stays under Altair's 5,000-row limit


def hypercare_curves(site_ids: list[str], kpi: str, end_date: dt.date) -> tuple[pd.DataFrame, int]:
    """Trailing 7-day value relative to baseline by day since go-live, one series per site, to end_date.

    Returns the rows and the day step: when sites x days would exceed HYPERCARE_MAX_POINTS, only every
    step-th day offset is returned (exact values of those days, never averaged).
    """
    parameters = {"site_ids": list(site_ids), "kpi": kpi, "end_date": end_date}
    count = query(
        f"""
        select count(*) as points from marts.hypercare_daily
        where
            list_contains(cast($site_ids as varchar[]), site_id)
            and {site_in_scope("site_id")}
            and kpi = $kpi
            and is_recovery_tracked
            and kpi_date <= $end_date
        """,
        parameters,
    )["points"].iloc[0]
    step = max(1, -(-int(count) // HYPERCARE_MAX_POINTS))
    frame = query(
        f"""
        select
            hypercare.site_id,
            sites.site_name,
            hypercare.rollout_wave,
            hypercare.go_live_date,
            hypercare.kpi_date,
            hypercare.day_offset,
            hypercare.trailing_7_day_value,
            hypercare.baseline,
            hypercare.trailing_7_day_value_relative_to_baseline as relative_to_baseline,
            hypercare.is_within_tolerance,
            hypercare.recovered_on
        from marts.hypercare_daily as hypercare
        inner join staging.stg_erp__sites as sites on hypercare.site_id = sites.site_id
        where
            list_contains(cast($site_ids as varchar[]), hypercare.site_id)
            and {site_in_scope("hypercare.site_id")}
            and hypercare.kpi = $kpi
            and hypercare.is_recovery_tracked
            and hypercare.kpi_date <= $end_date
            and hypercare.day_offset % $step = 0
        order by hypercare.site_id, hypercare.day_offset
        """,
        {**parameters, "step": step},
    )
    return frame, step


def recoveries(site_ids: list[str]) -> pd.DataFrame:
    """Per live site and KPI tracked for recovery: recovered on, days to recover, days since go-live."""
    return query(
        f"""
        select
            hypercare.site_id,
            any_value(sites.site_name) as site_name,
            any_value(hypercare.rollout_wave) as rollout_wave,
            hypercare.kpi,
            any_value(hypercare.go_live_date) as go_live_date,
            any_value(hypercare.baseline) as baseline,
            any_value(hypercare.recovered_on) as recovered_on,
            any_value(hypercare.days_to_recover) as days_to_recover,
            max(hypercare.day_offset) as days_since_go_live
        from marts.hypercare_daily as hypercare
        inner join staging.stg_erp__sites as sites on hypercare.site_id = sites.site_id
        where
            list_contains(cast($site_ids as varchar[]), hypercare.site_id)
            and {site_in_scope("hypercare.site_id")}
            and hypercare.is_recovery_tracked
        group by hypercare.site_id, hypercare.kpi
        order by hypercare.site_id, hypercare.kpi
        """,
        {"site_ids": list(site_ids)},
    )


def wave_summary(waves: list[str]) -> pd.DataFrame:
    return query(
        f"""
        select * from marts.wave_summary as wave_summary
        where
            (len(cast($waves as varchar[])) = 0 or list_contains(cast($waves as varchar[]), rollout_wave))
            and {wave_in_scope("wave_summary.rollout_wave")}
        order by wave_number
        """,
        {"waves": list(waves)},
    )


def sites_holding_waves_back(waves: list[str], week_start_date: dt.date) -> pd.DataFrame:
    """For each wave held or paused that week: the previous wave's live sites behind it, each with its own
    verdict (hold or pause), its red KPIs and its KPIs not recovered long after go-live (marts.wave_gate_sites)."""
    return query(
        f"""
        select
            gates.rollout_wave as held_wave,
            gates.gate_status,
            gate_sites.site_verdict,
            gate_sites.site_reason,
            gate_sites.site_id,
            gate_sites.site_name,
            gate_sites.red_kpi_count,
            gate_sites.red_kpis,
            gate_sites.unrecovered_kpi_count,
            gate_sites.unrecovered_kpis,
            gate_sites.longest_days_unrecovered
        from marts.wave_gates as gates
        inner join marts.wave_gate_sites as gate_sites
            on
                gates.previous_rollout_wave = gate_sites.rollout_wave
                and gates.week_start_date = gate_sites.week_start_date
        where
            gates.week_start_date = $week_start_date
            and gates.gate_status in ('hold', 'pause')
            and gate_sites.site_verdict <> 'stable'
            and (len(cast($waves as varchar[])) = 0 or list_contains(cast($waves as varchar[]), gates.rollout_wave))
            and {wave_in_scope("gates.rollout_wave")}
            and {site_in_scope("gate_sites.site_id")}
        order by gates.wave_number, gate_sites.site_verdict = 'pause' desc, gate_sites.red_kpi_count desc,
            gate_sites.site_id
        """,
        {"waves": list(waves), "week_start_date": week_start_date},
    )
