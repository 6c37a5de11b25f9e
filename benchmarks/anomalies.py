"""Score the signals against labelled truth (issue #16's targets): KPI anomalies and silent delivery gaps.

    .venv/bin/python benchmarks/anomalies.py --sites 6 --days 120 --seeds 1 2 3 [--challenger] [--cost-days 365]

For each seed: `observatory generate --anomalies` into a temporary folder (labels beside it), `observatory run` into
a fresh warehouse, then every published marts.kpi_anomalies and marts.delivery_gaps row is matched with the
labels. With --challenger, ruptures' PELT is run on the same kpi_daily series, online (each day sees only the days
up to it), and scored the same way. With --cost-days, the signals step's time is compared with a full run at
SITES × COST_DAYS (no anomalies). Writes benchmarks/results/<date>-anomalies.md (or --out). Never asserts.

Scoring (also in the results file):
- a label is found when a flagged day of its site and KPI (entity, for gaps) lies in [start, end]; its delay is
  the first such day minus start;
- flagged days of a series form events (consecutive days, a one-day hole allowed); an event is true when it
  overlaps a label's [start, end + 7 days] (the return to normal after a shift is part of it);
- false alarms per series per 30 days: false events starting on clean days (no label within 7 days, outside the
  go-live window) over the clean days of every judged series.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import itertools
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np

PROJECT_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_ROOT))

from orchestration.anomaly_signals import find_delivery_gaps, find_kpi_anomalies, read_kpi_series  # noqa: E402
from orchestration.detectors import GO_LIVE_WINDOW_DAYS, MIN_VOLUME  # noqa: E402
from simulator import generate  # noqa: E402

OBSERVATORY = str(Path(sys.executable).with_name("observatory"))
TAIL_DAYS = 7
CHALLENGER_WINDOW = 56  # days of history each online PELT run sees
SIZE_BUCKETS = {"spike": (3.0, 4.5, 6.0, 8.01), "level_shift": (2.0, 3.0, 4.01)}


@dataclass(frozen=True)
class Label:
    site_id: str
    kind: str
    target: str
    start: dt.date
    end: dt.date
    size: float | None
    in_go_live_window: bool


@dataclass(frozen=True)
class Flag:
    """A flagged day of a series (target: a KPI or an entity)."""

    site_id: str
    target: str
    day: dt.date
    kind: str
    in_go_live_window: bool
    start: dt.date | None = None  # a level shift's anomaly_start_date


@dataclass
class Score:
    found: dict[str, list[tuple[Label, int | None, str | None]]] = field(default_factory=lambda: defaultdict(list))
    events: list[tuple[bool, bool]] = field(default_factory=list)  # (true, in go-live window)
    false_on_clean: int = 0
    clean_days: int = 0
    start_errors: list[int] = field(default_factory=list)  # found level shifts: anomaly_start_date - start


def read_labels(path: Path) -> list[Label]:
    with path.open(encoding="utf-8") as handle:
        return [
            Label(
                row["site_id"],
                row["kind"],
                row["kpi"] or row["entity"],
                dt.date.fromisoformat(row["start_date"]),
                dt.date.fromisoformat(row["end_date"]),
                float(row["size_sigma"]) if row["size_sigma"] else None,
                row["in_go_live_window"] == "true",
            )
            for row in csv.DictReader(handle)
        ]


def events_of(flags: list[Flag]) -> list[list[Flag]]:
    by_series: dict[tuple[str, str], list[Flag]] = defaultdict(list)
    for flag in sorted(flags, key=lambda flag: (flag.site_id, flag.target, flag.day)):
        by_series[(flag.site_id, flag.target)].append(flag)
    events = []
    for days in by_series.values():
        current = [days[0]]
        for flag in days[1:]:
            if (flag.day - current[-1].day).days <= 2:
                current.append(flag)
            else:
                events.append(current)
                current = [flag]
        events.append(current)
    return events


def score(
    labels: list[Label], flags: list[Flag], series_days: dict[tuple[str, str], list[tuple[dt.date, bool]]]
) -> Score:
    """series_days: per judged series, its days and whether each is in the go-live window."""
    result = Score()
    flagged: dict[tuple[str, str], dict[dt.date, Flag]] = defaultdict(dict)
    for flag in flags:
        flagged[(flag.site_id, flag.target)][flag.day] = flag
    for label in labels:
        days = flagged.get((label.site_id, label.target), {})
        hits = sorted(day for day in days if label.start <= day <= label.end)
        delay = (hits[0] - label.start).days if hits else None
        result.found[label.kind].append((label, delay, days[hits[0]].kind if hits else None))
        shift_flags = [days[day] for day in hits if days[day].start is not None and days[day].kind == "level_shift"]
        if label.kind == "level_shift" and shift_flags:
            result.start_errors.append((shift_flags[0].start - label.start).days)
    spans: dict[tuple[str, str], list[tuple[dt.date, dt.date]]] = defaultdict(list)
    for label in labels:
        spans[(label.site_id, label.target)].append((label.start, label.end + dt.timedelta(days=TAIL_DAYS)))
    for event in events_of(flags):
        first, last = event[0].day, event[-1].day
        key = (event[0].site_id, event[0].target)
        true = any(start <= last and first <= end for start, end in spans.get(key, []))
        result.events.append((true, event[0].in_go_live_window))
        if not true and not event[0].in_go_live_window:
            result.false_on_clean += 1
    for key, days in series_days.items():
        for day, in_window in days:
            near = any(start - dt.timedelta(days=TAIL_DAYS) <= day <= end for start, end in spans.get(key, []))
            result.clean_days += not in_window and not near
    return result


def merge(scores: list[Score]) -> Score:
    merged = Score()
    for one in scores:
        for kind, found in one.found.items():
            merged.found[kind].extend(found)
        merged.events.extend(one.events)
        merged.false_on_clean += one.false_on_clean
        merged.clean_days += one.clean_days
        merged.start_errors.extend(one.start_errors)
    return merged


def judged_series_days(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], list[tuple[dt.date, bool]]]:
    """Days each ratio KPI series is judged on (volume at least the minimum), with the go-live window flag."""
    found = {}
    for series in read_kpi_series(con):
        days = []
        for index, volume in enumerate(series.denominator):
            day = series.date(index)
            if volume < MIN_VOLUME or (series.last_complete_date is not None and day > series.last_complete_date):
                continue
            go_live = series.go_live_date
            in_window = go_live is not None and 0 <= (day - go_live).days < GO_LIVE_WINDOW_DAYS
            days.append((day, in_window))
        found[(series.site_id, series.kpi)] = days
    return found


def gap_series_days(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], list[tuple[dt.date, bool]]]:
    rows = con.execute(
        """
        select site_id, 'picks', kpi_date from marts.kpi_daily where kpi = 'pick_accuracy'
        union all
        select site_id, 'inventory_counts', kpi_date from marts.kpi_daily where kpi = 'inventory_accuracy'
        """
    ).fetchall()
    found: dict[tuple[str, str], list[tuple[dt.date, bool]]] = defaultdict(list)
    for site_id, entity, day in rows:
        found[(site_id, entity)].append((day, False))
    return found


# --- the challenger: ruptures' PELT, online --------------------------------------------------------------


def ruptures_flags(con: duckdb.DuckDBPyConnection, penalty: float, recent_days: int = 3) -> list[Flag]:
    """Each day d (from day 35) runs PELT (l2) on the series' volume-standardised values of the 56 days up to d; a
    change point in the last `recent_days` days flags day d. Standardisation: (value - median of the earlier days)
    × √volume / (1.4826 × MAD), so the penalty is in units of variance."""
    import ruptures

    flags = []
    for series in read_kpi_series(con):
        denominator = series.denominator
        valid = np.flatnonzero(denominator >= MIN_VOLUME)
        if len(valid) < 40:
            continue
        value = series.numerator[valid] / denominator[valid]
        weight = np.sqrt(denominator[valid])
        go_live = series.go_live_date
        for position in range(35, len(valid)):
            first = max(position - CHALLENGER_WINDOW, 0)
            history = value[first:position]
            centre = np.median(history)
            residual = (history - centre) * weight[first:position]
            spread = max(1.4826 * np.median(np.abs(residual - np.median(residual))), 1e-9)
            signal = ((value[first : position + 1] - centre) * weight[first : position + 1] / spread).reshape(-1, 1)
            points = [
                first + point
                for point in ruptures.Pelt(model="l2", min_size=1, jump=1).fit(signal).predict(pen=penalty)
            ]
            if any(position + 1 - recent_days <= point <= position for point in points[:-1]):
                day = series.date(int(valid[position]))
                in_window = go_live is not None and 0 <= (day - go_live).days < GO_LIVE_WINDOW_DAYS
                flags.append(Flag(series.site_id, series.kpi, day, "change_point", in_window))
    return flags


# --- running and reporting ---------------------------------------------------------------------------------


def run_pipeline(extracts: Path, warehouse: Path) -> float:
    began = time.perf_counter()
    result = subprocess.run(
        [OBSERVATORY, "run", "--extracts", str(extracts), "--warehouse", str(warehouse)],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"observatory run failed:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")
    return time.perf_counter() - began


def published_flags(con: duckdb.DuckDBPyConnection) -> tuple[list[Flag], list[Flag]]:
    kpi_flags = [
        Flag(site_id, kpi, day, kind, in_window, start if kind == "level_shift" else None)
        for site_id, kpi, day, kind, in_window, start in con.execute(
            "select site_id, kpi, kpi_date, kind, in_go_live_window, anomaly_start_date from marts.kpi_anomalies"
        ).fetchall()
    ]
    gap_flags = [
        Flag(site_id, entity, day, "gap", False)
        for site_id, entity, day in con.execute("select site_id, entity, gap_date from marts.delivery_gaps").fetchall()
    ]
    return sorted(kpi_flags, key=_flag_order), sorted(gap_flags, key=_flag_order)


def current_flags(con: duckdb.DuckDBPyConnection) -> tuple[list[Flag], list[Flag]]:
    """The detectors' flags on a published warehouse's marts: what the signals step writes (same functions)."""
    kpi_flags = [
        Flag(
            anomaly.site_id,
            anomaly.kpi,
            anomaly.kpi_date,
            anomaly.kind,
            anomaly.in_go_live_window,
            anomaly.anomaly_start_date if anomaly.kind == "level_shift" else None,
        )
        for anomaly in find_kpi_anomalies(con)
    ]
    gap_flags = [Flag(gap.site_id, gap.entity, gap.gap_date, "gap", False) for gap in find_delivery_gaps(con)]
    return sorted(kpi_flags, key=_flag_order), sorted(gap_flags, key=_flag_order)


def _flag_order(flag: Flag) -> tuple:
    return (flag.site_id, flag.target, flag.day)


def signals_seconds(warehouse: Path) -> float:
    """The signals step's detection (reads and detectors; the two small writes are left out)."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        began = time.perf_counter()
        find_kpi_anomalies(con)
        find_delivery_gaps(con)
        return time.perf_counter() - began


