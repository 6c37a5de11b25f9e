"""Benchmark the pipeline against issue #14's targets: the floor, full and one-day delta runs, the sample run, memory.

The real measurement (on a quiet machine; an hour or more, most of it the 24 × 365 scale point):

    .venv/bin/python benchmarks/run.py --sites 6 --days 365 --history-days 180 --scale-sites 24

One invocation measures, in this order, each `observatory run` into a fresh warehouse path (or one that only gains
a day, so the publish guard never refuses):

- the bundled sample run twice, into two fresh paths: the first as dbt's partial parse is found, the second once it
  is prepared (the fixed cost of any run; target ≤ 20 s);
- at SITES × DAYS: the generator, the floor (DuckDB alone reads every extract once), the full run of all days but
  the last (target ≤ 3× the floor) and the one-day delta that adds the last day, with dbt's split; the page
  queries' p95 on the published warehouse (target ≤ 100 ms each) and, with --render, each page in Chromium;
- at SITES × HISTORY_DAYS (same seed): the full run and the one-day delta, to show the delta is flat in the history
  (target: delta at DAYS ≤ 1.25× delta at HISTORY_DAYS); and the delta at DAYS ≤ 1.5× the (second) sample run;
- with --scale-sites: the scale point at SCALE_SITES × SCALE_DAYS, floor and full run (target ≤ 2.5× its floor and
  peak memory ≤ 4 GiB, the memory limit).

Peak memory is the largest process of each run's process tree (from wait4). Prints every figure and writes them,
each with its target and met/missed, to benchmarks/results/<date>.md (or --out). Never asserts: it reports.
A quick check that the script works: `--sites 2 --days 30 --history-days 15 --scale-sites 3 --scale-days 20
--out /tmp/bench.md`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

PROJECT_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_ROOT))

from orchestration.contract import load_contract  # noqa: E402
from orchestration.settings import DBT_PROJECT_DIR, SAMPLE_EXTRACTS_DIR, Settings  # noqa: E402
from simulator import generate  # noqa: E402

OBSERVATORY = str(Path(sys.executable).with_name("observatory"))
MEMORY_TARGET_MIB = 4 * 1024
PAGE_QUERY_TARGET_MS = 100.0
SAMPLE_RUN_TARGET_SECONDS = 20.0


class RunFailed(Exception):
    """`observatory run` exited non-zero; the message holds the end of its output."""

    @property
    def summary(self) -> str:
        """Which run failed and its last line (the one error line the command prints)."""
        lines = str(self).strip().splitlines()
        return f"{lines[0]} {lines[-1]}"


@dataclass(frozen=True)
class Measure:
    """One line of the results: what was measured, the figure, the target and whether it was met (None: no target)."""

    name: str
    result: str
    target: str = "—"
    met: bool | None = None

    @property
    def verdict(self) -> str:
        return "—" if self.met is None else "met" if self.met else "missed"


@dataclass
class Report:
    """The measures in the order they were taken, printed as they come."""

    measures: list[Measure] = field(default_factory=list)

    def add(self, name: str, result: str, target: str = "—", met: bool | None = None) -> None:
        measure = Measure(name, result, target, met)
        self.measures.append(measure)
        print(f"{name}: {result}" + (f"  [target {target}: {measure.verdict}]" if met is not None else ""), flush=True)


@dataclass(frozen=True)
class RunTiming:
    seconds: float
    peak_mib: int
    stages: str = ""

    @property
    def described(self) -> str:
        return f"{self.seconds:.1f} s" + (f" ({self.stages})" if self.stages else "")


def stage_times(summary: str, seconds: float) -> str:
    """The stage lines `observatory run` prints ("load ... (11s)") as "load 11 s, build 26 s, publish 2 s, other 9 s";
    other is the rest of the wall time: starting Python and Dagster, checks, the summary."""
    stages = re.findall(r"^(load|build|publish)\b.*\((\d+)s\)$", summary, flags=re.MULTILINE)
    if not stages:
        return ""
    other = seconds - sum(int(stage_seconds) for _, stage_seconds in stages)
    return ", ".join([*(f"{stage} {stage_seconds} s" for stage, stage_seconds in stages), f"other {other:.0f} s"])


def floor_seconds(extracts: Path, settings: Settings) -> tuple[float, int]:
    """DuckDB alone reading every extract file once, with the run's threads and memory limit."""
    started = time.perf_counter()
    rows = 0
    with duckdb.connect(config={"threads": settings.threads, "memory_limit": settings.memory_limit}) as con:
        for entity in load_contract().entities:
            folder = extracts / entity.name
            if not any(folder.glob("*.csv")):
                continue
            rows += con.execute(
                "select count(*) from read_csv($glob, header = true, all_varchar = true)",
                {"glob": str(folder / "*.csv")},
            ).fetchone()[0]
    return time.perf_counter() - started, rows


