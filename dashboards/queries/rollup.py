"""KPIs over a period the user chooses: per KPI, sum(numerator) / sum(denominator) from marts.kpi_daily (level
KPIs: the period's last day), graded by the marts' own status rule (macros/kpi/rag_status.sql, rendered with
Jinja rather than copied), user KPIs of small groups suppressed. The network's total, per site, and the peer band."""

from __future__ import annotations

import datetime as dt
from typing import Any

import jinja2
import pandas as pd

from dashboards.queries.connection import query
from dashboards.queries.privacy import PRIVACY_PARAMETERS, is_suppressed_kpi
from dashboards.queries.reference import sites
from dashboards.queries.scope import site_in_scope
from dashboards.settings import DBT_PROJECT_DIR


def _dbt_macro(file: str, name: str, *arguments: str) -> str:
    """A macro of the marts (dbt_project/macros/kpi/), rendered with Jinja: the dashboard applies the marts' own
    rule rather than a copy of it."""
    template = jinja2.Environment().from_string((DBT_PROJECT_DIR / "macros" / "kpi" / file).read_text())
    return str(getattr(template.module, name)(*arguments))


def _period_total(column: str) -> str:
    """The roll-up rule of a period (dbt_project/macros/kpi/period_total.sql), as the weekly scorecard applies it."""
    return _dbt_macro("period_total.sql", "period_total", column)


# Per site and KPI over [$start_date, $end_date]: sum(numerator) / sum(denominator); level KPIs take the
# site's last day with a row in the period (as marts.site_scorecard does for a week). provisioned_users is the
# site's active_user_rate denominator that day, used to suppress user KPIs of groups under 5 users. is_live:
# the site went live by the period's end (the network: any selected site did).
_SITE_VALUES_SQL = f"""
with

definitions as (
    select kpi, is_level, needs_go_live from marts.kpi_definitions
),

live_sites as (
    select site_id, coalesce(go_live_date <= $end_date, false) as is_live from staging.stg_erp__sites
),

targets as (
    select kpi, direction, target, amber_threshold, red_threshold from staging.stg_reference__kpi_targets
),

period_days as (
    select
        kpi_daily.site_id,
        kpi_daily.kpi,
        kpi_daily.kpi_date,
        kpi_daily.numerator,
        kpi_daily.denominator,
        coalesce(definitions.is_level, false) as is_level,
        row_number() over (partition by kpi_daily.site_id, kpi_daily.kpi order by kpi_daily.kpi_date desc)
            as day_rank_from_end
    from marts.kpi_daily as kpi_daily
    left join definitions on kpi_daily.kpi = definitions.kpi
    where
        list_contains(cast($site_ids as varchar[]), kpi_daily.site_id)
        and {site_in_scope("kpi_daily.site_id")}
        and kpi_daily.kpi_date between $start_date and $end_date
),

user_counts as (
    select site_id, denominator as provisioned_users
    from period_days
    where kpi = 'active_user_rate' and day_rank_from_end = 1
),

site_values as (
    select
        period_days.site_id,
        period_days.kpi,
        {_period_total("numerator")} as numerator,
        {_period_total("denominator")} as denominator,
        max(period_days.kpi_date) as last_kpi_date,
        any_value(user_counts.provisioned_users) as provisioned_users,
        coalesce(any_value(live_sites.is_live), false) as is_live
    from period_days
    left join user_counts on period_days.site_id = user_counts.site_id
    left join live_sites on period_days.site_id = live_sites.site_id
    group by period_days.site_id, period_days.kpi
)
"""


_BY_SITE_SQL = """,

graded_input as (
    select * from site_values
)
"""


_NETWORK_SQL = """,

graded_input as (
    select
        kpi,
        sum(numerator) as numerator,
        sum(denominator) as denominator,
        max(last_kpi_date) as last_kpi_date,
        (select sum(provisioned_users) from user_counts) as provisioned_users,
        bool_or(is_live) as is_live
    from site_values
    group by kpi
)
"""


# Status: the rule of the scorecard marts, from the same dbt macro (dbt_project/macros/kpi/rag_status.sql).
_RAG_STATUS_SQL = _dbt_macro(
    "rag_status.sql",
    "rag_status",
    "graded_input.numerator / graded_input.denominator",
    "targets.direction",
    "targets.target",
    "targets.red_threshold",
    "coalesce(definitions.needs_go_live, false) and not graded_input.is_live",
)


_GRADED_SQL = f""",

graded as (
    select
        graded_input.*,
        graded_input.numerator / graded_input.denominator as value,
        {is_suppressed_kpi("graded_input.kpi", "graded_input.provisioned_users")} as is_suppressed,
        targets.direction,
        targets.target,
        targets.red_threshold,
        coalesce(definitions.needs_go_live, false) as needs_go_live,
        {_RAG_STATUS_SQL} as rag_status
    from graded_input
    left join targets on graded_input.kpi = targets.kpi
    left join definitions on graded_input.kpi = definitions.kpi
)
"""


def kpi_rollup(site_ids: list[str], start_date: dt.date, end_date: dt.date, by_site: bool = False) -> pd.DataFrame:
    """Each KPI over [start_date, end_date]: the sites' total, or one row per site and KPI."""
    grain = _BY_SITE_SQL if by_site else _NETWORK_SQL
    sql = _SITE_VALUES_SQL + grain + _GRADED_SQL + "\nselect * from graded order by kpi"
    return query(sql, _rollup_parameters(site_ids, start_date, end_date))


def _rollup_parameters(site_ids: list[str], start_date: dt.date, end_date: dt.date) -> dict[str, Any]:
    return {
        "site_ids": list(site_ids),
        "start_date": start_date,
        "end_date": end_date,
        **PRIVACY_PARAMETERS,
    }


def previous_period(start_date: dt.date, end_date: dt.date) -> tuple[dt.date, dt.date]:
    """The period of the same length just before [start_date, end_date]."""
    length = end_date - start_date
    previous_end = start_date - dt.timedelta(days=1)
    return previous_end - length, previous_end


def peer_bands(start_date: dt.date, end_date: dt.date) -> pd.DataFrame:
    """Per KPI, the 25th-75th percentile of every site's value over the period (the benchmark band): every site the
    viewer may see."""
    everyone = sites()["site_id"].tolist()
    bands = """

    select
        kpi,
        quantile_cont(value, 0.25) as band_low,
        quantile_cont(value, 0.75) as band_high,
        count(*) as sites_in_band
    from graded
    where not is_suppressed
    group by kpi
    """
    sql = _SITE_VALUES_SQL + _BY_SITE_SQL + _GRADED_SQL + bands
    return query(sql, _rollup_parameters(everyone, start_date, end_date))
