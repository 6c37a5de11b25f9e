"""The one way a mart computed in Python is written (marts.kpi_anomalies, marts.delivery_gaps, marts.orders_at_risk,
marts.orders_at_risk_model, marts.alerts): its columns are declared as (name, DuckDB type, description) triples, so
the table has the same columns and types whether it holds rows or none, and the description is the one documented."""

from __future__ import annotations

from typing import Any

import duckdb

Column = tuple[str, str, str]


def write_mart(
    con: duckdb.DuckDBPyConnection, relation: str, columns: tuple[Column, ...], rows: Any, order_by: str = "all"
) -> int:
    """Replace `relation` (schema.name) with `rows`: a data frame or Arrow table with (at least) the declared columns,
    or the text of a select that returns them. Returns the number of rows written."""
    definition = ", ".join(f'"{name}" {sql_type}' for name, sql_type, _ in columns)
    names = ", ".join(f'"{name}"' for name, _, _ in columns)
    source = f"({rows})" if isinstance(rows, str) else "python_mart_rows"
    con.execute(f"create schema if not exists {relation.split('.')[0]}")
    con.execute(f"create or replace table {relation} ({definition})")
    if not isinstance(rows, str):
        con.register("python_mart_rows", rows)
    try:
        con.execute(f"insert into {relation} ({names}) select {names} from {source} order by {order_by}")
    finally:
        if not isinstance(rows, str):
            con.unregister("python_mart_rows")
    (written,) = con.execute(f"select count(*) from {relation}").fetchone()
    return written
