"""Read-only access to the published warehouse: one cached connection per published file, parameterised
queries, and whether the relations a page reads are there. No KPI logic: the query modules of the page areas
(dashboards/queries/<area>.py) run their SQL through ``query``, where user-chosen values (sites, dates, KPIs)
only ever reach SQL as bound parameters.

Every query is scoped to the viewer's sites (dashboards/queries/scope.py): each statement filters its rows with
``scope.site_in_scope("site_id")`` (or ``wave_in_scope`` / ``NETWORK_ONLY``), and ``query`` binds the viewer's
sites to its ``$allowed_sites``; a statement that reads no site rows passes ``exempt_from_scope="<why>"``. A query
with neither is refused for a viewer limited to some sites (scope.ScopeMissing), so it shows nothing rather than
another site's rows, and fails tests/test_access_scope.py, which runs every query function as a site lead."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import streamlit as st

from dashboards import settings
from dashboards.queries import scope

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
    return settings.warehouse_path()


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


def query(sql: str, parameters: dict[str, Any] | None = None, *, exempt_from_scope: str | None = None) -> pd.DataFrame:
    """Run a read-only query with bound parameters (``$name``) against the current published warehouse, scoped to
    the viewer's sites (``$allowed_sites``, bound here) unless ``exempt_from_scope`` says why it reads no site rows."""
    bound = dict(parameters or {})
    if scope.PARAMETER in bound:
        raise ValueError(f"${scope.PARAMETER} is bound by connection.query from the viewer, never by a caller")
    if exempt_from_scope is not None and not exempt_from_scope.strip():
        raise ValueError("exempt_from_scope needs the reason the query reads no site rows")
    if f"${scope.PARAMETER}" in sql:
        bound[scope.PARAMETER] = scope.allowed_sites()
    elif exempt_from_scope is None and scope.allowed_sites() is not None:
        raise scope.ScopeMissing(
            f"a query without ${scope.PARAMETER} (scope.site_in_scope) for a viewer limited to some sites: "
            f"{' '.join(sql.split())[:160]}"
        )
    warehouse = locate_warehouse()
    try:
        return _cached_query(str(warehouse.path), warehouse.stamp, sql, bound)
    except duckdb.IOException as error:
        raise WarehouseUnavailable(how_to_create(warehouse.path, f"DuckDB cannot read ({error})")) from error


def relations() -> set[str]:
    """Published relations as ``schema.name``."""
    frame = query(
        """
        select table_schema || '.' || table_name as relation
        from information_schema.tables
        where table_catalog = 'warehouse'
        """,
        exempt_from_scope="the warehouse's list of relations",
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
        exempt_from_scope="a relation's column names",
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
    rows = query("select count(*) as rows from marts.kpi_daily", exempt_from_scope="whether any KPI row is published")
    if rows["rows"].iloc[0] == 0:
        raise WarehouseUnavailable(how_to_create(path, "No KPI rows (marts.kpi_daily is empty) in"))


def publish_info() -> dict[str, Any] | None:
    if "meta.publish_info" not in relations():
        return None
    frame = query(
        "select run_id, timezone('UTC', published_at) as published_at_utc, relations from meta.publish_info limit 1",
        exempt_from_scope="the publish run's stamp",
    )
    return None if frame.empty else frame.iloc[0].to_dict()
