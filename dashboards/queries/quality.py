"""Data quality: the issues the extract contract refused or flagged (marts.data_quality) and each entity's
freshness (marts.entity_freshness)."""

from __future__ import annotations

import pandas as pd

from dashboards.queries.connection import columns, query
from dashboards.queries.scope import NETWORK_ONLY, site_in_scope


def data_quality_issues(include_superseded: bool = False) -> pd.DataFrame:
    """Current data-quality issues (marts.data_quality, which keeps no example of a personal column), largest
    counts first. Superseded versions are history, not errors: left out unless asked for. Issues of the whole
    delivery, not of a site: only for a viewer who may see every site."""
    return query(
        f"""
        select issue_category, entity, file_name, load_date, column_name, reason, issue_count, example_value
        from marts.data_quality
        where ($include_superseded or issue_category <> 'superseded_version') and {NETWORK_ONLY}
        order by issue_count desc, entity, file_name, column_name
        """,
        {"include_superseded": include_superseded},
    )


def site_data_quality_issues(site_id: str) -> pd.DataFrame | None:
    """The site's own issues, or None while marts.data_quality has no site_id to attribute them."""
    if "site_id" not in columns("marts.data_quality"):
        return None
    return query(
        f"""
        select issue_category, entity, file_name, column_name, reason, sum(issue_count) as issue_count
        from marts.data_quality
        where site_id = $site_id and {site_in_scope("site_id")} and issue_category <> 'superseded_version'
        group by all
        order by issue_count desc
        """,
        {"site_id": site_id},
    )


def freshness() -> pd.DataFrame:
    """Per extract entity, how fresh it was when the published build started: newest delivery file, newest event,
    their ages and limits and the verdicts, as marts.entity_freshness holds them (Dagster's freshness checks read
    the same table). Only for a viewer who may see every site."""
    return query(
        f"""
        select
            entity, is_delivered, current_file_count, row_count, newest_file_name,
            newest_file_modified_at, event_column, newest_event_at, as_of_at,
            delivery_age_hours, event_age_hours, delivery_max_age_hours, event_max_age_hours,
            is_delivery_fresh, is_event_fresh
        from marts.entity_freshness
        where not is_reference and {NETWORK_ONLY}
        order by entity
        """
    )
