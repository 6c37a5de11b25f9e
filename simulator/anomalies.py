"""Labelled truth for the signals: anomalies injected into the transactions, and the labels that say where.

`generate(..., anomalies=True)` plans, from its own random stream, per site:
- spikes (3-8 σ, 1-3 days) and level shifts (2-4 σ, 7-28 days) in pick_accuracy (picks with errors) and
  inventory_accuracy (counts off the system quantity): the error rate of the affected site-days is raised by
  `size` standard errors of that day's rate (binomial, from the day's expected volume), so a label's size is
  in σ of the daily series;
- silent data gaps: every row of picks or inventory_counts of a site missing for 1-3 delivery days.
Events start anywhere after the first five weeks (history for a baseline), so some fall inside a site's
go-live window; the labels say which. Without anomalies nothing here runs and the files are unchanged.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from simulator.columns import Frame
from simulator.world import WEEKDAY_OFFICE, WEEKDAY_VOLUME, World

# The KPIs whose transactions carry injected errors, and the entities that can fall silent.
ANOMALY_KPIS = ("pick_accuracy", "inventory_accuracy")
GAP_ENTITIES = ("picks", "inventory_counts")
GO_LIVE_WINDOW_DAYS = 28  # a typical 4-week hypercare, as in docs/kpis.md
FIRST_DAY = 35  # five weeks of history before the first event
SPACING_DAYS = 14  # clean days kept between two events of a series
GAP_SPACING_DAYS = 3  # between a gap and any other event of its site
SPIKE_SIGMA = (3.0, 8.0)
SHIFT_SIGMA = (2.0, 4.0)
SPIKE_DAYS = (1, 3)
SHIFT_DAYS = (7, 28)
GAP_DAYS = (1, 3)
DAYS_PER_EVENT = 60  # each series gets one spike per 60 days; one level shift and one gap per 120 days
LABEL_COLUMNS = (
    "anomaly_id",
    "site_id",
    "kind",
    "kpi",
    "entity",
    "start_date",
    "end_date",
    "days",
    "size_sigma",
    "in_go_live_window",
)


@dataclass(frozen=True)
class Label:
    site: int
    kind: str  # spike, level_shift, gap
    target: str  # a KPI for spikes and shifts, an entity for gaps
    start: int  # day index
    days: int
    size_sigma: float | None

    @property
    def end(self) -> int:
        return self.start + self.days - 1


@dataclass(frozen=True)
class AnomalyPlan:
    labels: tuple[Label, ...]
    extra_rate: dict[str, np.ndarray] = field(default_factory=dict)  # kpi -> (sites, days) added error rate
    silent: dict[str, np.ndarray] = field(default_factory=dict)  # entity -> (sites, days) rows dropped

    def added_error_rate(self, kpi: str, site: np.ndarray, day: np.ndarray) -> np.ndarray:
        extra = self.extra_rate[kpi]
        return extra[site, np.clip(day, 0, extra.shape[1] - 1)]

    def without_gaps(self, entity: str, frame: Frame) -> Frame:
        silent = self.silent.get(entity)
        if silent is None or not silent.any() or not len(frame):
            return frame
        site = frame.columns["site_id"].index.astype(np.intp)
        day = np.clip(frame.delivery_day.astype(np.intp), 0, silent.shape[1] - 1)
        return frame.take(np.flatnonzero(~silent[site, day]))


def expected_volume(world: World, kpi: str) -> np.ndarray:
    """(sites, days) expected rows of a KPI's denominator: picks or cycle counts."""
    parameters = world.parameters
    weekday = world.weekday(np.arange(world.days))
    if kpi == "pick_accuracy":
        per_day = parameters.orders_per_site_weekday * parameters.mean_lines_per_order * WEEKDAY_VOLUME[weekday]
    else:
        per_day = parameters.counts_per_site_weekday * WEEKDAY_OFFICE[weekday]
    return parameters.scale * world.site_size[:, None] * per_day[None, :]


def baseline_error_rate(world: World, kpi: str) -> np.ndarray:
    parameters = world.parameters
    if kpi == "pick_accuracy":
        return parameters.pick_error_rate + parameters.pick_error_surge * world.disruption
    return parameters.count_mismatch_rate + parameters.count_mismatch_surge * world.disruption


def _start_day(
    rng: np.random.Generator, world: World, days: int, taken: list[tuple[int, int]], spacing: int = SPACING_DAYS
) -> int | None:
    """A start on Monday-Wednesday (so a short event lies on working days) `spacing` days clear of `taken`."""
    last = world.days - days - 1
    candidates = [
        start
        for start in range(FIRST_DAY, last + 1)
        if world.weekday(np.array(start)) <= 2
        and all(start + days + spacing <= begin or end + spacing < start for begin, end in taken)
    ]
    return int(rng.choice(candidates)) if candidates else None


