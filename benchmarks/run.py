"""Benchmark the pipeline against the floor: generate, read the files with DuckDB alone, run, run one more day.

    .venv/bin/python benchmarks/run.py --sites 6 --days 365

Prints a table and writes it to benchmarks/results/<date>.md. Targets (reported, never asserted): full run ≤ 2× the
floor, one-day delta ≤ 5 % of the full run, peak memory ≤ 4 GiB, page queries p95 ≤ 100 ms, generator ≥ 1 M rows/s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

PROJECT_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_ROOT))

from orchestration.contract import load_contract  # noqa: E402
from orchestration.settings import Settings  # noqa: E402
from simulator import generate  # noqa: E402

OBSERVATORY = str(Path(sys.executable).with_name("observatory"))


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


def timed_run(extracts: Path, warehouse: Path) -> tuple[float, int]:
    """Wall time of `observatory run` and the peak resident memory (MiB) of its process tree's largest process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    result = subprocess.run(
        [OBSERVATORY, "run", "--extracts", str(extracts), "--warehouse", str(warehouse)],
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"observatory run failed:\n{result.stderr[-3000:]}")
    peak = max(before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) // 1024
    return seconds, peak


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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=6)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it (default: a temporary one)")
    parser.add_argument("--no-dashboard", action="store_true", help="skip the dashboard timings")
    args = parser.parse_args(argv)

    load_at_start = os.getloadavg()[0]
    work = args.keep or Path(tempfile.mkdtemp(prefix="observatory-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    extracts, aside, warehouse = work / "extracts", work / "last_day", work / "warehouse.duckdb"
    settings = Settings.from_env(extracts, warehouse)
    lines: list[tuple[str, str]] = []

    def report(name: str, value: str) -> None:
        lines.append((name, value))
        print(f"{name}: {value}", flush=True)

    generated = generate(extracts, sites=args.sites, days=args.days, seed=args.seed)
    report(
        "generator", f"{generated.rows:,} rows in {generated.seconds:.1f} s = {generated.rows_per_second:,.0f} rows/s"
    )
    floor, floor_rows = floor_seconds(extracts, settings)
    report("floor (DuckDB reads every file once)", f"{floor:.1f} s for {floor_rows:,} rows")

    held_back = hold_back_last_day(extracts, aside)
    full, full_peak = timed_run(extracts, warehouse)
    report("full run (all days but the last)", f"{full:.1f} s = {full / floor:.1f}× the floor")
    for path in held_back:
        shutil.move(str(path), extracts / path.parent.name / path.name)
    delta, delta_peak = timed_run(extracts, warehouse)
    report("one-day delta run", f"{delta:.1f} s = {100 * delta / full:.0f} % of the full run ({len(held_back)} files)")
    report("  of which dbt build", dbt_split(warehouse))
    report("peak memory (largest process of the run)", f"{max(full_peak, delta_peak):,} MiB")

    if not args.no_dashboard:
        for page, (p50, p95) in page_query_times(warehouse).items():
            report(f"page queries: {page}", f"p50 {p50:.0f} ms, p95 {p95:.0f} ms")
        for page, seconds in page_render_times(warehouse).items():
            report(f"page render in Chromium: {page}", f"{seconds:.1f} s")

    machine = f"{os.cpu_count()} cores, {os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB"
    results = PROJECT_ROOT / "benchmarks" / "results" / f"{dt.date.today().isoformat()}.md"
    results.parent.mkdir(parents=True, exist_ok=True)
    table = "\n".join(f"| {name} | {value} |" for name, value in lines)
    results.write_text(
        f"# Benchmark {dt.date.today().isoformat()}\n\n"
        f"`python benchmarks/run.py --sites {args.sites} --days {args.days} --seed {args.seed}` on {machine}; "
        f"DuckDB threads {settings.threads}, memory limit {settings.memory_limit}; "
        f"load average at the start {load_at_start:.1f}.\n\n"
        f"| measure | result |\n|---|---|\n{table}\n"
    )
    print(f"\nwrote {results.relative_to(PROJECT_ROOT)}")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
