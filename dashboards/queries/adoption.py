"""Adoption: use of the new ERP by transaction (marts.adoption_by_transaction), by role (marts.adoption_by_role),
the ramp by wave (marts.adoption_cohorts) and the depth score (marts.adoption_depth); provisioned users by site and
role (marts.provisioned_users_by_role); help-desk themes (marts.helpdesk_tickets_by_category,
marts.helpdesk_themes_weekly) and the readiness of the sites not yet live (marts.site_readiness). Every group of
fewer than MIN_GROUP_USERS users is suppressed here, in SQL, before a page sees it."""

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
    """Help-desk tickets opened in the period (site-local days) per site and category, with the category's name
    (marts.helpdesk_tickets_by_category)."""
    return query(
        f"""
        select site_id, site_name, category, category_name, cast(sum(tickets) as bigint) as tickets
        from marts.helpdesk_tickets_by_category
        where
            list_contains(cast($site_ids as varchar[]), site_id)
            and {site_in_scope("site_id")}
            and opened_date between $start_date and $end_date
        group by site_id, site_name, category, category_name
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


def last_whole_week(end_date: dt.date) -> dt.date:
    """The Monday of the last whole ISO week (Monday to Sunday) ending on or before end_date."""
    last_sunday = end_date - dt.timedelta(days=(end_date.weekday() + 1) % 7)
    return last_sunday - dt.timedelta(days=6)


def transaction_adoption(site_ids: list[str], week_start_date: dt.date) -> pd.DataFrame:
    """Per site and transaction code in one ISO week: the share of the site's active users who used the code and
    the share of its events through the new ERP (marts.adoption_by_transaction). A site with fewer than
    MIN_GROUP_USERS active users that week has no shares (suppressed)."""
    return query(
        f"""
        select
            site_id,
            site_name,
            iso_week,
            transaction_code,
            case when not {is_small_group("active_users")} then transaction_users end as transaction_users,
            case when not {is_small_group("active_users")} then active_users end as active_users,
            case when not {is_small_group("active_users")} then user_share end as user_share,
            events,
            new_erp_events,
            spreadsheet_events,
            new_erp_share,
            {is_small_group("active_users")} as is_suppressed
        from marts.adoption_by_transaction
        where
            list_contains(cast($site_ids as varchar[]), site_id)
            and {site_in_scope("site_id")}
            and week_start_date = $week_start_date
        order by site_id, transaction_code
        """,
        {"site_ids": list(site_ids), "week_start_date": week_start_date, **GROUP_PARAMETERS},
    )


def transaction_volume(site_ids: list[str], start_date: dt.date, end_date: dt.date) -> pd.DataFrame:
    """Per transaction code over the ISO weeks that start in the period, summed over the selected sites: its events,
    those through the new ERP and the spreadsheet round-trips (marts.adoption_by_transaction; counts of events,
    no user group)."""
    return query(
        f"""
        select
            transaction_code,
            cast(sum(events) as bigint) as events,
            cast(sum(new_erp_events) as bigint) as new_erp_events,
            cast(sum(spreadsheet_events) as bigint) as spreadsheet_events,
            sum(new_erp_events) / sum(events) as new_erp_share
        from marts.adoption_by_transaction
        where
            list_contains(cast($site_ids as varchar[]), site_id) and {site_in_scope("site_id")}
            and week_start_date between $start_date and $end_date
        group by transaction_code
        order by new_erp_share, events desc, transaction_code
        """,
        {"site_ids": list(site_ids), "start_date": start_date, "end_date": end_date},
    )


def role_adoption(site_ids: list[str], week_start_date: dt.date) -> pd.DataFrame:
    """Per live site and role in one ISO week, and per role over all the selected live sites (site_id null,
    site_name 'All selected sites'): provisioned users, those who used the new ERP, and the rate
    (marts.adoption_by_role; a site not live by the week's end is left out). A group of fewer than MIN_GROUP_USERS
    provisioned users has no counts and no rate (suppressed)."""
    return query(
        f"""
        with

        weekly as (
            select * from marts.adoption_by_role
            where
                list_contains(cast($site_ids as varchar[]), site_id) and {site_in_scope("site_id")}
                and week_start_date = $week_start_date
                and is_live
        ),

        groups as (
            select site_id, site_name, role, provisioned_users, active_users, transaction_codes_used
            from weekly
            union all
            select
                null as site_id,
                'All selected sites' as site_name,
                role,
                sum(provisioned_users) as provisioned_users,
                sum(active_users) as active_users,
                null as transaction_codes_used
            from weekly
            group by role
        )

        select
            site_id,
            site_name,
            role,
            case when not {is_small_group("provisioned_users")} then provisioned_users end as provisioned_users,
            case when not {is_small_group("provisioned_users")} then active_users end as active_users,
            case when not {is_small_group("provisioned_users")} then transaction_codes_used end
                as transaction_codes_used,
            case when not {is_small_group("provisioned_users")} then active_users / provisioned_users end
                as active_rate,
            {is_small_group("provisioned_users")} as is_suppressed
        from groups
        order by site_id nulls last, role
        """,
        {"site_ids": list(site_ids), "week_start_date": week_start_date, **GROUP_PARAMETERS},
    )


def wave_ramp(site_ids: list[str]) -> pd.DataFrame:
    """Per rollout wave and whole week since go-live: active_user_rate summed over the wave's selected live sites
    (sum of the users active in the 7 days to the week's last day over sum of the users provisioned that day;
    marts.adoption_cohorts). A wave-week of fewer than MIN_GROUP_USERS provisioned users is suppressed."""
    return query(
        f"""
        with

        waves as (
            select
                coalesce(rollout_wave, 'no wave') as rollout_wave,
                weeks_since_go_live,
                count(*) as sites,
                sum(active_users_7_days) as active_users,
                sum(provisioned_users) as provisioned_users
            from marts.adoption_cohorts
            where list_contains(cast($site_ids as varchar[]), site_id) and {site_in_scope("site_id")}
            group by coalesce(rollout_wave, 'no wave'), weeks_since_go_live
        )

        select
            rollout_wave,
            weeks_since_go_live,
            sites,
            case when not {is_small_group("provisioned_users")} then active_users / provisioned_users end
                as active_user_rate,
            {is_small_group("provisioned_users")} as is_suppressed
        from waves
        order by rollout_wave, weeks_since_go_live
        """,
        {"site_ids": list(site_ids), **GROUP_PARAMETERS},
    )


def depth_scores(site_ids: list[str], first_date: dt.date, end_date: dt.date) -> pd.DataFrame:
    """The adoption depth score per site and whole ISO week from first_date to end_date (marts.adoption_depth),
    a site-week of fewer than MIN_GROUP_USERS users in the new ERP left out (suppressed)."""
    return query(
        f"""
        select
            site_id,
            site_name,
            iso_week,
            week_start_date,
            transaction_codes_used,
            network_transaction_codes,
            new_erp_users,
            breadth,
            frequency,
            depth_score
        from marts.adoption_depth
        where
            list_contains(cast($site_ids as varchar[]), site_id) and {site_in_scope("site_id")}
            and is_whole_week
            and week_start_date between $first_date and $end_date
            and not {is_small_group("new_erp_users")}
        order by site_id, week_start_date
        """,
        {"site_ids": list(site_ids), "first_date": first_date, "end_date": end_date, **GROUP_PARAMETERS},
    )


def weekly_themes(site_ids: list[str], start_date: dt.date, end_date: dt.date) -> pd.DataFrame:
    """Tickets per ISO week and category name over the selected sites, weeks starting in the period
    (marts.helpdesk_themes_weekly)."""
    return query(
        f"""
        select iso_week, week_start_date, category_name, cast(sum(tickets) as bigint) as tickets
        from marts.helpdesk_themes_weekly
        where
            list_contains(cast($site_ids as varchar[]), site_id) and {site_in_scope("site_id")}
            and week_start_date between $start_date and $end_date
        group by iso_week, week_start_date, category_name
        order by week_start_date, category_name
        """,
        {"site_ids": list(site_ids), "start_date": start_date, "end_date": end_date},
    )


def rising_themes(site_ids: list[str], week_start_date: dt.date) -> pd.DataFrame:
    """The rising help-desk themes of one ISO week per site: this week's share of the site's tickets against its
    share over the four weeks before (marts.helpdesk_themes_weekly, is_rising), largest rise first."""
    return query(
        f"""
        select
            site_id,
            site_name,
            iso_week,
            category_name,
            tickets,
            site_tickets,
            share,
            previous_4_weeks_share,
            share_change
        from marts.helpdesk_themes_weekly
        where
            list_contains(cast($site_ids as varchar[]), site_id) and {site_in_scope("site_id")}
            and week_start_date = $week_start_date
            and is_rising
        order by share_change desc, site_id, category_name
        """,
        {"site_ids": list(site_ids), "week_start_date": week_start_date},
    )


def themes_since_go_live(site_ids: list[str], last_week: int = 12) -> pd.DataFrame:
    """Tickets per rollout wave, ISO week since go-live (4 weeks before to last_week after) and category name,
    summed over the wave's selected live sites (marts.helpdesk_themes_weekly)."""
    return query(
        f"""
        select
            coalesce(rollout_wave, 'no wave') as rollout_wave,
            weeks_since_go_live,
            category_name,
            cast(sum(tickets) as bigint) as tickets,
            count(distinct site_id) as sites
        from marts.helpdesk_themes_weekly
        where
            list_contains(cast($site_ids as varchar[]), site_id) and {site_in_scope("site_id")}
            and weeks_since_go_live between -4 and $last_week
        group by coalesce(rollout_wave, 'no wave'), weeks_since_go_live, category_name
        order by rollout_wave, weeks_since_go_live, category_name
        """,
        {"site_ids": list(site_ids), "last_week": last_week},
    )
