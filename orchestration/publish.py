"""Gated, atomic publish: copy what readers need from the working database into a new file, then rename it
over the warehouse path. Readers holding the old file keep reading it; nobody ever sees a half-written one.
"""

import os
import uuid
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import duckdb

from orchestration.resources import WarehouseResource

# Schemas readers use: typed staging relations and rejects, marts. Raw and validation stay in the build.
PUBLISHED_SCHEMAS = ("staging", "marts")


@dataclass(frozen=True)
class PublishReport:
    path: Path
    relations: int
    bytes: int


def _fsync(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def publish_warehouse(work_database: Path, warehouse: Path, run_id: str, memory_limit: str = "4GB") -> PublishReport:
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    # A run killed while publishing leaves its half-written copy behind; the run lock makes it safe to remove.
    for abandoned in warehouse.parent.glob(f".{warehouse.name}.*.publishing"):
        abandoned.unlink(missing_ok=True)
    staged = warehouse.with_name(f".{warehouse.name}.{uuid.uuid4().hex}.publishing")
    try:
        with duckdb.connect(str(staged), config={"memory_limit": memory_limit}) as con:
            con.execute("attach $path as work (read_only)", {"path": str(work_database)})
            relations = con.execute(
                """
                select schema_name, table_name from duckdb_tables()
                where database_name = 'work' and list_contains(?, schema_name) and not starts_with(table_name, '_')
                union all
                select schema_name, view_name from duckdb_views()
                where database_name = 'work' and list_contains(?, schema_name) and not internal
                order by 1, 2
                """,
                [list(PUBLISHED_SCHEMAS), list(PUBLISHED_SCHEMAS)],
            ).fetchall()
            for schema, name in relations:
                con.execute(f'create schema if not exists "{schema}"')
                con.execute(f'create table "{schema}"."{name}" as select * from work."{schema}"."{name}"')
            con.execute("create schema meta")
            con.execute(
                "create table meta.publish_info as select $run_id as run_id, now() as published_at, "
                "$count as relations",
                {"run_id": run_id, "count": len(relations)},
            )
            con.execute("detach work")
            con.execute("checkpoint")
        _fsync(staged)
        os.replace(staged, warehouse)
        _fsync(warehouse.parent)
    finally:
        staged.unlink(missing_ok=True)
    return PublishReport(warehouse, len(relations), warehouse.stat().st_size)


def build_publish_asset(upstream: dg.AssetsDefinition) -> dg.AssetsDefinition:
    @dg.asset(
        key=["published_warehouse"],
        deps=list(upstream.keys),
        group_name="publish",
        kinds={"duckdb"},
        description="The DuckDB file dashboards read; replaced atomically only after a passing dbt build.",
    )
    def published_warehouse(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
        settings = warehouse.settings
        report = publish_warehouse(
            settings.work_database, settings.warehouse_path, context.run_id, settings.memory_limit
        )
        context.log.info(f"published {report.relations} relations to {report.path} ({report.bytes / 1e6:.1f} MB)")
        return dg.MaterializeResult(
            metadata={"path": dg.MetadataValue.path(str(report.path)), "relations": report.relations}
        )

    return published_warehouse