def recall_line(name: str, found: list[tuple[Label, int | None, str | None]]) -> str:
    if not found:
        return f"| {name} | 0 labels | — | — | — |"
    hits = [delay for _, delay, _ in found if delay is not None]
    delays = sorted(hits)
    median = statistics.median(delays) if delays else None
    p90 = float(np.percentile(delays, 90)) if delays else None
    kinds = [(label.kind, kind) for label, delay, kind in found if delay is not None]
    right_kind = sum(1 for expected, got in kinds if expected == got or expected == "gap")
    return (
        f"| {name} | {len(hits)} / {len(found)} = {len(hits) / len(found):.2f} | "
        f"{'—' if median is None else f'{median:.1f}'} | {'—' if p90 is None else f'{p90:.1f}'} | "
        f"{right_kind} / {len(hits)} |"
    )


def table(title: str, merged: Score, series_count: int) -> list[str]:
    lines = [
        f"### {title}",
        "",
        "| labels | recall | delay median (d) | delay p90 (d) | kind right |",
        "|---|---|---|---|---|",
    ]
    for kind in ("spike", "level_shift"):
        found = merged.found.get(kind, [])
        if not found:
            continue
        lines.append(recall_line(f"{kind} (all)", found))
        bounds = SIZE_BUCKETS[kind]
        for low, high in itertools.pairwise(bounds):
            bucket = [item for item in found if low <= (item[0].size or 0) < high]
            lines.append(recall_line(f"{kind} {low:g}–{min(high, 8):g} σ", bucket))
        lines.append(recall_line(f"{kind} outside go-live windows", [i for i in found if not i[0].in_go_live_window]))
        lines.append(recall_line(f"{kind} inside go-live windows", [i for i in found if i[0].in_go_live_window]))
    if "gap" in merged.found:
        lines.append(recall_line("gap", merged.found["gap"]))
    true_events = sum(1 for true, _ in merged.events if true)
    outside = [true for true, in_window in merged.events if not in_window]
    if merged.start_errors:
        errors = [abs(error) for error in merged.start_errors]
        lines += [
            "",
            f"- level shifts found as level shifts: their `anomaly_start_date` is within 1 day of the true start for "
            f"{sum(error <= 1 for error in errors)} of {len(errors)}, within 2 days for "
            f"{sum(error <= 2 for error in errors)}; median error {statistics.median(errors):.1f} d",
        ]
    lines += [
        "",
        f"- events raised: {len(merged.events)}; true {true_events} → precision "
        f"{true_events / max(len(merged.events), 1):.2f}; outside go-live windows {sum(outside)} / {len(outside)} "
        f"→ precision {sum(outside) / max(len(outside), 1):.2f}",
        f"- false alarms on clean days (outside go-live windows): {merged.false_on_clean} in {merged.clean_days:,} "
        f"clean series-days of {series_count} series → "
        f"{30 * merged.false_on_clean / max(merged.clean_days, 1):.3f} per series per 30 days",
        "",
    ]
    return lines


