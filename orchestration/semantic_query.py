"""`observatory query`: a KPI by any dimension, from MetricFlow over the published warehouse, read-only.

MetricFlow plans and writes the SQL from the project's semantic manifest (dbt_project/target/semantic_manifest.json,
parsed again when a model changed, as `observatory run` does); this module only gives it a DuckDB connection that
can read the published file and nothing else. The file is attached as `work`, the name of the build's working
database that the manifest's relation names carry; publish keeps their schemas, so they all resolve in it.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb
from metricflow.data_table.mf_table import MetricFlowDataTable
from metricflow.engine.metricflow_engine import MetricFlowEngine, MetricFlowQueryRequest
from metricflow.protocols.sql_client import SqlEngine
from metricflow.sql.render.duckdb_renderer import DuckDbSqlPlanRenderer
from metricflow.sql.render.sql_plan_renderer import SqlPlanRenderer
from metricflow_semantics.model.dbt_manifest_parser import parse_manifest_from_dbt_generated_manifest
from metricflow_semantics.model.semantic_manifest_lookup import SemanticManifestLookup
from metricflow_semantics.sql.sql_bind_parameters import SqlBindParameterSet

from orchestration.semantic_models import DIMENSIONS
from orchestration.settings import DBT_PROJECT_DIR

# The database name of the build's working file (dbt_project/profiles.yml: ~/work.duckdb).
MANIFEST_DATABASE = "work"


class QueryError(Exception):
    """A query MetricFlow or the warehouse refused, said in one line."""


class ReadOnlyDuckDbClient:
    """MetricFlow's SqlClient over the published warehouse, attached read-only in an in-memory DuckDB."""

    def __init__(self, warehouse: Path) -> None:
        self._connection = duckdb.connect(":memory:")
        path = str(warehouse).replace("'", "''")
        self._connection.execute(f"attach '{path}' as {MANIFEST_DATABASE} (read_only)")
        self._connection.execute(f"use {MANIFEST_DATABASE}")

    @property
    def sql_engine_type(self) -> SqlEngine:
        return SqlEngine.DUCKDB

    @property
    def sql_plan_renderer(self) -> SqlPlanRenderer:
        return DuckDbSqlPlanRenderer()

    def query(self, stmt: str, sql_bind_parameter_set: SqlBindParameterSet | None = None) -> MetricFlowDataTable:
        cursor = self._connection.execute(stmt, _parameters(sql_bind_parameter_set))
        columns = [description[0] for description in cursor.description]
        return MetricFlowDataTable.create_from_rows(column_names=columns, rows=cursor.fetchall())

    def execute(self, stmt: str, sql_bind_parameter_set: SqlBindParameterSet | None = None) -> None:
        self._connection.execute(stmt, _parameters(sql_bind_parameter_set))

    def dry_run(self, stmt: str, sql_bind_parameter_set: SqlBindParameterSet | None = None) -> None:
        self._connection.execute(f"explain {stmt}", _parameters(sql_bind_parameter_set))

    def close(self) -> None:
        self._connection.close()

    def render_bind_parameter_key(self, bind_parameter_key: str) -> str:
        return f"${bind_parameter_key}"


def _parameters(bind_parameters: SqlBindParameterSet | None) -> dict | None:
    if bind_parameters is None or not bind_parameters.param_dict:
        return None
    return dict(bind_parameters.param_dict)


@dataclass(frozen=True)
class QueryResult:
    table: MetricFlowDataTable
    sql: str


def semantic_manifest_path() -> Path:
    """The semantic manifest of the dbt project, parsed again first if a model, macro or seed changed."""
    from orchestration.transform import observatory_dbt_project

    project = observatory_dbt_project()
    return DBT_PROJECT_DIR / project.target_path / "semantic_manifest.json"


def metricflow_name(dimension: str) -> str:
    """A --by name: a short name (DIMENSIONS) or MetricFlow's own (site__region, metric_time__week ...)."""
    return DIMENSIONS.get(dimension, dimension)


def engine(warehouse: Path, manifest_path: Path | None = None) -> MetricFlowEngine:
    if not warehouse.exists():
        raise QueryError(f"no published warehouse at {warehouse}: run `observatory run` first")
    manifest = parse_manifest_from_dbt_generated_manifest(
        manifest_json_string=(manifest_path or semantic_manifest_path()).read_text()
    )
    return MetricFlowEngine(
        semantic_manifest_lookup=SemanticManifestLookup(manifest), sql_client=ReadOnlyDuckDbClient(warehouse)
    )


def query_metrics(
    warehouse: Path,
    metrics: Sequence[str],
    by: Sequence[str] = (),
    where: Sequence[str] = (),
    start: dt.date | None = None,
    end: dt.date | None = None,
    order_by: Sequence[str] = (),
    manifest_path: Path | None = None,
    metricflow: MetricFlowEngine | None = None,
) -> QueryResult:
    """The metrics grouped by the dimensions, over [start, end] (KPI days, both included)."""
    group_by = [metricflow_name(name) for name in by]
    filters = list(where)
    # Bounds on the KPI day as filters, not MetricFlow's time constraint, which widens them to whole periods of
    # the coarsest time grain asked for: `--from 2026-04-01 --by week` would count March 30 and 31.
    if start is not None:
        filters.append(f"{{{{ TimeDimension('metric_time', 'day') }}}} >= '{start.isoformat()}'")
    if end is not None:
        filters.append(f"{{{{ TimeDimension('metric_time', 'day') }}}} <= '{end.isoformat()}'")
    request = MetricFlowQueryRequest.create(
        metric_names=list(metrics),
        group_by_names=group_by or None,
        where_constraints=filters or None,
        order_by_names=[metricflow_name(name) for name in order_by] or group_by or None,
    )
    metricflow = metricflow or engine(warehouse, manifest_path)
    try:
        result = metricflow.query(request)
    except Exception as error:  # MetricFlow's errors are many classes; the message is what the user needs
        raise QueryError(one_line(str(error))) from error
    assert result.result_df is not None
    return QueryResult(table=result.result_df, sql=result.sql)


def one_line(message: str) -> str:
    """MetricFlow's or DuckDB's message in one line: the first issue and its input, without the report around it."""
    if "Message:" in message:
        issue = message.split("Message:", 1)[1].split("Issue Location:", 1)[0]
        said = issue.split("Common issues", 1)[0].split("Suggestions:", 1)[0].split("Query Input:", 1)[0]
        given = issue.split("Query Input:", 1)[1] if "Query Input:" in issue else ""
        return " ".join(said.split()) + (f" (input: {' '.join(given.split())})" if given.strip() else "")
    line = " ".join(message.strip().splitlines()[0].split())
    if line.startswith("Catalog Error"):
        line += "; a warehouse published before the semantic layer existed needs `observatory run`"
    return line


def metric_names(manifest_path: Path | None = None) -> list[str]:
    manifest = json.loads((manifest_path or semantic_manifest_path()).read_text())
    return [metric["name"] for metric in manifest["metrics"]]
