"""`python -m simulator --out DIR [...]`, and `python -m simulator --sample` to rebuild the bundled sample."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from simulator.generator import (
    DEFAULT_START,
    SAMPLE_DIR,
    GenerationResult,
    generate,
    generate_sample,
    write_reference_seeds,
)
from simulator.writer import FORMATS


def add_arguments(parser: argparse.ArgumentParser, *, out_required: bool = True) -> None:
    """The generator's flags; `observatory generate` reuses them."""
    parser.add_argument("--out", type=Path, required=out_required, metavar="DIR", help="extracts folder to write")
    parser.add_argument("--sites", type=int, default=6, help="number of sites (default 6)")
    parser.add_argument("--days", type=int, default=365, help="number of days (default 365)")
    parser.add_argument(
        "--start",
        type=dt.date.fromisoformat,
        default=DEFAULT_START,
        metavar="YYYY-MM-DD",
        help=f"first day (default {DEFAULT_START.isoformat()})",
    )
    parser.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    parser.add_argument("--format", choices=FORMATS, default="csv", help="file format (default csv)")
    parser.add_argument("--config", type=Path, metavar="FILE", help="YAML or JSON file overriding parameters")
    parser.add_argument(
        "--anomalies",
        action="store_true",
        help="inject labelled spikes, level shifts and silent data gaps (labels beside the folder, see --labels)",
    )
    parser.add_argument(
        "--labels",
        type=Path,
        metavar="FILE",
        help="with --anomalies: the labels CSV, outside --out (default: <out>.labels.csv beside it)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m simulator",
        description="Write a synthetic distributor's ERP extracts in the contract's layout.",
    )
    add_arguments(parser, out_required=False)
    parser.add_argument(
        "--sample",
        action="store_true",
        help=f"regenerate the bundled sample ({SAMPLE_DIR}, or --out) and the reference seeds; other flags are ignored",
    )
    return parser


def describe(result: GenerationResult, out_dir: Path) -> str:
    line = (
        f"wrote {result.rows:,} rows in {result.files:,} files to {out_dir} in {result.seconds:.2f}s "
        f"({result.rows_per_second:,.0f} rows/s)"
    )
    if result.labels_path is not None:
        line += f"\nwrote {result.labels:,} anomaly labels to {result.labels_path}"
    return line


def generate_from(args: argparse.Namespace) -> GenerationResult:
    """`generate` with the parsed flags of add_arguments."""
    return generate(
        Path(args.out),
        sites=args.sites,
        days=args.days,
        start=args.start,
        seed=args.seed,
        file_format=args.format,
        config=args.config,
        anomalies=args.anomalies,
        labels_path=args.labels,
    )


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.sample:
        out_dir = args.out or SAMPLE_DIR
        result = generate_sample(out_dir)
        write_reference_seeds()
    elif args.out is None:
        parser.error("--out is required (or --sample)")
    else:
        out_dir = args.out
        try:
            result = generate_from(args)
        except (ValueError, OSError) as error:
            parser.error(str(error))
    print(describe(result, out_dir))
    return 0


if __name__ == "__main__":
    sys.exit(main())
