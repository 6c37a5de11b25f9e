"""Finance close: close periods and late close tasks of the selected sites' legal entities (marts.close_period,
marts.close_late_tasks)."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from dashboards.queries.connection import query
from dashboards.queries.scope import site_in_scope


def close_periods(site_ids: list[str], end_date: dt.date) -> pd.DataFrame:
    """Close periods (marts.close_period) of the selected sites' legal entities through end_date's month,
    each marked before go-live, during rollout or after go-live of the entity's sites."""
    return query(
        f"""
        with

        entities as (
            select
                legal_entity,
                count(*) as site_count,
                count(go_live_date) as sites_with_go_live,
                min(go_live_date) as first_go_live_date,
                max(go_live_date) as last_go_live_date
            from staging.stg_erp__sites
            where list_contains(cast($site_ids as varchar[]), site_id) and {site_in_scope("site_id")}
            group by legal_entity
        ),

        periods as (
            select
                close_period.*,
                cast(close_period.period || '-01' as date) as period_start_date,
                entities.first_go_live_date,
                entities.last_go_live_date,
                entities.site_count,
                entities.sites_with_go_live
            from marts.close_period as close_period
            inner join entities on close_period.legal_entity = entities.legal_entity
            where close_period.period <= strftime($end_date, '%Y-%m')
        )

        select
            *,
            case
                when first_go_live_date is null or period_end_date < first_go_live_date then 'before go-live'
                when sites_with_go_live = site_count and period_start_date >= last_go_live_date then 'after go-live'
                else 'during rollout'
            end as phase
        from periods
        order by legal_entity, period
        """,
        {"site_ids": list(site_ids), "end_date": end_date},
    )


def close_late_tasks(site_ids: list[str], end_date: dt.date) -> pd.DataFrame:
    """Late close tasks with their names (marts.close_late_tasks) of the selected sites' legal entities,
    periods through end_date's month, latest first."""
    return query(
        f"""
        select
            legal_entity, region_names, period, task_name, due_at, completed_at, is_completed, days_late, hours_late
        from marts.close_late_tasks
        where
            legal_entity in (
                select legal_entity from staging.stg_erp__sites
                where list_contains(cast($site_ids as varchar[]), site_id) and {site_in_scope("site_id")}
            )
            and period <= strftime($end_date, '%Y-%m')
        order by period desc, legal_entity, hours_late desc, task_name
        """,
        {"site_ids": list(site_ids), "end_date": end_date},
    )
