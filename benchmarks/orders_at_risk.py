"""Benchmark marts.orders_at_risk against issue #16's target: ROC AUC ≥ 0.75 on the later weeks, better than the rule
baseline; the Brier score beside it.

For each seed: `observatory generate` a distributor (SITES × DAYS), `observatory run` it into a fresh warehouse, then
rebuild the snapshot lines the job's model learns from (orchestration/orders_at_risk.py, the job's own horizon and
history) out of that run's working database, train on the snapshots older than the last TEST_DAYS days (only lines
due before them) and score the labelled lines of those days, with the model and with the rule baseline. Also times
the run's `signals` step against the whole run. Prints every figure and writes them to
benchmarks/results/<date>-orders-at-risk.md (or --out). Never asserts: it reports.

    .venv/bin/python benchmarks/orders_at_risk.py --sites 6 --days 240 --seeds 7 11 13

A quick check that the script works: `--sites 2 --days 60 --seeds 7 --test-days 14 --out /tmp/risk.md`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb

PROJECT_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_ROOT))

from orchestration.orders_at_risk import Evaluation, evaluate, snapshot_lines  # noqa: E402
from orchestration.settings import RiskSettings, Settings  # noqa: E402

OBSERVATORY = str(Path(sys.executable).with_name("observatory"))
AUC_TARGET = 0.75


@dataclass(frozen=True)
class SeedResult:
    seed: int
    evaluation: Evaluation | None
    run_seconds: float
    signals_seconds: float | None


def run_seed(root: Path, sites: int, days: int, seed: int, test_days: int, risk: RiskSettings) -> SeedResult:
    extracts = root / f"extracts-{seed}"
    warehouse = root / f"warehouse-{seed}" / "warehouse.duckdb"
    generate = [OBSERVATORY, "generate", "--out", str(extracts), "--sites", str(sites), "--days", str(days)]
    subprocess.run([*generate, "--seed", str(seed)], check=True, capture_output=True)
    started = time.perf_counter()
    output = subprocess.run(
        [OBSERVATORY, "run", "--extracts", str(extracts), "--warehouse", str(warehouse)],
        capture_output=True,
        text=True,
    )
    run_seconds = time.perf_counter() - started
    if output.returncode != 0:
        raise SystemExit(f"observatory run failed for seed {seed}:\n{output.stdout[-3000:]}{output.stderr[-3000:]}")
    signals = re.search(r"^signals .*\((\d+)s\)$", output.stdout, re.MULTILINE)
    work_database = Settings.from_env(extracts, warehouse).work_database
    with duckdb.connect(str(work_database), read_only=True) as con:
        frame = snapshot_lines(con, risk.horizon_days, risk.history_days)
    return SeedResult(seed, evaluate(frame, test_days), run_seconds, float(signals.group(1)) if signals else None)


def describe(results: list[SeedResult], command: str, test_days: int, risk: RiskSettings) -> str:
    today = dt.date.today().isoformat()
    rows = []
    for result in results:
        evaluation = result.evaluation
        signals = "?" if result.signals_seconds is None else f"{result.signals_seconds:.0f} s"
        share = f"{signals} of {result.run_seconds:.0f} s"
        if evaluation is None:
            rows.append(f"| {result.seed} | too few labelled lines | | | | | | {share} | missed |")
            continue
        met = (
            "met" if evaluation.model_auc >= AUC_TARGET and evaluation.model_auc > evaluation.baseline_auc else "missed"
        )
        rows.append(
            f"| {result.seed} | {evaluation.train_lines:,} / {evaluation.test_lines:,} "
            f"| {evaluation.test_missed_share:.1%} | {evaluation.model_auc:.3f} | {evaluation.baseline_auc:.3f} "
            f"| {evaluation.model_brier:.3f} | {evaluation.baseline_brier:.3f} | {share} | {met} |"
        )
    return (
        f"# Orders at risk {today}\n\n`{command}` (horizon {risk.horizon_days} days, history {risk.history_days} "
        f"snapshot days, the last {test_days} days scored; {os.cpu_count()} cores). Target (issue #16): ROC AUC "
        f"≥ {AUC_TARGET} on the later weeks and better than the rule baseline (a line partly shipped or due within "
        "24 h is at risk, else its site's missed share of the last 14 days). Brier: lower is better.\n\n"
        "| seed | lines train / test | test lines missed | model AUC | baseline AUC | model Brier | baseline Brier "
        "| signals step / run | target |\n|---|---|---|---|---|---|---|---|---|\n" + "\n".join(rows) + "\n"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=6)
    parser.add_argument("--days", type=int, default=240)
    parser.add_argument("--seeds", type=int, nargs="+", default=[7, 11, 13])
    parser.add_argument("--test-days", type=int, default=28, help="the later days scored (default 28)")
    parser.add_argument("--out", type=Path, help="default benchmarks/results/<date>-orders-at-risk.md")
    args = parser.parse_args(argv)
    risk = RiskSettings.from_env()
    with tempfile.TemporaryDirectory(prefix="orders-at-risk-") as folder:
        results = []
        for seed in args.seeds:
            result = run_seed(Path(folder), args.sites, args.days, seed, args.test_days, risk)
            print(
                f"seed {seed}: {result.evaluation} (run {result.run_seconds:.0f} s, signals {result.signals_seconds} s)"
            )
            results.append(result)
    command = "python benchmarks/orders_at_risk.py " + " ".join(argv if argv is not None else sys.argv[1:])
    text = describe(results, command, args.test_days, risk)
    out = args.out or PROJECT_ROOT / "benchmarks" / "results" / f"{dt.date.today().isoformat()}-orders-at-risk.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text)
    print(text)
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
