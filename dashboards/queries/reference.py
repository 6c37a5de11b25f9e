"""Master data and the KPI catalogue every page reads: the sites (the filters), the days with KPI rows, each KPI's
definition with its target and status thresholds (marts.kpi_definitions, staging.stg_reference__kpi_targets)."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from dashboards.queries.connection import query
from dashboards.queries.scope import site_in_scope


def sites() -> pd.DataFrame:
    """The sites the viewer may see (every page's filters offer only these)."""
    return query(
        f"""
        select site_id, site_name, region, legal_entity, timezone, go_live_date, rollout_wave
        from staging.stg_erp__sites
        where {site_in_scope("site_id")}
        order by rollout_wave nulls last, site_id
        """
    )


def kpi_date_range() -> tuple[dt.date, dt.date, dt.date]:
    """First and last kpi_date, and the day the data runs to: the last day of the every-day (level) KPIs.

    Later kpi_dates exist only for KPIs dated by a plan (an order's requested_ship_date), whose orders are
    not due yet; a default period ending there would read as a collapse of the fill rates.
    """
    frame = query(
        f"""
        select
            min(kpi_daily.kpi_date) as first_date,
            max(kpi_daily.kpi_date) as last_date,
            coalesce(max(case when definitions.is_level then kpi_daily.kpi_date end), max(kpi_daily.kpi_date))
                as data_through_date
        from marts.kpi_daily as kpi_daily
        left join marts.kpi_definitions as definitions on kpi_daily.kpi = definitions.kpi
        where {site_in_scope("kpi_daily.site_id")}
        """
    )
    row = frame.iloc[0]
    return row["first_date"].date(), row["last_date"].date(), row["data_through_date"].date()


def kpi_catalogue() -> pd.DataFrame:
    """One row per KPI: name, unit, direction, whether it is a level KPI or needs the new system (go-live),
    target, status thresholds and recovery tolerances."""
    return query(
        """
        select
            definitions.kpi,
            definitions.kpi_name,
            definitions.family,
            definitions.unit,
            coalesce(targets.direction, definitions.direction) as direction,
            definitions.is_level,
            definitions.needs_go_live,
            definitions.recovery_min_tolerance,
            targets.target,
            targets.amber_threshold,
            targets.red_threshold,
            targets.recovery_tolerance,
            definitions.display_order
        from marts.kpi_definitions as definitions
        left join staging.stg_reference__kpi_targets as targets on definitions.kpi = targets.kpi
        order by definitions.display_order
        """,
        exempt_from_scope="the KPI catalogue holds no site rows",
    )


def kpi_dictionary() -> pd.DataFrame:
    return query(
        """
        select
            definitions.*,
            targets.target,
            targets.amber_threshold,
            targets.red_threshold,
            targets.recovery_tolerance
        from marts.kpi_definitions as definitions
        left join staging.stg_reference__kpi_targets as targets on definitions.kpi = targets.kpi
        order by definitions.display_order
        """,
        exempt_from_scope="the KPI dictionary holds no site rows",
    )


def measure_dictionary() -> pd.DataFrame:
    """The project's own measures, not contract KPIs (marts.measure_definitions)."""
    return query(
        "select * from marts.measure_definitions order by display_order",
        exempt_from_scope="the measure dictionary holds no site rows",
    )


def measure_definition(measure: str) -> pd.Series | None:
    """One project measure's definition (marts.measure_definitions), or None when the warehouse has none."""
    rows = query(
        "select * from marts.measure_definitions where measure = $measure",
        {"measure": measure},
        exempt_from_scope="the measure dictionary holds no site rows",
    )
    return None if rows.empty else rows.iloc[0]
