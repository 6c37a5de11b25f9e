"""The alert sensor: posts each new, unsuppressed, active alert of the published warehouse once to the webhook
OBSERVATORY_ALERT_WEBHOOK (Slack-compatible JSON ``{"text": ...}``); nothing is sent while it is unset.

What was posted is recorded per alert key in its own DuckDB file in the build folder
(Settings.alert_deliveries_database), right after the receiver accepted it, so a new tick, a restarted daemon or
another process never posts it again. An alert is recorded only once accepted: a post that fails all its attempts
is tried again at the next tick, and the first such alert ends the tick. (A crash between the receiver's answer
and the record could post one alert twice; nothing is ever recorded as posted without having been accepted.)
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import duckdb

from orchestration.settings import AlertSettings, Settings

SEVERITY_ORDER = "case severity when 'critical' then 4 when 'high' then 3 when 'medium' then 2 else 1 end"


@dataclass(frozen=True)
class Alert:
    alert_key: str
    site_id: str
    rule: str
    severity: str
    message: str
    first_raised_at: datetime

    @property
    def text(self) -> str:
        """The Slack message: severity, site and what happened."""
        return f"[{self.severity}] {self.site_id}: {self.message} ({self.rule.replace('_', ' ')})"


def _connect_deliveries(path: Path) -> duckdb.DuckDBPyConnection:
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path))
    con.execute("create table if not exists delivered (alert_key varchar primary key, delivered_at timestamp)")
    return con


def delivered_keys(deliveries: Path) -> set[str]:
    if not deliveries.exists():
        return set()
    with _connect_deliveries(deliveries) as con:
        return {key for (key,) in con.execute("select alert_key from delivered").fetchall()}


def pending_alerts(warehouse: Path, deliveries: Path) -> list[Alert]:
    """Active, unsuppressed alerts of the published warehouse not posted yet, oldest first, most severe first."""
    if not warehouse.exists():
        return []
    with duckdb.connect(str(warehouse), read_only=True) as con:
        has_alerts = con.execute(
            "select count(*) from duckdb_tables() where schema_name = 'marts' and table_name = 'alerts'"
        ).fetchone()[0]
        if not has_alerts:
            return []
        rows = con.execute(
            "select alert_key, site_id, rule, severity, message, first_raised_at from marts.alerts "
            f"where is_active and not is_suppressed order by first_raised_at, {SEVERITY_ORDER} desc, alert_key"
        ).fetchall()
    posted = delivered_keys(deliveries)
    return [Alert(*row) for row in rows if row[0] not in posted]


def post(url: str, text: str, attempts: int, backoff_seconds: float, timeout_seconds: float = 10.0) -> str | None:
    """POST {"text": text} as JSON; None once a 2xx answer comes, else the last attempt's error."""
    body = json.dumps({"text": text}).encode()
    error = "no attempt made"
    for attempt in range(attempts):
        if attempt:
            time.sleep(backoff_seconds * 2 ** (attempt - 1))
        request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"}, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=timeout_seconds) as response:
                if 200 <= response.status < 300:
                    return None
                error = f"HTTP {response.status}"
        except urllib.error.HTTPError as failure:
            error = f"HTTP {failure.code}"
        except (urllib.error.URLError, TimeoutError, ConnectionError) as failure:
            error = str(getattr(failure, "reason", failure))
    return error


@dataclass(frozen=True)
class Delivery:
    posted: int
    left: int  # pending alerts not posted this tick
    error: str | None = None  # why the tick stopped: the alert refused on every attempt, and the answer


def deliver_alerts(warehouse: Path, deliveries: Path, settings: AlertSettings) -> Delivery:
    """Post the pending alerts to the webhook in order, recording each as soon as it is accepted.

    The first alert refused on every attempt ends the tick (the receiver is likely down: trying the rest would only
    hold the sensor up); it and those after it wait for the next tick, in the same order."""
    if not settings.webhook_url:
        return Delivery(0, 0)
    pending = pending_alerts(warehouse, deliveries)
    for posted, alert in enumerate(pending):
        error = post(settings.webhook_url, alert.text, settings.attempts, settings.backoff_seconds)
        if error:
            return Delivery(posted, len(pending) - posted, f"{alert.alert_key}: {error}")
        with _connect_deliveries(deliveries) as con:
            con.execute(
                "insert or ignore into delivered values ($key, $now)",
                {"key": alert.alert_key, "now": datetime.now(UTC).replace(tzinfo=None)},
            )
    return Delivery(len(pending), 0)


def build_alert_sensor(paths: Settings) -> dg.SensorDefinition:
    """The sensor for the warehouse of `paths`. It takes no WarehouseResource: that holds the run lock, and a tick
    must not wait for a run (it reads the published file, which a run replaces atomically)."""

    @dg.sensor(
        name="alert_webhook_sensor",
        minimum_interval_seconds=60,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description="Posts each new, unsuppressed alert of marts.alerts once to OBSERVATORY_ALERT_WEBHOOK.",
    )
    def alert_webhook_sensor(context: dg.SensorEvaluationContext) -> Iterator:
        settings = AlertSettings.from_env()
        if not settings.webhook_url:
            yield dg.SkipReason("OBSERVATORY_ALERT_WEBHOOK is not set: no alert is sent")
            return
        delivery = deliver_alerts(paths.warehouse_path, paths.alert_deliveries_database, settings)
        if delivery.error:
            context.log.warning(
                f"alert not delivered after {settings.attempts} attempts, tried again next tick: {delivery.error}"
            )
        yield dg.SkipReason(
            f"{delivery.posted} alert(s) posted, {delivery.left} left for the next tick"
            if delivery.posted or delivery.left
            else "no new alert"
        )

    return alert_webhook_sensor
