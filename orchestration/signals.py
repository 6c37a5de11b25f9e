"""The signals computed in Python after dbt (docs/kpis.md "Signals"): marts.orders_at_risk, marts.kpi_anomalies,
marts.delivery_gaps and, from those and the scorecards, marts.alerts, written into the build's working database
before the publish step copies the marts."""

import time
from datetime import UTC, datetime

import dagster as dg

from orchestration.alerts import write_alerts
from orchestration.anomaly_signals import write_signals
from orchestration.orders_at_risk import RELATION, write_orders_at_risk
from orchestration.resources import WarehouseResource
from orchestration.settings import AlertSettings, RiskSettings

# The dbt models the orders at risk read (their Dagster asset keys end in these names).
ORDERS_AT_RISK_INPUTS = (
    "int_warehouse_as_of",
    "int_orders_in_scope",
    "int_order_line_fills",
    "stg_erp__sites",
    "stg_erp__sales_orders",
    "stg_erp__sales_order_lines",
    "stg_erp__shipments",
    "stg_erp__exceptions",
    "kpi_daily",
)


def upstream_keys(dbt_assets: dg.AssetsDefinition, names: tuple[str, ...]) -> list[dg.AssetKey]:
    keys = [key for key in dbt_assets.keys if key.path[-1] in names]
    missing = set(names) - {key.path[-1] for key in keys}
    if missing:
        raise ValueError(f"dbt models missing from the project: {', '.join(sorted(missing))}")
    return keys


def build_orders_at_risk_asset(dbt_assets: dg.AssetsDefinition) -> dg.AssetsDefinition:
    @dg.asset(
        key=["marts", "orders_at_risk"],  # its step, marts__orders_at_risk, has a line in progress.py
        deps=upstream_keys(dbt_assets, ORDERS_AT_RISK_INPUTS),
        group_name="signals",
        kinds={"python", "scikit-learn", "duckdb"},
        description=(
            "Open order lines due within the next days with the probability of missing their requested ship "
            "date (logistic regression on the warehouse's own history) and why (marts.orders_at_risk), and the "
            "model's coefficients (marts.orders_at_risk_model)."
        ),
    )
    def orders_at_risk(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
        risk = RiskSettings.from_env()
        started = time.monotonic()
        with warehouse.connect_work_database() as con:
            rows, model = write_orders_at_risk(con, risk.horizon_days, risk.history_days)
        seconds = time.monotonic() - started
        trained = f"trained on {model.training_lines:,} past lines" if model else "not enough history to train"
        context.log.info(f"{RELATION}: {len(rows):,} open lines due within {risk.horizon_days} days, {trained}")
        return dg.MaterializeResult(
            metadata={
                "lines": len(rows),
                "training_lines": model.training_lines if model else 0,
                "horizon_days": risk.horizon_days,
                "seconds": round(seconds, 1),
            }
        )

    return orders_at_risk


# The dbt models the anomaly detectors read.
ANOMALY_INPUTS = ("kpi_daily", "kpi_definitions", "stg_erp__sites")
ANOMALIES_STEP = "anomalies"


def build_anomalies_asset(dbt_assets: dg.AssetsDefinition) -> dg.AssetsDefinition:
    """marts.kpi_anomalies and marts.delivery_gaps, one step: both read the built warehouse, neither the other.

    The gaps read every staging relation with a site_id, so the step waits for the whole dbt build."""

    @dg.multi_asset(
        name=ANOMALIES_STEP,  # its step has a line in progress.py
        specs=[
            dg.AssetSpec(
                ["marts", "kpi_anomalies"],
                deps=upstream_keys(dbt_assets, ANOMALY_INPUTS),
                group_name="signals",
                kinds={"python", "duckdb"},
                description="Flagged (site, ratio KPI, day): spikes and level shifts with their band (docs/kpis.md).",
            ),
            dg.AssetSpec(
                ["marts", "delivery_gaps"],
                deps=list(dbt_assets.keys),
                group_name="signals",
                kinds={"python", "duckdb"},
                description="Silent (site, entity, delivery day): rows near zero against the weekday norm.",
            ),
        ],
    )
    def anomalies(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
        started = time.monotonic()
        with warehouse.connect_work_database() as con:
            anomaly_rows, gap_rows = write_signals(con)
        seconds = round(time.monotonic() - started, 1)
        context.log.info(f"signals: {anomaly_rows} KPI anomaly days, {gap_rows} delivery gap days")
        yield dg.MaterializeResult(
            asset_key=["marts", "kpi_anomalies"],
            metadata={"kpi_anomalies": anomaly_rows, "delivery_gaps": gap_rows, "seconds": seconds},
        )
        yield dg.MaterializeResult(asset_key=["marts", "delivery_gaps"], metadata={"delivery_gaps": gap_rows})

    return anomalies


# The dbt models the alert rules read besides the signals above (orchestration/alerts.py RULES).
ALERT_INPUTS = (
    "int_warehouse_as_of",
    "kpi_definitions",
    "site_scorecard",
    "wave_gates",
    "wave_gate_sites",
    "exception_queue",
)
ALERTS_STEP = "marts__alerts"


def build_alerts_asset(
    dbt_assets: dg.AssetsDefinition, signal_assets: list[dg.AssetsDefinition]
) -> dg.AssetsDefinition:
    @dg.asset(
        key=["marts", "alerts"],  # its step, marts__alerts, has a line in progress.py
        deps=[*upstream_keys(dbt_assets, ALERT_INPUTS), *(key for assets in signal_assets for key in assets.keys)],
        group_name="signals",
        kinds={"python", "duckdb"},
        description=(
            "Alerts over the signals and scorecards (a worse KPI anomaly, a KPI red two weeks running, a wave gate at "
            "pause, an exception past twice its SLA, a delivery gap), remembered across runs: first raised, last "
            "seen, cleared, and a per-site daily budget."
        ),
    )
    def alerts(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
        settings = AlertSettings.from_env()
        started = time.monotonic()
        now = datetime.now(UTC).replace(tzinfo=None)
        with warehouse.connect_work_database() as con:
            result = write_alerts(con, now, settings.daily_budget, settings.recent_days)
        context.log.info(
            f"alerts: {result.active} active, {result.raised} raised, {result.suppressed} suppressed over the daily "
            f"budget of {settings.daily_budget} per site, {result.cleared} cleared"
        )
        return dg.MaterializeResult(
            metadata={
                "active": result.active,
                "raised": result.raised,
                "suppressed": result.suppressed,
                "cleared": result.cleared,
                "daily_budget": settings.daily_budget,
                "seconds": round(time.monotonic() - started, 1),
            }
        )

    return alerts
