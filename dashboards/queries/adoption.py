"""Adoption: provisioned users by site and role (marts.provisioned_users_by_role), help-desk ticket categories
(marts.helpdesk_tickets_by_category) and the readiness of the sites not yet live (marts.site_readiness); groups
under MIN_GROUP_USERS suppressed."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from dashboards.queries.connection import query
from dashboards.queries.privacy import GROUP_PARAMETERS, is_small_group
from dashboards.queries.scope import site_in_scope


def users_by_role(site_ids: list[str], as_of: dt.date) -> pd.DataFrame:
    """Provisioned users per site and role on a day (marts.provisioned_users_by_role); a group under
    MIN_GROUP_USERS has no count (suppressed)."""
    return query(
        f"""
        select
            site_id,
            site_name,
            role,
            case when not {is_small_group("provisioned_users")} then provisioned_users end as users,
            {is_small_group("provisioned_users")} as is_suppressed
        from marts.provisioned_users_by_role
        where
            list_contains(cast($site_ids as varchar[]), site_id)
            and {site_in_scope("site_id")}
            and calendar_date = $as_of
        order by site_id, role
        """,
        {"site_ids": list(site_ids), "as_of": as_of, **GROUP_PARAMETERS},
    )


def ticket_themes(site_ids: list[str], start_date: dt.date, end_date: dt.date) -> pd.DataFrame:
    """Help-desk tickets opened in the period (site-local days) per site and category
    (marts.helpdesk_tickets_by_category)."""
    return query(
        f"""
        select site_id, site_name, category, cast(sum(tickets) as bigint) as tickets
        from marts.helpdesk_tickets_by_category
        where
            list_contains(cast($site_ids as varchar[]), site_id)
            and {site_in_scope("site_id")}
            and opened_date between $start_date and $end_date
        group by site_id, site_name, category
        order by tickets desc, category
        """,
        {"site_ids": list(site_ids), "start_date": start_date, "end_date": end_date},
    )


def readiness(site_ids: list[str]) -> pd.DataFrame:
    """Sites not yet live (marts.site_readiness); user counts under MIN_GROUP_USERS suppressed."""
    return query(
        f"""
        select
            site_id,
            site_name,
            region,
            rollout_wave,
            as_of_date,
            planned_go_live_date,
            days_to_go_live,
            case when not {is_small_group("provisioned_users")} then provisioned_users end as provisioned_users,
            case when not {is_small_group("users_requiring_training")} then training_completion_rate end
                as training_completion_rate,
            {is_small_group("users_requiring_training")} as is_training_suppressed,
            {is_small_group("provisioned_users")} as is_users_suppressed,
            missing_role_count,
            missing_roles,
            role_mix_distance,
            open_master_data_issues,
            readiness_status
        from marts.site_readiness
        where list_contains(cast($site_ids as varchar[]), site_id) and {site_in_scope("site_id")}
        order by planned_go_live_date nulls last, site_id
        """,
        {"site_ids": list(site_ids), **GROUP_PARAMETERS},
    )
