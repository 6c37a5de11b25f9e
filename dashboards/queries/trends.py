"""Trends and context: the network's KPIs by week (the tiles' sparklines), go-live markers for time charts,
and the published benchmark bands of a KPI."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from dashboards.queries import connection, privacy, reference
from dashboards.queries.scope import site_in_scope

SPARKLINE_WEEKS = 12
BENCHMARK_RELATION = "staging.stg_reference__benchmark_bands"


def network_weekly(site_ids: list[str], last_week_start_date: dt.date, weeks: int = SPARKLINE_WEEKS) -> pd.DataFrame:
    """Each KPI by ISO week over the `weeks` weeks to last_week_start_date: the selected sites' total.

    The tiles' rule (rollup.kpi_rollup at network grain) applied to each week: the sum of the sites' numerators
    over the sum of their denominators, where a site's week (marts.site_scorecard) holds the sum of its days, or
    its last day's row for a level KPI. User KPIs of weeks whose sites have under 5 users are suppressed.
    """
    return connection.query(
        f"""
        with

        scorecard as (
            select site_id, kpi, week_start_date, iso_week, numerator, denominator
            from marts.site_scorecard
            where
                list_contains(cast($site_ids as varchar[]), site_id)
                and {site_in_scope("site_id")}
                and week_start_date between $first_week_start_date and $last_week_start_date
        ),

        user_counts as (
            select week_start_date, sum(denominator) as provisioned_users
            from scorecard
            where kpi = 'active_user_rate'
            group by week_start_date
        ),

        weekly as (
            select
                kpi,
                week_start_date,
                any_value(iso_week) as iso_week,
                sum(numerator) as numerator,
                sum(denominator) as denominator
            from scorecard
            group by kpi, week_start_date
        ),

        final as (
            select
                weekly.kpi,
                weekly.week_start_date,
                weekly.iso_week,
                weekly.numerator,
                weekly.denominator,
                list_contains(cast($user_kpis as varchar[]), weekly.kpi)
                and coalesce(user_counts.provisioned_users, 0) < $min_group_users as is_suppressed
            from weekly
            left join user_counts on weekly.week_start_date = user_counts.week_start_date
        )

        select
            *,
            case when not is_suppressed then numerator / denominator end as value
        from final
        order by kpi, week_start_date
        """,
        {
            "site_ids": list(site_ids),
            "first_week_start_date": last_week_start_date - dt.timedelta(weeks=weeks - 1),
            "last_week_start_date": last_week_start_date,
            "user_kpis": list(privacy.USER_KPIS),
            "min_group_users": privacy.MIN_GROUP_USERS,
        },
    )


def go_live_markers(site_ids: list[str] | None = None) -> pd.DataFrame:
    """One row per go-live day of the (selected) sites: the day, its wave and a label such as
    'Wave 1 go-live: CHI1, NWK1' (staging.stg_erp__sites; sites without a go-live date have no marker)."""
    sites = reference.sites()
    if site_ids is not None:
        sites = sites[sites["site_id"].isin(site_ids)]
    sites = sites.dropna(subset=["go_live_date"])
    if sites.empty:
        return pd.DataFrame({"marker_date": pd.Series(dtype="datetime64[ns]"), "rollout_wave": [], "label": []})
    grouped = (
        sites.assign(rollout_wave=sites["rollout_wave"].fillna("no wave"))
        .groupby(["go_live_date", "rollout_wave"], as_index=False)
        .agg(site_list=("site_id", lambda ids: ", ".join(sorted(ids))))
    )
    return pd.DataFrame(
        {
            "marker_date": pd.to_datetime(grouped["go_live_date"]),
            "rollout_wave": grouped["rollout_wave"],
            "label": [
                f"{wave} go-live: {ids}"
                for wave, ids in zip(grouped["rollout_wave"], grouped["site_list"], strict=True)
            ],
        }
    ).sort_values("marker_date", ignore_index=True)


def benchmark_bands() -> pd.DataFrame:
    """The published benchmark bands (kpi, band, value, source, year, is_verified); empty when the warehouse
    predates the table."""
    if connection.missing([BENCHMARK_RELATION]):
        return pd.DataFrame(columns=["kpi", "band", "value", "source", "year", "is_verified"])
    return connection.query(
        """
        select kpi, band, value, source, year, is_verified
        from staging.stg_reference__benchmark_bands
        order by kpi, band
        """,
        exempt_from_scope="published benchmarks hold no site rows",
    )
