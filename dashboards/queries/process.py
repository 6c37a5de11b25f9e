"""Process variants: the variants of a site's completed cases (marts.process_variants), its directly-follows graph
(marts.process_directly_follows), governed against plain process compliance (marts.governed_compliance_daily,
marts.kpi_daily) and its approved variations (marts.approved_variation_usage). Counts over weeks are sums of the
weekly rows; percentiles are read as the marts hold them, never recomputed."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from dashboards.queries.connection import query
from dashboards.queries.scope import site_in_scope


def whole_period_variants(site_id: str) -> pd.DataFrame:
    """Every variant of the site over all its completed cases, most frequent first."""
    return query(
        f"""
        select
            variant_id,
            variant,
            activity_count,
            cases,
            site_cases,
            case_share,
            cumulative_case_share,
            variant_rank,
            conforming_cases,
            governed_conforming_cases,
            median_throughput_hours,
            p90_throughput_hours,
            is_standard_variant,
            is_approved_variation,
            is_approval_candidate,
            first_case_date,
            last_case_date
        from marts.process_variants
        where site_id = $site_id and {site_in_scope("site_id")} and period_type = 'all'
        order by variant_rank
        """,
        {"site_id": site_id},
    )


def weekly_variants(site_id: str, start_date: dt.date, end_date: dt.date) -> pd.DataFrame:
    """The site's variants per ISO week (of the cases' site-local completion dates) that overlaps the period."""
    return query(
        f"""
        select
            period as iso_week,
            week_start_date,
            variant_id,
            cases,
            site_cases,
            case_share,
            is_standard_variant,
            is_approved_variation
        from marts.process_variants
        where
            site_id = $site_id
            and {site_in_scope("site_id")}
            and period_type = 'week'
            and week_start_date between $start_date - interval 6 day and $end_date
        order by week_start_date, variant_rank
        """,
        {"site_id": site_id, "start_date": start_date, "end_date": end_date},
    )


def directly_follows(site_id: str, start_date: dt.date, end_date: dt.date) -> pd.DataFrame:
    """Edges of the site's directly-follows graph summed over the ISO weeks that overlap the period."""
    return query(
        f"""
        select
            from_activity,
            to_activity,
            bool_or(is_standard_edge) as is_standard_edge,
            cast(sum(transitions) as bigint) as transitions,
            cast(sum(cases) as bigint) as cases
        from marts.process_directly_follows
        where
            site_id = $site_id
            and {site_in_scope("site_id")}
            and period_type = 'week'
            and week_start_date between $start_date - interval 6 day and $end_date
        group by from_activity, to_activity
        order by transitions desc, from_activity, to_activity
        """,
        {"site_id": site_id, "start_date": start_date, "end_date": end_date},
    )


def standard_activities() -> pd.DataFrame:
    """The standard lifecycle (staging.stg_reference__process_standard) in step order."""
    return query(
        "select step, activity, is_required from staging.stg_reference__process_standard order by step",
        exempt_from_scope="the standard lifecycle: reference data of no site",
    )


def compliance(site_id: str, start_date: dt.date, end_date: dt.date) -> pd.DataFrame:
    """process_compliance and governed_process_compliance over the period, each sum(numerator) / sum(denominator):
    the first from marts.kpi_daily, the second from marts.governed_compliance_daily."""
    return query(
        f"""
        select
            kpi,
            sum(numerator) as numerator,
            sum(denominator) as denominator,
            sum(numerator) / sum(denominator) as value
        from (
            select kpi, numerator, denominator
            from marts.kpi_daily
            where site_id = $site_id and {site_in_scope("site_id")} and kpi = 'process_compliance'
                and kpi_date between $start_date and $end_date
            union all
            select kpi, numerator, denominator
            from marts.governed_compliance_daily
            where site_id = $site_id and {site_in_scope("site_id")} and kpi_date between $start_date and $end_date
        ) as days
        group by kpi
        order by kpi desc
        """,
        {"site_id": site_id, "start_date": start_date, "end_date": end_date},
    )


def approved_variations(site_id: str) -> pd.DataFrame:
    """The site's approved variations with the cases they covered and their validity as the data stands."""
    return query(
        f"""
        select
            variation_id,
            variation_type,
            activity,
            other_activity,
            reason_category,
            approved_by,
            valid_from,
            valid_to,
            cases_covered,
            last_used_date,
            as_of_date,
            days_until_expiry,
            validity_status,
            is_expiring_within_30_days
        from marts.approved_variation_usage
        where site_id = $site_id and {site_in_scope("site_id")}
        order by valid_to, variation_id
        """,
        {"site_id": site_id},
    )
