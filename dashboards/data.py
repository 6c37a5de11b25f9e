"""Read-only access to the published warehouse: one cached connection, parameterised queries, no KPI logic.

Every figure the pages show comes from the marts: KPIs roll up as sum(numerator) / sum(denominator) from
``marts.kpi_daily`` (level KPIs: the period's last day), targets and status thresholds from
``staging.stg_reference__kpi_targets``, statuses by the marts' own rule (macros/kpi/rag_status.sql), everything
else from the mart that holds it. User-chosen values
(sites, dates, KPIs) only ever reach SQL as bound parameters.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import jinja2
import pandas as pd
import streamlit as st

from orchestration.contract import Entity, load_contract
from orchestration.settings import DBT_PROJECT_DIR, Settings

# A group of fewer users than this is never shown (site x role, or a site's user-based KPI).
MIN_GROUP_USERS = 5
SUPPRESSED_LABEL = "< 5 users"

# KPIs whose denominator counts users of a site: suppressed when fewer than MIN_GROUP_USERS are provisioned.
USER_KPIS = ("active_user_rate", "spreadsheet_event_rate", "training_completion_rate", "tickets_per_100_users")

# Marts each page reads; a page names what is missing instead of failing.
REQUIRED_FOR_ANY_PAGE = ("marts.kpi_daily",)


class WarehouseUnavailable(Exception):
    """The published warehouse cannot be read; the message says how to create it."""


@dataclass(frozen=True)
class WarehouseFile:
    """The published file and a stamp that changes whenever a new warehouse is published over it."""

    path: Path
    stamp: tuple[int, int, int]


def warehouse_path() -> Path:
    return Settings.from_env().warehouse_path


def how_to_create(path: Path, problem: str = "No published warehouse at") -> str:
    return (
        f"{problem} `{path}`.\n\n"
        "Create it with `observatory run` (loads the bundled sample extracts; `observatory run --extracts DIR "
        "--warehouse FILE` for your own), then reload this page. To read another published file: "
        "`observatory dashboard --warehouse FILE`."
    )


def locate_warehouse() -> WarehouseFile:
    """The current published file, or WarehouseUnavailable when it is missing or empty."""
    path = warehouse_path()
    try:
        status = path.stat()
    except FileNotFoundError as missing:
        raise WarehouseUnavailable(how_to_create(path)) from missing
    if status.st_size == 0:
        raise WarehouseUnavailable(how_to_create(path, "The published warehouse is an empty file:"))
    return WarehouseFile(path, (status.st_mtime_ns, status.st_ino, status.st_size))


def _close(connection: duckdb.DuckDBPyConnection) -> None:
    connection.close()


@st.cache_resource(max_entries=2, on_release=_close, show_spinner=False)
def _connection(path: str, stamp: tuple[int, int, int]) -> duckdb.DuckDBPyConnection:
    """One read-only connection per published file version (``stamp`` changes when a new one is published).

    The file is attached to an in-memory database rather than opened with ``duckdb.connect(path)``: DuckDB
    reuses an already open database for a path, which would keep serving the replaced file.
    """
    del stamp  # part of the cache key only
    connection = duckdb.connect(":memory:")
    connection.execute("attach $path as warehouse (read_only)", {"path": path})
    return connection


@st.cache_data(max_entries=512, show_spinner=False)
def _cached_query(path: str, stamp: tuple[int, int, int], sql: str, parameters: dict[str, Any]) -> pd.DataFrame:
    cursor = _connection(path, stamp).cursor()  # a cursor per query: Streamlit sessions run on many threads
    try:
        cursor.execute("use warehouse")
        return cursor.execute(sql, parameters).df()
    finally:
        cursor.close()


def clear_cache() -> None:
    """Forget cached query results (the benchmark times DuckDB, not the cache)."""
    _cached_query.clear()


def query(sql: str, parameters: dict[str, Any] | None = None) -> pd.DataFrame:
    """Run a read-only query with bound parameters (``$name``) against the current published warehouse."""
    warehouse = locate_warehouse()
    try:
        return _cached_query(str(warehouse.path), warehouse.stamp, sql, dict(parameters or {}))
    except duckdb.IOException as error:
        raise WarehouseUnavailable(how_to_create(warehouse.path, f"DuckDB cannot read ({error})")) from error


def relations() -> set[str]:
    """Published relations as ``schema.name``."""
    frame = query(
        """
        select table_schema || '.' || table_name as relation
        from information_schema.tables
        where table_catalog = 'warehouse'
        """
    )
    return set(frame["relation"])


def columns(relation: str) -> set[str]:
    schema, _, name = relation.partition(".")
    frame = query(
        """
        select column_name from information_schema.columns
        where table_catalog = 'warehouse' and table_schema = $schema and table_name = $name
        """,
        {"schema": schema, "name": name},
    )
    return set(frame["column_name"])


def missing(required: Iterable[str]) -> list[str]:
    present = relations()
    return [relation for relation in required if relation not in present]


def check_warehouse() -> None:
    """Raise WarehouseUnavailable unless the file is a published warehouse with KPI rows."""
    path = locate_warehouse().path
    try:
        absent = missing(REQUIRED_FOR_ANY_PAGE)
    except duckdb.Error as error:
        raise WarehouseUnavailable(how_to_create(path, f"DuckDB cannot read ({error})")) from error
    if absent:
        raise WarehouseUnavailable(how_to_create(path, f"No {', '.join(absent)} in"))
    if query("select count(*) as rows from marts.kpi_daily")["rows"].iloc[0] == 0:
        raise WarehouseUnavailable(how_to_create(path, "No KPI rows (marts.kpi_daily is empty) in"))


def publish_info() -> dict[str, Any] | None:
    if "meta.publish_info" not in relations():
        return None
    frame = query(
        "select run_id, timezone('UTC', published_at) as published_at_utc, relations from meta.publish_info limit 1"
    )
    return None if frame.empty else frame.iloc[0].to_dict()


# --- master data and the KPI catalogue ---------------------------------------------------------------------


def sites() -> pd.DataFrame:
    return query(
        """
        select site_id, site_name, region, legal_entity, timezone, go_live_date, rollout_wave
        from staging.stg_erp__sites
        order by rollout_wave nulls last, site_id
        """
    )


def kpi_date_range() -> tuple[dt.date, dt.date, dt.date]:
    """First and last kpi_date, and the day the data runs to: the last day of the every-day (level) KPIs.

    Later kpi_dates exist only for KPIs dated by a plan (an order's requested_ship_date), whose orders are
    not due yet; a default period ending there would read as a collapse of the fill rates.
    """
    frame = query(
        """
        select
            min(kpi_daily.kpi_date) as first_date,
            max(kpi_daily.kpi_date) as last_date,
            coalesce(max(case when definitions.is_level then kpi_daily.kpi_date end), max(kpi_daily.kpi_date))
                as data_through_date
        from marts.kpi_daily as kpi_daily
        left join marts.kpi_definitions as definitions on kpi_daily.kpi = definitions.kpi
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
        """
    )


# --- KPI roll-ups over a period ----------------------------------------------------------------------------

# Per site and KPI over [$start_date, $end_date]: sum(numerator) / sum(denominator); level KPIs take the
# site's last day with a row in the period (as marts.site_scorecard does for a week). provisioned_users is the
# site's active_user_rate denominator that day, used to suppress user KPIs of groups under 5 users. is_live:
# the site went live by the period's end (the network: any selected site did).
_SITE_VALUES_SQL = """
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
        sum(case when not is_level or day_rank_from_end = 1 then numerator end) as numerator,
        sum(case when not is_level or day_rank_from_end = 1 then denominator end) as denominator,
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
_RAG_STATUS_SQL = str(
    jinja2.Environment()
    .from_string((DBT_PROJECT_DIR / "macros" / "kpi" / "rag_status.sql").read_text())
    .module.rag_status(
        "graded_input.numerator / graded_input.denominator",
        "targets.direction",
        "targets.target",
        "targets.red_threshold",
        "coalesce(definitions.needs_go_live, false) and not graded_input.is_live",
    )
)

_GRADED_SQL = f""",

graded as (
    select
        graded_input.*,
        graded_input.numerator / graded_input.denominator as value,
        list_contains(cast($user_kpis as varchar[]), graded_input.kpi)
        and coalesce(graded_input.provisioned_users, 0) < $min_group_users as is_suppressed,
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
        "user_kpis": list(USER_KPIS),
        "min_group_users": MIN_GROUP_USERS,
    }


def previous_period(start_date: dt.date, end_date: dt.date) -> tuple[dt.date, dt.date]:
    """The period of the same length just before [start_date, end_date]."""
    length = end_date - start_date
    previous_end = start_date - dt.timedelta(days=1)
    return previous_end - length, previous_end


def peer_bands(start_date: dt.date, end_date: dt.date) -> pd.DataFrame:
    """Per KPI, the 25th-75th percentile of every site's value over the period (the benchmark band)."""
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


# --- weekly scorecards, gates, hypercare -------------------------------------------------------------------


def scorecard_week(site_ids: list[str], end_date: dt.date) -> dt.date | None:
    """The last complete ISO week ending on or before end_date (else the first week in the data)."""
    frame = query(
        """
        select coalesce(
            max(case when week_end_date <= $end_date then week_start_date end),
            min(week_start_date)
        ) as week_start_date
        from marts.site_scorecard
        where list_contains(cast($site_ids as varchar[]), site_id)
        """,
        {"site_ids": list(site_ids), "end_date": end_date},
    )
    value = frame["week_start_date"].iloc[0]
    return None if pd.isna(value) else value.date()


def worst_movers(site_ids: list[str], week_start_date: dt.date, limit: int = 3) -> pd.DataFrame:
    """The site x KPI pairs that worsened most against the previous week, relative to their previous value."""
    return query(
        """
        with

        scorecard as (
            select * from marts.site_scorecard
            where list_contains(cast($site_ids as varchar[]), site_id) and week_start_date = $week_start_date
        ),

        users as (
            select site_id, denominator as provisioned_users from scorecard where kpi = 'active_user_rate'
        ),

        moves as (
            select
                scorecard.site_id,
                scorecard.site_name,
                scorecard.kpi,
                scorecard.iso_week,
                scorecard.previous_week_value,
                scorecard.value,
                scorecard.change_vs_previous_week,
                scorecard.rag_status,
                scorecard.previous_week_rag_status,
                scorecard.direction,
                scorecard.target,
                scorecard.red_threshold,
                case when scorecard.direction = 'lower' then 1 else -1 end
                * scorecard.change_vs_previous_week / nullif(abs(scorecard.previous_week_value), 0)
                    as relative_worsening
            from scorecard
            left join users on scorecard.site_id = users.site_id
            where
                not (list_contains(cast($user_kpis as varchar[]), scorecard.kpi)
                    and coalesce(users.provisioned_users, 0) < $min_group_users)
        )

        select * from moves
        where relative_worsening > 0
        order by relative_worsening desc, site_id, kpi
        limit $limit
        """,
        {
            "site_ids": list(site_ids),
            "week_start_date": week_start_date,
            "limit": limit,
            "user_kpis": list(USER_KPIS),
            "min_group_users": MIN_GROUP_USERS,
        },
    )


def wave_gates(waves: list[str], week_start_date: dt.date) -> pd.DataFrame:
    return query(
        """
        select
            rollout_wave,
            wave_number,
            previous_rollout_wave,
            iso_week,
            gate_status,
            gate_reason,
            exit_state,
            blocking_sites,
            previous_wave_live_sites,
            previous_wave_red_kpis,
            previous_wave_unrecovered_kpis
        from marts.wave_gates
        where
            week_start_date = $week_start_date
            and (len(cast($waves as varchar[])) = 0 or list_contains(cast($waves as varchar[]), rollout_wave))
        order by wave_number
        """,
        {"waves": list(waves), "week_start_date": week_start_date},
    )


def site_weekly(site_ids: list[str], kpis: list[str], start_date: dt.date, end_date: dt.date) -> pd.DataFrame:
    """Weekly KPI values (marts.site_scorecard) of ISO weeks overlapping the period; user KPIs suppressed."""
    return query(
        """
        with

        scorecard as (
            select * from marts.site_scorecard
            where
                list_contains(cast($site_ids as varchar[]), site_id)
                and week_end_date >= $start_date and week_start_date <= $end_date
        ),

        users as (
            select site_id, week_start_date, denominator as provisioned_users
            from scorecard where kpi = 'active_user_rate'
        )

        select
            scorecard.site_id,
            scorecard.site_name,
            scorecard.rollout_wave,
            scorecard.go_live_date,
            scorecard.iso_week,
            scorecard.week_start_date,
            scorecard.kpi,
            scorecard.numerator,
            scorecard.denominator,
            case when not is_suppressed then scorecard.value end as value,
            scorecard.target,
            scorecard.amber_threshold,
            scorecard.red_threshold,
            case when not is_suppressed then scorecard.rag_status end as rag_status,
            is_suppressed
        from scorecard
        left join users
            on scorecard.site_id = users.site_id and scorecard.week_start_date = users.week_start_date,
        lateral (
            select
                list_contains(cast($user_kpis as varchar[]), scorecard.kpi)
                and coalesce(users.provisioned_users, 0) < $min_group_users as is_suppressed
        )
        where list_contains(cast($kpis as varchar[]), scorecard.kpi)
        order by scorecard.site_id, scorecard.kpi, scorecard.week_start_date
        """,
        {
            "site_ids": list(site_ids),
            "kpis": list(kpis),
            "start_date": start_date,
            "end_date": end_date,
            "user_kpis": list(USER_KPIS),
            "min_group_users": MIN_GROUP_USERS,
        },
    )


def baselines(site_ids: list[str]) -> pd.DataFrame:
    """Each live site's pre-go-live baseline per KPI (marts.hypercare_daily)."""
    return query(
        """
        select site_id, kpi, any_value(go_live_date) as go_live_date, any_value(baseline) as baseline
        from marts.hypercare_daily
        where list_contains(cast($site_ids as varchar[]), site_id)
        group by site_id, kpi
        """,
        {"site_ids": list(site_ids)},
    )


HYPERCARE_MAX_POINTS = 4_000  # stays under Altair's 5,000-row limit


def hypercare_curves(site_ids: list[str], kpi: str, end_date: dt.date) -> tuple[pd.DataFrame, int]:
    """Trailing 7-day value relative to baseline by day since go-live, one series per site, to end_date.

    Returns the rows and the day step: when sites x days would exceed HYPERCARE_MAX_POINTS, only every
    step-th day offset is returned (exact values of those days, never averaged).
    """
    parameters = {"site_ids": list(site_ids), "kpi": kpi, "end_date": end_date}
    count = query(
        """
        select count(*) as points from marts.hypercare_daily
        where
            list_contains(cast($site_ids as varchar[]), site_id)
            and kpi = $kpi
            and is_recovery_tracked
            and kpi_date <= $end_date
        """,
        parameters,
    )["points"].iloc[0]
    step = max(1, -(-int(count) // HYPERCARE_MAX_POINTS))
    frame = query(
        """
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
        """
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
        where list_contains(cast($site_ids as varchar[]), hypercare.site_id) and hypercare.is_recovery_tracked
        group by hypercare.site_id, hypercare.kpi
        order by hypercare.site_id, hypercare.kpi
        """,
        {"site_ids": list(site_ids)},
    )


def wave_summary(waves: list[str]) -> pd.DataFrame:
    return query(
        """
        select * from marts.wave_summary
        where len(cast($waves as varchar[])) = 0 or list_contains(cast($waves as varchar[]), rollout_wave)
        order by wave_number
        """,
        {"waves": list(waves)},
    )


def sites_holding_waves_back(waves: list[str], week_start_date: dt.date) -> pd.DataFrame:
    """For each wave held or paused that week: the previous wave's live sites behind it, each with its own
    verdict (hold or pause), its red KPIs and its KPIs not recovered long after go-live (marts.wave_gate_sites)."""
    return query(
        """
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
        order by gates.wave_number, gate_sites.site_verdict = 'pause' desc, gate_sites.red_kpi_count desc,
            gate_sites.site_id
        """,
        {"waves": list(waves), "week_start_date": week_start_date},
    )


# --- KPI dictionary ----------------------------------------------------------------------------------------


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
        """
    )


# --- site drill-downs --------------------------------------------------------------------------------------


def open_exceptions(site_id: str, end_date: dt.date) -> pd.DataFrame:
    """Exceptions open at the end of the site's local end_date by type and age: a breakdown of the
    exception_backlog KPI that day (same rule: opened before the end of the day, not resolved by it)."""
    return query(
        """
        with

        site_day_end as (
            -- local midnight that starts the next day, as a UTC timestamp like the staging columns
            select site_id, timezone('UTC', timezone(timezone, cast($end_date + 1 as timestamp))) as day_end_at
            from staging.stg_erp__sites
            where site_id = $site_id
        ),

        open_at_end as (
            select
                exceptions.exception_type,
                date_diff('hour', exceptions.opened_at, site_day_end.day_end_at) as age_hours
            from staging.stg_erp__exceptions as exceptions
            inner join site_day_end on exceptions.site_id = site_day_end.site_id
            where
                exceptions.opened_at < site_day_end.day_end_at
                and (exceptions.resolved_at is null or exceptions.resolved_at >= site_day_end.day_end_at)
        )

        select
            coalesce(exception_type, 'unknown') as exception_type,
            case
                when age_hours < 24 then '< 1 day'
                when age_hours <= 72 then '1–3 days'
                when age_hours <= 168 then '3–7 days'
                else '> 7 days'
            end as age_band,
            count(*) as open_exceptions
        from open_at_end
        group by all
        order by exception_type, age_band
        """,
        {"site_id": site_id, "end_date": end_date},
    )


AGE_BANDS = ["< 1 day", "1–3 days", "3–7 days", "> 7 days"]


def kpi_on_day(site_id: str, kpi: str, kpi_date: dt.date) -> float | None:
    frame = query(
        "select value from marts.kpi_daily where site_id = $site_id and kpi = $kpi and kpi_date = $kpi_date",
        {"site_id": site_id, "kpi": kpi, "kpi_date": kpi_date},
    )
    return None if frame.empty else float(frame["value"].iloc[0])


# --- data quality ------------------------------------------------------------------------------------------


def data_quality_issues(include_superseded: bool = False) -> pd.DataFrame:
    """Current data-quality issues (marts.data_quality), largest counts first. Superseded versions are
    history, not errors: left out unless asked for."""
    frame = query(
        """
        select issue_category, entity, file_name, load_date, column_name, reason, issue_count, example_value
        from marts.data_quality
        where $include_superseded or issue_category <> 'superseded_version'
        order by issue_count desc, entity, file_name, column_name
        """,
        {"include_superseded": include_superseded},
    )
    return _hide_personal_examples(frame)


def _hide_personal_examples(frame: pd.DataFrame) -> pd.DataFrame:
    """No value of a personal column (a pseudonymised user id is still one person) is shown as an example."""
    personal = {
        (entity.name, column.name)
        for entity in load_contract().entities
        for column in entity.columns
        if column.personal
    }
    is_personal = [
        (entity, column) in personal for entity, column in zip(frame["entity"], frame["column_name"], strict=True)
    ]
    return frame.assign(example_value=frame["example_value"].mask(is_personal))


def site_data_quality_issues(site_id: str) -> pd.DataFrame | None:
    """The site's own issues, or None while marts.data_quality has no site_id to attribute them."""
    if "site_id" not in columns("marts.data_quality"):
        return None
    return query(
        """
        select issue_category, entity, file_name, column_name, reason, sum(issue_count) as issue_count
        from marts.data_quality
        where site_id = $site_id and issue_category <> 'superseded_version'
        group by all
        order by issue_count desc
        """,
        {"site_id": site_id},
    )


# Dates of a plan, not of something that happened: they run ahead of the data and say nothing of freshness.
PLANNED_COLUMNS = frozenset({"due_at", "requested_ship_date"})


def _event_column(entity: Entity) -> str | None:
    """The column that dates an entity's rows: its first required timestamp, else any timestamp, else a required
    date; None for master data without one (items, sites)."""
    for wanted in (
        lambda column: column.type == "timestamp" and column.required,
        lambda column: column.type == "timestamp",
        lambda column: column.type == "date" and column.required,
    ):
        for column in entity.columns:
            if column.name not in PLANNED_COLUMNS and wanted(column):
                return column.name
    return None


def freshness() -> pd.DataFrame:
    """Per contract entity: whether staging has it, rows, delivery files, the latest file and the latest event.

    Table and column names come from the contract and are bound as parameters (query_table, columns()).
    """
    present = relations()
    rows = []
    for entity in load_contract().extracts:
        relation = f"staging.stg_erp__{entity.name}"
        event_column = _event_column(entity)
        row: dict[str, Any] = {"entity": entity.name, "event_column": event_column, "is_published": False}
        if relation in present:
            summary = query(
                """
                select count(*) as row_count, count(distinct source_file_name) as files,
                    max(source_file_name) as latest_file
                from query_table($relation)
                """,
                {"relation": relation},
            ).iloc[0]
            row.update(is_published=True, **summary.to_dict())
            if event_column is not None:
                last = query(
                    "select cast(max(columns(lambda c: c = $column)) as date) as last_event_date "
                    "from query_table($relation)",
                    {"relation": relation, "column": event_column},
                )
                row["last_event_date"] = last["last_event_date"].iloc[0]
        rows.append(row)
    frame = pd.DataFrame(rows)
    if "last_event_date" in frame:
        frame["last_event_date"] = pd.to_datetime(frame["last_event_date"]).dt.date
    return frame


# --- adoption ----------------------------------------------------------------------------------------------

ADOPTION_KPIS = ("active_user_rate", "spreadsheet_event_rate", "training_completion_rate", "tickets_per_100_users")


def users_by_role(site_ids: list[str], as_of: dt.date) -> pd.DataFrame:
    """Provisioned users per site and role on a day; a group under MIN_GROUP_USERS has no count (suppressed)."""
    return query(
        """
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
            case when groups.user_count >= $min_group_users then groups.user_count end as users,
            groups.user_count < $min_group_users as is_suppressed
        from groups
        inner join staging.stg_erp__sites as sites on groups.site_id = sites.site_id
        order by groups.site_id, groups.role
        """,
        {"site_ids": list(site_ids), "as_of": as_of, "min_group_users": MIN_GROUP_USERS},
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
        """
        select
            site_id,
            site_name,
            region,
            rollout_wave,
            as_of_date,
            planned_go_live_date,
            days_to_go_live,
            case when provisioned_users >= $min_group_users then provisioned_users end as provisioned_users,
            case when users_requiring_training >= $min_group_users then training_completion_rate end
                as training_completion_rate,
            users_requiring_training < $min_group_users as is_training_suppressed,
            provisioned_users < $min_group_users as is_users_suppressed,
            missing_role_count,
            missing_roles,
            role_mix_distance,
            open_master_data_issues,
            readiness_status
        from marts.site_readiness
        where list_contains(cast($site_ids as varchar[]), site_id)
        order by planned_go_live_date nulls last, site_id
        """,
        {"site_ids": list(site_ids), "min_group_users": MIN_GROUP_USERS},
    )


# --- finance close -----------------------------------------------------------------------------------------


def close_periods(site_ids: list[str], end_date: dt.date) -> pd.DataFrame:
    """Close periods (marts.close_period) of the selected sites' legal entities through end_date's month,
    each marked before go-live, during rollout or after go-live of the entity's sites."""
    return query(
        """
        with

        entities as (
            select
                legal_entity,
                count(*) as site_count,
                count(go_live_date) as sites_with_go_live,
                min(go_live_date) as first_go_live_date,
                max(go_live_date) as last_go_live_date
            from staging.stg_erp__sites
            where list_contains(cast($site_ids as varchar[]), site_id)
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
        """
        select
            legal_entity, region_names, period, task_name, due_at, completed_at, is_completed, days_late, hours_late
        from marts.close_late_tasks
        where
            legal_entity in (
                select legal_entity from staging.stg_erp__sites
                where list_contains(cast($site_ids as varchar[]), site_id)
            )
            and period <= strftime($end_date, '%Y-%m')
        order by period desc, legal_entity, hours_late desc, task_name
        """,
        {"site_ids": list(site_ids), "end_date": end_date},
    )
