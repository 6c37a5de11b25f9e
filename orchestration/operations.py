"""Unattended operation: a landing-folder sensor, a daily schedule and freshness checks per entity."""

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import dagster as dg

from orchestration.contract import Entity
from orchestration.deliveries import discover_files
from orchestration.guard import survey_extracts
from orchestration.resources import WarehouseResource
from orchestration.settings import OperationsSettings

if TYPE_CHECKING:
    from dagster._core.definitions.unresolved_asset_job_definition import UnresolvedAssetJobDefinition

# From environment variables with documented defaults (orchestration/settings.py, README "Operations").
OPERATIONS = OperationsSettings.from_env()
DELIVERY_MAX_AGE_HOURS = OPERATIONS.delivery_max_age_hours
EVENT_MAX_AGE_HOURS = OPERATIONS.event_max_age_hours
SCHEDULE_CRON = OPERATIONS.schedule_cron
FULL_REFRESH_CRON = OPERATIONS.full_refresh_cron


def delivery_fingerprint(extracts_dir: Path, entities: list[Entity]) -> str:
    """Changes whenever a delivery file is added, removed or rewritten (name, size, modification time)."""
    digest = hashlib.sha256()
    for entity in entities:
        for path in discover_files(extracts_dir / entity.name):
            status = path.stat()
            digest.update(f"{entity.name}/{path.name}:{status.st_size}:{status.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def build_landing_sensor(job: "UnresolvedAssetJobDefinition", entities: list[Entity]) -> dg.SensorDefinition:
    @dg.sensor(job=job, minimum_interval_seconds=60, default_status=dg.DefaultSensorStatus.RUNNING)
    def landing_folder_sensor(context: dg.SensorEvaluationContext, warehouse: WarehouseResource) -> Iterator:
        """One run per delivery: a new or changed file under the extracts folder requests a run.

        An empty or vanished folder (a share that is not mounted) never requests one: the run could only be
        refused by the publish guard."""
        survey = survey_extracts(Path(warehouse.extracts_dir), entities)
        if not survey.has_delivery:
            context.log.warning(f"no run requested: {survey.why_empty()}")
            yield dg.SkipReason(f"no run requested: {survey.why_empty()}")
            return
        fingerprint = delivery_fingerprint(Path(warehouse.extracts_dir), entities)
        if fingerprint == context.cursor:
            yield dg.SkipReason("no new or changed delivery")
            return
        context.update_cursor(fingerprint)
        yield dg.RunRequest(run_key=fingerprint)

    return landing_folder_sensor


def build_daily_schedule(job: "UnresolvedAssetJobDefinition") -> dg.ScheduleDefinition:
    return dg.ScheduleDefinition(
        name="daily_refresh",
        job=job,
        cron_schedule=SCHEDULE_CRON,
        execution_timezone="UTC",
        description="Rebuild every day even without a new delivery (level KPIs and freshness move with time).",
    )


def build_weekly_full_refresh_schedule(job: "UnresolvedAssetJobDefinition") -> dg.ScheduleDefinition:
    """An incremental run tests only the rows it staged (dbt_project.yml: the staging tests' `where`); once a week
    every model is rebuilt from scratch, so every test reads its whole table and nothing kept can drift unseen."""
    return dg.ScheduleDefinition(
        name="weekly_full_refresh",
        job=job,
        cron_schedule=FULL_REFRESH_CRON,
        execution_timezone="UTC",
        run_config={"ops": {"observatory_dbt_assets": {"config": {"full_refresh": True}}}},
        description="Rebuild every model from scratch once a week: every dbt test then checks its whole table.",
    )


# The mart the checks read: each entity's freshness at the build's start, judged by the same limits as here
# (orchestration/transform.py passes them to dbt). The Data quality page reads the same table.
FRESHNESS_MART = dg.AssetKey(["marts", "entity_freshness"])


def _hours(value: float | None) -> float:
    return round(value, 1) if value is not None else -1


def build_freshness_checks(entities: list[Entity]) -> dg.AssetChecksDefinition:
    specs = [
        dg.AssetCheckSpec(
            "freshness",
            asset=dg.AssetKey(["raw", entity.name]),
            additional_deps=[FRESHNESS_MART],
            description=f"Newest delivery ≤ {DELIVERY_MAX_AGE_HOURS:g} h old and newest event ≤ "
            f"{EVENT_MAX_AGE_HOURS:g} h old at the build's start (OBSERVATORY_FRESHNESS_DELIVERY_HOURS / "
            "_EVENT_HOURS), as marts.entity_freshness judges it.",
        )
        for entity in entities
    ]

    @dg.multi_asset_check(specs=specs, can_subset=True, name="entity_freshness")
    def freshness(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource) -> Iterator:
        with warehouse.connect_work_database() as con:
            judged = {
                row[0]: row[1:]
                for row in con.execute(
                    """
                    select
                        entity, is_delivery_fresh, is_event_fresh, newest_file_name, newest_file_modified_at,
                        delivery_age_hours, event_column, newest_event_at, event_age_hours, as_of_at
                    from marts.entity_freshness
                    """
                ).fetchall()
            }
        for entity in entities:
            key = dg.AssetKey(["raw", entity.name])
            if dg.AssetCheckKey(key, "freshness") not in context.selected_asset_check_keys:
                continue
            (
                is_delivery_fresh,
                is_event_fresh,
                newest_file,
                newest_delivery,
                delivery_age,
                event_column,
                newest_event,
                event_age,
                as_of,
            ) = judged.get(entity.name, (False, False, None, None, None, None, None, None, None))
            yield dg.AssetCheckResult(
                asset_key=key,
                check_name="freshness",
                passed=bool(is_delivery_fresh and is_event_fresh),
                severity=dg.AssetCheckSeverity.WARN,
                metadata={
                    "as_of": str(as_of) if as_of else "not built",
                    "newest_delivery": f"{newest_file} ({newest_delivery})" if newest_file else "no delivery",
                    "delivery_age_hours": _hours(delivery_age),
                    "event_column": event_column or "none (master data)",
                    "newest_event": str(newest_event) if newest_event else "none",
                    "event_age_hours": _hours(event_age),
                },
            )

    return freshness