def remember(workdir: Path, key: str, seconds: float) -> None:
    """Run times kept beside the warehouses, so --reuse can report them again."""
    path = workdir / "run_seconds.json"
    times = json.loads(path.read_text()) if path.exists() else {}
    path.write_text(json.dumps({**times, key: seconds}))


def recalled(workdir: Path, key: str) -> float | None:
    path = workdir / "run_seconds.json"
    return json.loads(path.read_text()).get(key) if path.exists() else None


def _recall(found: list[tuple[Label, int | None, str | None]]) -> float:
    return sum(1 for _, delay, _ in found if delay is not None) / max(len(found), 1)


def _delays(found: list[tuple[Label, int | None, str | None]]) -> list[int]:
    return sorted(delay for _, delay, _ in found if delay is not None) or [99]


def _precision(events: list[tuple[bool, bool]]) -> float:
    return sum(1 for true, _ in events if true) / max(len(events), 1)


def targets(kpi: Score, gaps: Score, cost: float | None) -> list[str]:
    """Issue #16's targets against the shipped detectors' figures, met or missed."""
    shifts = kpi.found.get("level_shift", [])
    spikes = [item for item in kpi.found.get("spike", []) if (item[0].size or 0) >= 4.5]
    gap_found = gaps.found.get("gap", [])
    outside_shifts = [item for item in shifts if not item[0].in_go_live_window]
    outside_spikes = [item for item in spikes if not item[0].in_go_live_window]
    outside_events = [event for event in kpi.events if not event[1]]
    shift_median = float(statistics.median(_delays(shifts)))
    shift_p90 = float(np.percentile(_delays(shifts), 90))
    gap_delay = max(_delays(gap_found))
    false_rate = 30 * kpi.false_on_clean / max(kpi.clean_days, 1)
    outside = "outside go-live windows"
    rows = [
        (
            "level shifts ≥ 2σ, ≥ 7 d: recall",
            f"{_recall(shifts):.2f} ({_recall(outside_shifts):.2f} {outside})",
            "≥ 0.95",
            _recall(shifts) >= 0.95,
        ),
        ("level shifts: delay median", f"{shift_median:.1f} d", "≤ 2 d", shift_median <= 2),
        ("level shifts: delay p90", f"{shift_p90:.1f} d", "≤ 5 d", shift_p90 <= 5),
        (
            "spikes ≥ 4.5σ: recall",
            f"{_recall(spikes):.2f} ({_recall(outside_spikes):.2f} {outside})",
            "≥ 0.7",
            _recall(spikes) >= 0.7,
        ),
        ("silent data gaps: recall", f"{_recall(gap_found):.2f}", "1.0", _recall(gap_found) == 1.0),
        ("silent data gaps: delay (max)", f"{gap_delay} d", "≤ 1 d", gap_delay <= 1),
        (
            "event precision, KPI anomalies",
            f"{_precision(kpi.events):.2f} ({_precision(outside_events):.2f} {outside})",
            "≥ 0.8",
            _precision(kpi.events) >= 0.8,
        ),
        ("event precision, gaps", f"{_precision(gaps.events):.2f}", "≥ 0.8", _precision(gaps.events) >= 0.8),
        (f"false alarms per series per 30 days, {outside}", f"{false_rate:.3f}", "≤ 0.2", false_rate <= 0.2),
    ]
    if cost is not None:
        rows.append(("signals step's cost, share of the full run", f"{cost:.1f} %", "≤ 15 %", cost <= 15))
    lines = ["## Targets (issue #16)", "", "| target | result | goal | met |", "|---|---|---|---|"]
    lines += [f"| {name} | {result} | {goal} | {'met' if met else 'missed'} |" for name, result, goal, met in rows]
    return [*lines, ""]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=6)
    parser.add_argument("--days", type=int, default=120)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--challenger", action="store_true", help="also score ruptures' PELT (pip: ruptures)")
    parser.add_argument("--penalty", type=float, default=15.0, help="PELT penalty (variance units)")
    parser.add_argument("--cost-days", type=int, help="also time a full run at SITES × COST_DAYS against signals")
    parser.add_argument("--workdir", type=Path, help="keep the generated data and warehouses here")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="with --workdir: score a seed's existing warehouse again (detectors rerun on its marts) instead of "
        "generating and running it",
    )
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="observatory-anomalies-"))
    kpi_scores, gap_scores, challenger_scores, notes = [], [], [], []
    series_count = 0
    for seed in args.seeds:
        extracts = workdir / f"seed{seed}"
        labels_path = workdir / f"seed{seed}.labels.csv"
        warehouse = workdir / f"seed{seed}.duckdb"
        if args.reuse and warehouse.exists() and labels_path.exists():
            seconds = None
        else:
            generate(extracts, sites=args.sites, days=args.days, seed=seed, anomalies=True, labels_path=labels_path)
            seconds = run_pipeline(extracts, warehouse)
            remember(workdir, f"seed{seed}", seconds)
        labels = read_labels(labels_path)
        with duckdb.connect(str(warehouse), read_only=True) as con:
            kpi_flags, gap_flags = current_flags(con)
            if seconds is not None and (kpi_flags, gap_flags) != published_flags(con):
                raise RuntimeError("the published signals differ from the detectors' output on the same warehouse")
            judged = judged_series_days(con)
            series_count += len(judged)
            kpi_scores.append(score([label for label in labels if label.kind != "gap"], kpi_flags, judged))
            gap_scores.append(
                score([label for label in labels if label.kind == "gap"], gap_flags, gap_series_days(con))
            )
            if args.challenger:
                began = time.perf_counter()
                flags = ruptures_flags(con, args.penalty)
                challenger_seconds = time.perf_counter() - began
                challenger_scores.append(score([label for label in labels if label.kind != "gap"], flags, judged))
                notes.append(f"seed {seed}: ruptures PELT (online) took {challenger_seconds:.1f} s")
        run_note = "reused warehouse" if seconds is None else f"run {seconds:.1f} s"
        notes.append(
            f"seed {seed}: {len(labels)} labels; {run_note}; signals step {signals_seconds(warehouse):.2f} s; "
            f"{len(kpi_flags)} anomaly rows, {len(gap_flags)} gap rows"
        )
        print(notes[-1], flush=True)
    lines = [
        f"# Anomaly benchmark {dt.date.today().isoformat()}",
        "",
        f"`python benchmarks/anomalies.py --sites {args.sites} --days {args.days} --seeds "
        f"{' '.join(map(str, args.seeds))}{' --challenger' if args.challenger else ''}"
        f"{f' --cost-days {args.cost_days}' if args.cost_days else ''}` (default volumes).",
        "",
        *table("Shipped detector: robust baseline + CUSUM (marts.kpi_anomalies)", merge(kpi_scores), series_count),
        *table("Silent data gaps (marts.delivery_gaps)", merge(gap_scores), 0),
    ]
    if challenger_scores:
        lines += table(
            f"Challenger: ruptures PELT l2, online, penalty {args.penalty:g}", merge(challenger_scores), series_count
        )
    cost = None
    if args.cost_days:
        extracts = workdir / "cost"
        warehouse = workdir / "cost.duckdb"
        full = recalled(workdir, "cost") if args.reuse and warehouse.exists() else None
        if full is None:
            generate(extracts, sites=args.sites, days=args.cost_days, seed=args.seeds[0])
            full = run_pipeline(extracts, warehouse)
            remember(workdir, "cost", full)
        step = signals_seconds(warehouse)
        cost = 100 * step / full
        notes.append(
            f"cost at {args.sites} × {args.cost_days} (seed {args.seeds[0]}, no anomalies): full run {full:.1f} s "
            f"(signals included), signals step {step:.2f} s = {cost:.1f} % of the run"
        )
    lines[4:4] = targets(merge(kpi_scores), merge(gap_scores), cost)
    lines += ["### Runs", "", *[f"- {note}" for note in notes], ""]
    out = args.out or PROJECT_ROOT / "benchmarks" / "results" / f"{dt.date.today().isoformat()}-anomalies.md"
    out.write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