def timed_run(extracts: Path, warehouse: Path) -> RunTiming:
    """Wall time of `observatory run` and the peak resident memory (MiB) of its process tree's largest process.

    wait4 gives the usage of this one child and the descendants it waited for (dbt), so each run's peak is its own,
    not the largest of every run so far as getrusage(RUSAGE_CHILDREN) would give.
    """
    command = [OBSERVATORY, "run", "--extracts", str(extracts), "--warehouse", str(warehouse)]
    output = warehouse.with_name(f"{warehouse.stem}.run.txt")
    output.parent.mkdir(parents=True, exist_ok=True)
    with output.open("w") as handle:
        started = time.perf_counter()
        pid = os.posix_spawn(
            OBSERVATORY,
            command,
            os.environ,
            file_actions=[(os.POSIX_SPAWN_DUP2, handle.fileno(), 1), (os.POSIX_SPAWN_DUP2, handle.fileno(), 2)],
        )
        _, status, usage = os.wait4(pid, 0)
        seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise RunFailed(f"observatory run into {warehouse} failed:\n{output.read_text()[-3000:]}")
    return RunTiming(seconds, usage.ru_maxrss // 1024, stage_times(output.read_text(), seconds))


def hold_back_last_day(extracts: Path, aside: Path) -> list[Path]:
    """Move the newest daily file of every entity aside: the full run loads the history, the delta adds them."""
    moved = []
    for folder in sorted(path for path in extracts.iterdir() if path.is_dir()):
        files = sorted(folder.glob("*_2*.csv"))
        if len(files) < 2:
            continue
        target = aside / folder.name
        target.mkdir(parents=True, exist_ok=True)
        moved.append(Path(shutil.move(str(files[-1]), target / files[-1].name)))
    return moved


def put_back(held_back: list[Path], extracts: Path) -> None:
    for path in held_back:
        shutil.move(str(path), extracts / path.parent.name / path.name)


def dbt_split(warehouse: Path) -> str:
    """The last dbt build's wall time and where its node time went (models, tests), from run_results.json."""
    build = Settings.from_env(warehouse_path=warehouse).dbt_target_dir / "run_results.json"
    run_results = json.loads(build.read_text())
    spent: dict[str, float] = {}
    for result in run_results["results"]:
        kind = result["unique_id"].split(".")[0]
        spent[kind] = spent.get(kind, 0.0) + result["execution_time"]
    slowest = max(run_results["results"], key=lambda result: result["execution_time"])
    return (
        f"{run_results['elapsed_time']:.1f} s wall; node time models {spent.get('model', 0):.0f} s, "
        f"tests {spent.get('test', 0):.0f} s; slowest {slowest['unique_id'].split('.')[-1]} "
        f"{slowest['execution_time']:.1f} s"
    )


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def page_query_times(warehouse: Path, repeats: int = 20) -> dict[str, tuple[float, float]]:
    """p50 / p95 milliseconds of the queries each dashboard page runs, against the published warehouse."""
    os.environ["OBSERVATORY_WAREHOUSE"] = str(warehouse)
    from dashboards.benchmark import page_queries

    results = {}
    for page, run_queries in page_queries().items():
        timings = []
        for _ in range(repeats):
            started = time.perf_counter()
            run_queries()
            timings.append((time.perf_counter() - started) * 1000)
        results[page] = (statistics.median(timings), percentile(timings, 0.95))
    return results


def page_render_times(warehouse: Path) -> dict[str, float]:
    """Seconds for each page to render in headless Chromium (empty when Chromium is absent)."""
    sys.path.insert(0, str(PROJECT_ROOT / "tests"))
    from browser import CHROMIUM, render_times

    return render_times(warehouse) if CHROMIUM.exists() else {}


def mib(value: int) -> str:
    return f"{value:,} MiB"


def add_peak(report: Report, name: str, timing: RunTiming) -> None:
    report.add(f"{name}: peak memory", mib(timing.peak_mib), "≤ 4 GiB", timing.peak_mib <= MEMORY_TARGET_MIB)


def dbt_parse_prepared() -> bool:
    """Whether the project's dbt manifest is current, so a run starts from the prepared partial parse."""
    # The run's own staleness rule, so the figure is labelled by what the run will find.
    from orchestration.transform import _manifest_is_stale

    return not _manifest_is_stale(DBT_PROJECT_DIR / "target" / "manifest.json")


def measure_sample(work: Path, report: Report) -> float:
    """Two runs of the bundled sample into fresh paths; returns the second's seconds (the fixed cost of a run)."""
    prepared = "prepared" if dbt_parse_prepared() else "not prepared: this run parses"
    first = timed_run(SAMPLE_EXTRACTS_DIR, work / "sample-first" / "warehouse.duckdb")
    report.add(f"sample run, first fresh warehouse (dbt's parse {prepared})", first.described)
    add_peak(report, "sample run, first", first)
    second = timed_run(SAMPLE_EXTRACTS_DIR, work / "sample-second" / "warehouse.duckdb")
    report.add(
        "sample run, second fresh warehouse (dbt's parse prepared)",
        second.described,
        f"≤ {SAMPLE_RUN_TARGET_SECONDS:.0f} s",
        second.seconds <= SAMPLE_RUN_TARGET_SECONDS,
    )
    add_peak(report, "sample run, second", second)
    return second.seconds


def generated(report: Report, extracts: Path, size: str, sites: int, days: int, seed: int) -> None:
    result = generate(extracts, sites=sites, days=days, seed=seed)
    report.add(
        f"generator {size}",
        f"{result.rows:,} rows in {result.seconds:.1f} s = {result.rows_per_second:,.0f} rows/s",
    )


def floor(report: Report, extracts: Path, size: str, settings: Settings) -> float:
    seconds, rows = floor_seconds(extracts, settings)
    report.add(f"floor {size} (DuckDB reads every extract once)", f"{seconds:.1f} s for {rows:,} rows")
    return seconds


def measure_history(
    report: Report,
    folder: Path,
    size: str,
    settings: Settings,
    floor_target: float | None,
) -> float:
    """Full run of all days but the last, then the one-day delta into the same warehouse; returns the delta's seconds.

    With floor_target, the floor is measured first and the full run's ratio to it is held against the target.
    """
    extracts, warehouse = folder / "extracts", folder / "warehouse.duckdb"
    floor_time = floor(report, extracts, size, settings) if floor_target is not None else None
    held_back = hold_back_last_day(extracts, folder / "last_day")
    full = timed_run(extracts, warehouse)
    if floor_time is not None:
        ratio = full.seconds / floor_time
        report.add(
            f"full run {size} (all days but the last)",
            f"{full.described} = {ratio:.1f}× the floor",
            f"≤ {floor_target:g}× the floor",
            ratio <= floor_target,
        )
    else:
        report.add(f"full run {size} (all days but the last)", full.described)
    add_peak(report, f"full run {size}", full)
    put_back(held_back, extracts)
    delta = timed_run(extracts, warehouse)
    report.add(
        f"one-day delta {size}",
        f"{delta.described} = {100 * delta.seconds / full.seconds:.0f} % of the full run; {len(held_back)} new files",
    )
    report.add(f"one-day delta {size}: dbt build", dbt_split(warehouse))
    add_peak(report, f"one-day delta {size}", delta)
    return delta.seconds


def measure_pages(report: Report, warehouse: Path, size: str, render: bool) -> None:
    for page, (p50, p95) in page_query_times(warehouse).items():
        report.add(
            f"page queries {size}: {page}",
            f"p50 {p50:.0f} ms, p95 {p95:.0f} ms",
            f"p95 ≤ {PAGE_QUERY_TARGET_MS:.0f} ms",
            p95 <= PAGE_QUERY_TARGET_MS,
        )
    if render:
        render_times = page_render_times(warehouse)
        for page, seconds in render_times.items():
            report.add(f"page render in Chromium {size}: {page}", f"{seconds:.1f} s")
        if not render_times:
            report.add(f"page render in Chromium {size}", "not measured: no Chromium at /usr/bin/chromium")


def measure_scale(report: Report, folder: Path, size: str, settings: Settings) -> None:
    """The scale point: a full run of every day that must finish within the memory limit; a failure is recorded."""
    extracts = folder / "extracts"
    floor_time = floor(report, extracts, size, settings)
    try:
        full = timed_run(extracts, folder / "warehouse.duckdb")
    except RunFailed as failure:
        report.add(f"full run {size}", failure.summary, "completes, ≤ 2.5× the floor", False)
        return
    ratio = full.seconds / floor_time
    report.add(f"full run {size}", f"{full.described} = {ratio:.1f}× the floor", "≤ 2.5× the floor", ratio <= 2.5)
    add_peak(report, f"full run {size}", full)


def git_commit() -> str:
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=PROJECT_ROOT, capture_output=True, text=True).stdout.strip()

    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    return f"{commit} + uncommitted changes" if git("status", "--porcelain", "--untracked-files=no") else commit


