"""The `observatory` command: run, dashboard, generate (see ../shared/contract/README.md)."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

from orchestration.settings import PROJECT_ROOT, Settings


class CommandError(Exception):
    """A failure the user can act on: printed as one line plus where to look, never as a traceback."""


def run_pipeline(settings: Settings, log_level: str = "INFO", full_refresh: bool = False) -> dict[str, object]:
    """Run observatory_job in-process; return a summary, or raise CommandError naming what failed."""
    if not settings.extracts_dir.is_dir():
        raise CommandError(f"extracts folder {settings.extracts_dir} does not exist")
    from dagster import DagsterInstance

    from orchestration.definitions import build_definitions

    started = time.monotonic()
    job = build_definitions(settings).resolve_job_def("observatory_job")
    with DagsterInstance.ephemeral() as instance:
        result = job.execute_in_process(
            instance=instance,
            raise_on_error=False,
            run_config={
                "loggers": {"console": {"config": {"log_level": log_level}}},
                "ops": {"observatory_dbt_assets": {"config": {"full_refresh": full_refresh}}},
            },
        )
    if not result.success:
        failures = [
            event.step_failure_data.error.message.strip()
            if event.step_failure_data.user_failure_data is None
            else (event.step_failure_data.user_failure_data.description or "")
            for event in result.all_events
            if event.is_step_failure and event.step_failure_data
        ]
        message = failures[0].splitlines()[0] if failures else "the run failed"
        raise CommandError(
            f"{message}\n  previous warehouse left unchanged: {settings.warehouse_path}\n"
            f"  details: {settings.dbt_target_dir / 'dbt.log'}"
        )
    return {"seconds": time.monotonic() - started, "warehouse": settings.warehouse_path}


def command_run(args: argparse.Namespace) -> int:
    settings = Settings.from_env(args.extracts, args.warehouse)
    print(f"loading {settings.extracts_dir} -> {settings.warehouse_path}", flush=True)
    summary = run_pipeline(settings, "DEBUG" if args.verbose else "INFO", full_refresh=args.full_refresh)
    print(f"published {summary['warehouse']} in {summary['seconds']:.0f}s")
    print(f"dashboard: observatory dashboard --warehouse {summary['warehouse']}")
    return 0


def command_dashboard(args: argparse.Namespace) -> int:
    settings = Settings.from_env(warehouse_path=args.warehouse)
    host = args.host or settings.dashboard_host
    port = args.port or settings.dashboard_port
    app = PROJECT_ROOT / "dashboards" / "app.py"
    print(f"dashboard: http://{host}:{port}  (warehouse {settings.warehouse_path})", flush=True)
    environment = {**os.environ, "OBSERVATORY_WAREHOUSE": str(settings.warehouse_path)}
    command = [
        sys.executable, "-m", "streamlit", "run", str(app),
        "--server.address", host, "--server.port", str(port),
        "--server.headless", "true", "--browser.gatherUsageStats", "false", "--client.toolbarMode", "viewer",
    ]  # fmt: skip
    return subprocess.call(command, env=environment)


def command_generate(args: argparse.Namespace) -> int:
    from simulator import generate
    from simulator.__main__ import describe

    try:
        result = generate(
            Path(args.out),
            sites=args.sites,
            days=args.days,
            start=args.start,
            seed=args.seed,
            file_format=args.format,
            config=args.config,
        )
    except (ValueError, OSError) as error:
        raise CommandError(str(error)) from None
    print(describe(result, Path(args.out)))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="observatory",
        description="Adoption Observatory: ERP extracts -> DuckDB warehouse of rollout KPIs -> scorecards.",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser(
        "run",
        help="load extracts, build and test every model, publish the warehouse if the build passed",
        description="Load DIR, build and test every dbt model, and publish the warehouse to FILE only if "
        "every blocking test passed. On failure, exits non-zero and leaves the published FILE untouched.",
    )
    run.add_argument("--extracts", type=Path, metavar="DIR", help="extracts folder (default: bundled sample)")
    run.add_argument("--warehouse", type=Path, metavar="FILE", help="DuckDB file to publish (default: data/)")
    run.add_argument(
        "--full-refresh",
        action="store_true",
        help="rebuild every model from all current files (a run normally processes only new deliveries)",
    )
    run.add_argument("--verbose", action="store_true", help="show every Dagster and dbt event")
    run.set_defaults(handler=command_run)

    dashboard = commands.add_parser(
        "dashboard", help="serve the Streamlit scorecards", description="Serve the scorecards over FILE."
    )
    dashboard.add_argument("--warehouse", type=Path, metavar="FILE", help="published warehouse to read")
    dashboard.add_argument("--host", help="address to bind (default 127.0.0.1)")
    dashboard.add_argument("--port", type=int, help="port (default 8501)")
    dashboard.set_defaults(handler=command_dashboard)

    generate = commands.add_parser(
        "generate",
        help="write a synthetic distributor's extracts",
        description="Write a realistic synthetic distributor's extracts in the contract's layout.",
    )
    from simulator.__main__ import add_arguments

    add_arguments(generate)
    generate.set_defaults(handler=command_generate)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except CommandError as error:
        print(f"observatory {args.command}: error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
