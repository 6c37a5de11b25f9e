"""Gated, guarded, atomic publish: copy what readers need from the working database into a new file, then rename
it over the warehouse path. Readers holding the old file keep reading it; nobody ever sees a half-written one.
A build that would lose history is not published (orchestration/guard.py).
"""

import os
import uuid
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import duckdb
from pydantic import Field

from orchestration.contract import Entity
from orchestration.guard import core_row_counts, read_published_state, refusal, survey_extracts
from orchestration.resources import WarehouseResource

# Schemas readers use: typed staging relations and rejects, marts. Raw and base stay in the build.
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
            # What the guard compares the next build with: which entities this warehouse was built from.
            con.execute("create table meta.deliveries as select entity, file_count as files from work.raw._folders")
            con.execute("detach work")
            con.execute("checkpoint")
        _fsync(staged)
        os.replace(staged, warehouse)
        _fsync(warehouse.parent)
    finally:
        staged.unlink(missing_ok=True)
    return PublishReport(warehouse, len(relations), warehouse.stat().st_size)


class PublishConfig(dg.Config):
    allow_shrink: bool = Field(
        default=False, description="Publish even if the build would lose deliveries or rows (see guard.py)."
    )


def build_publish_asset(upstream: list[dg.AssetsDefinition], entities: list[Entity]) -> dg.AssetsDefinition:
    """The publish step, after every asset that writes the working database (dbt's, the Python signals')."""

    @dg.asset(
        key=["published_warehouse"],
        deps=[key for assets in upstream for key in assets.keys],
        group_name="publish",
        kinds={"duckdb"},
        description="The DuckDB file dashboards read; replaced atomically only after a passing dbt build.",
    )
    def published_warehouse(
        context: dg.AssetExecutionContext, warehouse: WarehouseResource, config: PublishConfig
    ) -> dg.MaterializeResult:
        settings = warehouse.settings
        published = read_published_state(settings.warehouse_path)
        if published is not None and not config.allow_shrink:
            with warehouse.connect_work_database() as con:
                new_rows = core_row_counts(con, "work")
            survey = survey_extracts(settings.extracts_dir, entities)
            reason = refusal(published, survey, new_rows, settings.max_shrink)
            if reason:
                raise dg.Failure(description=reason)
        report = publish_warehouse(
            settings.work_database, settings.warehouse_path, context.run_id, settings.memory_limit
        )
        context.log.info(f"published {report.relations} relations to {report.path} ({report.bytes / 1e6:.1f} MB)")
        return dg.MaterializeResult(
            metadata={
                "path": dg.MetadataValue.path(str(report.path)),
                "relations": report.relations,
                "bytes": report.bytes,
            }
        )

    return published_warehouse
