"""Unattended operation: a landing-folder sensor, a daily schedule and freshness checks per entity."""

import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime
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


def _event_column(entity: Entity) -> str | None:
    """The column that dates an entity's events: its first timestamp column."""
    return next((column.name for column in entity.columns if column.type == "timestamp"), None)


def build_freshness_checks(entities: list[Entity]) -> dg.AssetChecksDefinition:
    specs = [
        dg.AssetCheckSpec(
            "freshness",
            asset=dg.AssetKey(["raw", entity.name]),
            description=f"Newest delivery ≤ {DELIVERY_MAX_AGE_HOURS:g} h old and newest event ≤ "
            f"{EVENT_MAX_AGE_HOURS:g} h old (OBSERVATORY_FRESHNESS_DELIVERY_HOURS / _EVENT_HOURS).",
        )
        for entity in entities
    ]

    @dg.multi_asset_check(specs=specs, can_subset=True, name="entity_freshness")
    def freshness(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource) -> Iterator:
        now = datetime.now(UTC).replace(tzinfo=None)
        with warehouse.connect_work_database() as con:
            for entity in entities:
                key = dg.AssetKey(["raw", entity.name])
                if dg.AssetCheckKey(key, "freshness") not in context.selected_asset_check_keys:
                    continue
                newest_delivery = con.execute(
                    "select max(file_modified_at) from raw._deliveries where entity = ? and is_current",
                    [entity.name],
                ).fetchone()[0]
                column = _event_column(entity)
                newest_event = None
                if column:
                    newest_event = con.execute(
                        f"select max(timezone('UTC', try_cast(\"{column}\" as timestamptz))) from raw.{entity.name}"
                    ).fetchone()[0]
                delivery_age = (now - newest_delivery).total_seconds() / 3600 if newest_delivery else None
                event_age = (now - newest_event).total_seconds() / 3600 if newest_event else None
                passed = (
                    delivery_age is not None
                    and delivery_age <= DELIVERY_MAX_AGE_HOURS
                    and (event_age is None or event_age <= EVENT_MAX_AGE_HOURS)
                )
                yield dg.AssetCheckResult(
                    asset_key=key,
                    check_name="freshness",
                    passed=passed,
                    severity=dg.AssetCheckSeverity.WARN,
                    metadata={
                        "newest_delivery": str(newest_delivery) if newest_delivery else "no delivery",
                        "delivery_age_hours": round(delivery_age, 1) if delivery_age is not None else -1,
                        "newest_event": str(newest_event) if newest_event else "none",
                        "event_age_hours": round(event_age, 1) if event_age is not None else -1,
                    },
                )

    return freshness