def plan_anomalies(world: World) -> AnomalyPlan:
    rng = world.rng("anomalies")
    sites, days = world.site_count, world.days
    extra = {kpi: np.zeros((sites, days)) for kpi in ANOMALY_KPIS}
    silent = {entity: np.zeros((sites, days), dtype=bool) for entity in GAP_ENTITIES}
    labels: list[Label] = []
    spikes_per_series = max(1, days // DAYS_PER_EVENT)
    others_per_series = max(1, days // (2 * DAYS_PER_EVENT))
    for site in range(sites):
        site_events: list[tuple[int, int]] = []
        for kpi in ANOMALY_KPIS:
            taken: list[tuple[int, int]] = []
            kinds = ["level_shift"] * others_per_series + ["spike"] * spikes_per_series
            for kind in kinds:
                low, high = SHIFT_DAYS if kind == "level_shift" else SPIKE_DAYS
                length = int(rng.integers(low, high + 1))
                size_low, size_high = SHIFT_SIGMA if kind == "level_shift" else SPIKE_SIGMA
                size = round(float(rng.uniform(size_low, size_high)), 2)
                start = _start_day(rng, world, length, taken)
                if start is None:
                    continue
                taken.append((start, start + length - 1))
                labels.append(Label(site, kind, kpi, start, length, size))
            site_events.extend(taken)
        # A gap never hides a KPI event of its site: the missing rows would hide the injected errors.
        taken_gaps = list(site_events)
        for _ in range(others_per_series * len(GAP_ENTITIES)):
            entity = GAP_ENTITIES[int(rng.integers(len(GAP_ENTITIES)))]
            length = int(rng.integers(GAP_DAYS[0], GAP_DAYS[1] + 1))
            start = _start_day(rng, world, length, taken_gaps, GAP_SPACING_DAYS)
            if start is None:
                continue
            taken_gaps.append((start, start + length - 1))
            labels.append(Label(site, "gap", entity, start, length, None))
    for label in labels:
        span = slice(label.start, label.end + 1)
        if label.kind == "gap":
            silent[label.target][label.site, span] = True
            continue
        rate = baseline_error_rate(world, label.target)[label.site, span]
        volume = np.maximum(expected_volume(world, label.target)[label.site, span], 1.0)
        standard_error = np.sqrt(rate * (1 - rate) / volume)
        extra[label.target][label.site, span] = np.minimum(label.size_sigma * standard_error, 0.5)
    return AnomalyPlan(tuple(labels), extra, silent)


def in_go_live_window(world: World, label: Label) -> bool:
    go_live = int(world.go_live_day[label.site])
    return label.start < go_live + GO_LIVE_WINDOW_DAYS and label.end >= go_live


def write_labels(world: World, plan: AnomalyPlan, path: Path) -> int:
    """The labels as CSV, one row per injected event, ordered by site, start and kind."""
    path.parent.mkdir(parents=True, exist_ok=True)
    site_ids = [site.site_id for site in world.network.sites]
    ordered = sorted(plan.labels, key=lambda label: (label.site, label.start, label.kind, label.target))
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(LABEL_COLUMNS)
        for number, label in enumerate(ordered, start=1):
            is_gap = label.kind == "gap"
            writer.writerow(
                [
                    f"A{number:04d}",
                    site_ids[label.site],
                    label.kind,
                    "" if is_gap else label.target,
                    label.target if is_gap else "",
                    (world.start + dt.timedelta(days=label.start)).isoformat(),
                    (world.start + dt.timedelta(days=label.end)).isoformat(),
                    label.days,
                    "" if label.size_sigma is None else f"{label.size_sigma:.2f}",
                    str(in_go_live_window(world, label)).lower(),
                ]
            )
    return len(ordered)


def default_labels_path(out_dir: Path) -> Path:
    """`<out>.labels.csv`, beside the extracts folder."""
    out_dir = Path(out_dir).resolve()
    return out_dir.with_name(f"{out_dir.name}.labels.csv")


def check_labels_path(labels: Path, out_dir: Path) -> None:
    """Labels inside the extracts folder would be delivered to the warehouse as if they were data."""
    labels, out_dir = Path(labels).resolve(), Path(out_dir).resolve()
    if labels == out_dir or out_dir in labels.parents:
        raise ValueError(f"the labels file {labels} must lie outside the extracts folder {out_dir}")
