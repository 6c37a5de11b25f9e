"""What `observatory run` shows while the job runs: one line per stage, not Dagster's and dbt's event stream.

The job's events reach Python's logging through the Dagster logger ``observatory`` (logger ``observatory.run``);
``StageReport`` turns them into the stage lines (load, build, signals, publish) and, on a terminal, a progress line
that the next stage line replaces. The full stream goes to the run's log file.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import TextIO

import dagster as dg

RUN_LOGGER = "observatory.run"
# The dbt step logs its one-line summary with this prefix (transform.py); the build line is that summary.
BUILD_SUMMARY_PREFIX = "dbt build: "
INGEST_STEP = "loader_log"
DBT_STEP = "observatory_dbt_assets"
PUBLISH_STEP = "published_warehouse"
SIGNALS_STEP = "marts__orders_at_risk"
ANOMALIES_STEP = "anomalies"  # marts.kpi_anomalies and marts.delivery_gaps (orchestration/signals.py)
ALERTS_STEP = "marts__alerts"  # marts.alerts (orchestration/signals.py, orchestration/alerts.py)


@dg.logger(description="Forwards the run's events to Python's logging (observatory.run): the command's summary.")
def run_event_logger(_init_context: dg.InitLoggerContext) -> logging.Logger:
    logger = logging.getLogger(RUN_LOGGER)
    logger.setLevel(logging.DEBUG)
    return logger


@dataclass
class EntityRows:
    files: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0


def _metadata_value(metadata: dict, name: str) -> int:
    value = metadata.get(name)
    return int(getattr(value, "value", value) or 0)


def _table(entities: dict[str, EntityRows], per_line: int = 2) -> list[str]:
    """Files and new rows per delivered entity, a few entities to a line."""
    heading = f"{'entity':<22}{'files':>6}{'new rows':>11}{'rejected':>10}"
    cells = [
        f"{name:<22}{rows.files:>6,}{rows.rows_loaded:>11,}{rows.rows_rejected:>10,}"
        for name, rows in sorted(entities.items())
        if rows.files
    ]
    lines = [cells[index : index + per_line] for index in range(0, len(cells), per_line)]
    return ["         " + "   ".join(line) for line in [[heading] * min(per_line, len(cells)), *lines]]


@dataclass(eq=False)  # a handler is hashed by identity
class StageReport(logging.Handler):
    """A logging handler on ``observatory.run`` that writes the stage lines to ``out``."""

    out: TextIO
    live: bool = False  # a terminal: show a progress line that the next line replaces
    entities: dict[str, EntityRows] = field(default_factory=dict)
    build_nodes: int = 0
    stage_started: float = field(default_factory=time.monotonic)

    def __post_init__(self) -> None:
        logging.Handler.__init__(self, logging.DEBUG)

    def line(self, text: str) -> None:
        self.out.write(("\r\033[K" if self.live else "") + text + "\n")
        self.out.flush()

    def progress(self, text: str) -> None:
        if self.live:
            self.out.write("\r\033[K" + text)
            self.out.flush()

    def emit(self, record: logging.LogRecord) -> None:
        meta = getattr(record, "dagster_meta", None) or {}
        event = meta.get("dagster_event")
        step = meta.get("step_key")
        if event is None:
            message = meta.get("orig_message") or ""
            if step == DBT_STEP and message.startswith(BUILD_SUMMARY_PREFIX):
                self.line("build    " + message.removeprefix(BUILD_SUMMARY_PREFIX))
            return
        kind = event.event_type_value
        if kind == "ASSET_MATERIALIZATION" and step != DBT_STEP:
            materialization = event.event_specific_data.materialization
            path = materialization.asset_key.path
            if path[0] == "raw" and not path[-1].startswith("_"):
                metadata = materialization.metadata
                self.entities[path[-1]] = EntityRows(
                    _metadata_value(metadata, "files"),
                    _metadata_value(metadata, "rows_loaded"),
                    _metadata_value(metadata, "rows_rejected"),
                )
                self.progress(f"load     … {path[-1]}")
            elif step == SIGNALS_STEP:
                metadata = materialization.metadata
                training_lines = _metadata_value(metadata, "training_lines")
                model = (
                    f"model trained on {training_lines:,} past lines"
                    if training_lines
                    else "too little history to train the model"
                )
                self.line(
                    f"signals  {_metadata_value(metadata, 'lines'):,} open order lines due within "
                    f"{_metadata_value(metadata, 'horizon_days')} days scored for risk, {model} "
                    f"({time.monotonic() - self.stage_started:.0f}s)"
                )
            elif path == ["marts", "kpi_anomalies"]:
                metadata = materialization.metadata
                self.line(
                    f"signals  {_metadata_value(metadata, 'kpi_anomalies'):,} KPI anomaly days, "
                    f"{_metadata_value(metadata, 'delivery_gaps'):,} delivery gap days "
                    f"({time.monotonic() - self.stage_started:.0f}s)"
                )
            elif step == ALERTS_STEP:
                metadata = materialization.metadata
                self.line(
                    f"signals  {_metadata_value(metadata, 'active'):,} alerts active: "
                    f"{_metadata_value(metadata, 'raised'):,} new, "
                    f"{_metadata_value(metadata, 'suppressed'):,} over the daily budget of "
                    f"{_metadata_value(metadata, 'daily_budget')} per site, "
                    f"{_metadata_value(metadata, 'cleared'):,} cleared ({time.monotonic() - self.stage_started:.0f}s)"
                )
            elif path == [PUBLISH_STEP]:
                metadata = materialization.metadata
                self.line(
                    f"publish  {_metadata_value(metadata, 'relations')} relations, "
                    f"{_metadata_value(metadata, 'bytes') / 1e6:.1f} MB ({time.monotonic() - self.stage_started:.0f}s)"
                )
        elif kind in {"ASSET_MATERIALIZATION", "ASSET_CHECK_EVALUATION"} and step == DBT_STEP:
            self.build_nodes += 1
            self.progress(f"build    … {self.build_nodes} models and tests done")
        elif kind == "STEP_START" and step in {DBT_STEP, SIGNALS_STEP, ANOMALIES_STEP, ALERTS_STEP, PUBLISH_STEP}:
            self.stage_started = time.monotonic()
            self.progress(
                "build    … starting dbt"
                if step == DBT_STEP
                else "publish  …"
                if step == PUBLISH_STEP
                else "signals  …"
            )
        elif kind == "STEP_SUCCESS" and step == INGEST_STEP:
            rows = self.entities.values()
            self.line(
                f"load     {sum(entity.files for entity in rows):,} files, "
                f"{sum(entity.rows_loaded for entity in rows):,} new rows, "
                f"{sum(entity.rows_rejected for entity in rows):,} rejected "
                f"({time.monotonic() - self.stage_started:.0f}s)"
            )
            for text in _table(self.entities):
                self.line(text)
