"""Adoption: provisioned users by site and role, help-desk ticket categories and the readiness of the sites not
yet live (marts.site_readiness); groups under MIN_GROUP_USERS suppressed."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from dashboards.queries.connection import query
from dashboards.queries.privacy import GROUP_PARAMETERS, is_small_group

ADOPTION_KPIS = ("active_user_rate", "spreadsheet_event_rate", "training_completion_rate", "tickets_per_100_users")


def users_by_role(site_ids: list[str], as_of: dt.date) -> pd.DataFrame:
    """Provisioned users per site and role on a day; a group under MIN_GROUP_USERS has no count (suppressed)."""
    return query(
        f"""
        with

        provisioned as (
            select users.site_id, users.role
            from staging.stg_erp__users as users
            where
                list_contains(cast($site_ids as varchar[]), users.site_id)
                and users.provisioned_date <= $as_of
                and (users.deactivated_date is null or users.deactivated_date > $as_of)
                and not users.has_unknown_role
        ),

        groups as (
            select site_id, role, count(*) as user_count
            from provisioned
            group by site_id, role
        )

        select
            groups.site_id,
            sites.site_name,
            groups.role,
            case when not {is_small_group("groups.user_count")} then groups.user_count end as users,
            {is_small_group("groups.user_count")} as is_suppressed
        from groups
        inner join staging.stg_erp__sites as sites on groups.site_id = sites.site_id
        order by groups.site_id, groups.role
        """,
        {"site_ids": list(site_ids), "as_of": as_of, **GROUP_PARAMETERS},
    )


def ticket_themes(site_ids: list[str], start_date: dt.date, end_date: dt.date) -> pd.DataFrame:
    """Help-desk tickets opened in the period (site-local days) per site and category."""
    return query(
        """
        select
            tickets.site_id,
            sites.site_name,
            coalesce(tickets.category, 'uncategorised') as category,
            count(*) as tickets
        from staging.stg_erp__helpdesk_tickets as tickets
        inner join staging.stg_erp__sites as sites on tickets.site_id = sites.site_id
        where
            list_contains(cast($site_ids as varchar[]), tickets.site_id)
            and cast(timezone(sites.timezone, timezone('UTC', tickets.opened_at)) as date)
                between $start_date and $end_date
        group by all
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
        where list_contains(cast($site_ids as varchar[]), site_id)
        order by planned_go_live_date nulls last, site_id
        """,
        {"site_ids": list(site_ids), **GROUP_PARAMETERS},
    )