def results_header(today: str, argv: list[str], settings: Settings, load_average: tuple[float, ...]) -> str:
    machine = f"{os.cpu_count()} cores, {os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB"
    load = " / ".join(f"{value:.1f}" for value in load_average)
    return (
        f"# Benchmark {today}\n\n`python benchmarks/run.py {' '.join(argv)}` at commit {git_commit()} on {machine}; "
        f"DuckDB threads {settings.threads}, memory limit {settings.memory_limit}; load average at the start {load} "
        "(1 / 5 / 15 min). Targets from issue #14; ratios are within this one invocation."
    )


def write_results(path: Path, header: str, report: Report) -> None:
    rows = "\n".join(
        f"| {measure.name} | {measure.result} | {measure.target} | {measure.verdict} |" for measure in report.measures
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"{header}\n\n| measure | result | target | met |\n|---|---|---|---|\n{rows}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=6, help="sites of the main size (default 6)")
    parser.add_argument("--days", type=int, default=365, help="days of the main size (default 365)")
    parser.add_argument("--history-days", type=int, default=180, help="days of the shorter history (default 180)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--scale-sites", type=int, default=0, help="sites of the scale point (default 0: skipped)")
    parser.add_argument("--scale-days", type=int, help="days of the scale point (default --days)")
    parser.add_argument("--only-scale", action="store_true", help="measure only the scale point (with --scale-sites)")
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it (default: a temporary one)")
    parser.add_argument("--no-dashboard", action="store_true", help="skip the page query timings")
    parser.add_argument("--render", action="store_true", help="also time each page in headless Chromium (slow)")
    parser.add_argument("--out", type=Path, help="results file (default benchmarks/results/<date>.md)")
    return parser


def measure_history_and_sample(args: argparse.Namespace, work: Path, settings: Settings, report: Report) -> None:
    """The sample run, then full and one-day delta runs at SITES × DAYS and SITES × HISTORY_DAYS, and the pages."""
    main_size = f"{args.sites} × {args.days}"
    history_size = f"{args.sites} × {args.history_days}"
    sample = measure_sample(work, report)

    main_folder = work / "main"
    generated(report, main_folder / "extracts", main_size, args.sites, args.days, args.seed)
    delta = measure_history(report, main_folder, main_size, settings, floor_target=3)
    if not args.no_dashboard:
        measure_pages(report, main_folder / "warehouse.duckdb", main_size, args.render)
    if not args.keep:
        shutil.rmtree(main_folder)

    history_folder = work / "history"
    generated(report, history_folder / "extracts", history_size, args.sites, args.history_days, args.seed)
    shorter_delta = measure_history(report, history_folder, history_size, settings, floor_target=None)
    if not args.keep:
        shutil.rmtree(history_folder)
    report.add(
        f"delta {main_size} ÷ delta {history_size} (flat in the history)",
        f"{delta / shorter_delta:.2f}×",
        "≤ 1.25×",
        delta / shorter_delta <= 1.25,
    )
    report.add(
        f"delta {main_size} ÷ second sample run (pays only for what changed)",
        f"{delta / sample:.2f}×",
        "≤ 1.5×",
        delta / sample <= 1.5,
    )


def measure_all(args: argparse.Namespace, work: Path, settings: Settings, report: Report) -> None:
    """Every measure of the docstring, in its order; each size's folder is removed once measured (unless --keep)."""
    if not args.only_scale:
        measure_history_and_sample(args, work, settings, report)
    scale_days = args.scale_days or args.days
    scale_size = f"{args.scale_sites} × {scale_days}"
    if args.scale_sites:
        scale_folder = work / "scale"
        generated(report, scale_folder / "extracts", scale_size, args.scale_sites, scale_days, args.seed)
        measure_scale(report, scale_folder, scale_size, settings)
        if not args.keep:
            shutil.rmtree(scale_folder)
    else:
        report.add("scale point (full run)", "not measured (pass --scale-sites 24)", "≤ 2.5× its floor, ≤ 4 GiB")


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    today = dt.date.today().isoformat()
    out = args.out or PROJECT_ROOT / "benchmarks" / "results" / f"{today}.md"
    work = args.keep or Path(tempfile.mkdtemp(prefix="observatory-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    settings = Settings.from_env()
    header = results_header(today, sys.argv[1:] if argv is None else argv, settings, os.getloadavg())
    print(header, flush=True)
    report = Report()
    try:
        measure_all(args, work, settings, report)
    except RunFailed as failure:
        report.add("run failed", failure.summary, "every run succeeds", False)
        print(failure, file=sys.stderr)
        return_code = 1
    else:
        return_code = 0
    write_results(out, header, report)
    print(f"\nwrote {out}")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return return_code


if __name__ == "__main__":
    sys.exit(main())
