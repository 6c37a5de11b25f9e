"""The Dagster code location: assembles assets, checks, the job and resources. Nothing is computed here."""

from __future__ import annotations

import dagster as dg

from orchestration.alert_webhook import build_alert_sensor
from orchestration.contract import load_contract
from orchestration.ingest import build_ingest_assets
from orchestration.operations import (
    build_daily_schedule,
    build_freshness_checks,
    build_landing_sensor,
    build_weekly_full_refresh_schedule,
)
from orchestration.progress import run_event_logger
from orchestration.publish import build_publish_asset
from orchestration.resources import WarehouseResource
from orchestration.settings import Settings
from orchestration.signals import build_alerts_asset, build_anomalies_asset, build_orders_at_risk_asset
from orchestration.transform import build_dbt_assets, dbt_resource


def build_definitions(settings: Settings) -> dg.Definitions:
    entities = list(load_contract().entities)
    ingest_assets = build_ingest_assets(entities)
    dbt_assets = build_dbt_assets()
    signal_assets = [build_orders_at_risk_asset(dbt_assets), build_anomalies_asset(dbt_assets)]
    signal_assets.append(build_alerts_asset(dbt_assets, signal_assets))
    publish_asset = build_publish_asset([dbt_assets, *signal_assets], entities)
    observatory_job = dg.define_asset_job(
        "observatory_job",
        selection=dg.AssetSelection.all(),
        executor_def=dg.in_process_executor,
        description=(
            "Load the extracts, build and test every dbt model, score the orders at risk, find the KPI anomalies "
            "and delivery gaps, raise and clear the alerts, publish the warehouse if all passed."
        ),
    )
    return dg.Definitions(
        assets=[*ingest_assets, dbt_assets, *signal_assets, publish_asset],
        asset_checks=[build_freshness_checks(entities)],
        jobs=[observatory_job],
        schedules=[build_daily_schedule(observatory_job), build_weekly_full_refresh_schedule(observatory_job)],
        sensors=[build_landing_sensor(observatory_job, entities), build_alert_sensor(settings)],
        loggers={"console": dg.colored_console_logger, "observatory": run_event_logger},
        resources={
            "dbt": dbt_resource(),
            "warehouse": WarehouseResource.from_settings(settings),
        },
    )


defs = build_definitions(Settings.from_env())
