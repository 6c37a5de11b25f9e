"""The `observatory` command: run, dashboard, report, query, generate (see docs/contract/README.md)."""

from __future__ import annotations

import argparse
import functools
import ipaddress
import json
import logging
import os
import socket
import subprocess
import sys
import time
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TextIO

from orchestration.preflight import PreflightError, check_warehouse_folder
from orchestration.settings import PROJECT_ROOT, Settings


class CommandError(Exception):
    """A failure the user can act on: printed as one line plus where to look, never as a traceback."""


def early_refusal(settings: Settings) -> str | None:
    """The publish guard's verdict on the deliveries alone, before anything is loaded (cheap, and the same rule
    the publish step applies with row counts)."""
    from orchestration.contract import load_contract
    from orchestration.guard import read_published_state, refusal, survey_extracts

    published = read_published_state(settings.warehouse_path)
    if published is None:
        return None
    return refusal(published, survey_extracts(settings.extracts_dir, list(load_contract().entities)))


def run_pipeline(
    settings: Settings,
    log_level: str = "INFO",
    full_refresh: bool = False,
    allow_shrink: bool = False,
    log_path: Path | None = None,
) -> dict[str, object]:
    """Run observatory_job in-process; return a summary, or raise CommandError naming what failed."""
    if not settings.extracts_dir.is_dir():
        raise CommandError(f"extracts folder {settings.extracts_dir} does not exist")
    if not allow_shrink and (reason := early_refusal(settings)):
        raise CommandError(f"{reason}\n  published warehouse left unchanged: {settings.warehouse_path}")
    from dagster import DagsterInstance

    from orchestration.definitions import build_definitions

    started = time.monotonic()
    job = build_definitions(settings).resolve_job_def("observatory_job")
    with DagsterInstance.ephemeral() as instance:
        result = job.execute_in_process(
            instance=instance,
            raise_on_error=False,
            run_config={
                "loggers": {"console": {"config": {"log_level": log_level}}, "observatory": {}},
                "ops": {
                    "observatory_dbt_assets": {"config": {"full_refresh": full_refresh}},
                    "published_warehouse": {"config": {"allow_shrink": allow_shrink}},
                },
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
            f"{message}\n  published warehouse left unchanged: {settings.warehouse_path}\n"
            f"  details: {log_path or settings.dbt_target_dir / 'dbt.log'}"
        )
    return {"seconds": time.monotonic() - started, "warehouse": settings.warehouse_path}


# Run logs kept per warehouse (newest first); older ones are removed.
KEPT_RUN_LOGS = 20


def new_log_path(settings: Settings) -> Path:
    folder = settings.build_dir / "logs"
    folder.mkdir(parents=True, exist_ok=True)
    for old in sorted(folder.glob("run-*.log"), reverse=True)[KEPT_RUN_LOGS - 1 :]:
        old.unlink(missing_ok=True)
    return folder / f"run-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.log"


@contextmanager
def output_to(log_path: Path) -> Iterator[TextIO]:
    """Send everything written to stdout and stderr (Dagster, dbt, warnings) to the log file; yield the console."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    console = os.fdopen(os.dup(saved[0]), "w", buffering=1)
    with log_path.open("ab") as log:
        os.dup2(log.fileno(), 1)
        os.dup2(log.fileno(), 2)
        try:
            yield console
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            os.close(saved[0])
            os.close(saved[1])
            console.close()


def command_run(args: argparse.Namespace) -> int:
    from orchestration.progress import RUN_LOGGER, StageReport

    settings = Settings.from_env(args.extracts, args.warehouse)
    print(f"observatory run: {settings.extracts_dir} -> {settings.warehouse_path}", flush=True)
    try:
        check_warehouse_folder(settings.warehouse_path, settings.work_database)
    except PreflightError as error:
        raise CommandError(str(error)) from None
    run = functools.partial(run_pipeline, settings, full_refresh=args.full_refresh, allow_shrink=args.allow_shrink)
    report_to = logging.getLogger(RUN_LOGGER)
    if args.verbose:
        report = StageReport(sys.stdout)
        report_to.addHandler(report)
        summary = run(log_level="DEBUG")
    else:
        log_path = new_log_path(settings)
        print(f"  log: {log_path}", flush=True)
        with output_to(log_path) as console:
            report = StageReport(console, live=console.isatty())
            report_to.addHandler(report)
            print(f"observatory run {' '.join(sys.argv[1:])} at {datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC")
            try:
                summary = run(log_level="DEBUG", log_path=log_path)
            except CommandError as error:
                print(f"error: {error}")
                raise
            finally:
                report_to.removeHandler(report)
    print(f"published {summary['warehouse']} in {summary['seconds']:.0f}s")
    print(f"dashboard: observatory dashboard --warehouse {summary['warehouse']}")
    return 0


def check_port_free(host: str, port: int) -> None:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        try:
            probe.bind((host, port))
        except OSError as error:
            raise CommandError(
                f"cannot serve on {host}:{port}: {error.strerror or error} (another dashboard running? "
                "choose another port with --port)"
            ) from None


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def sign_in_provider(secrets_file: Path) -> str | None:
    """What the secrets file's ``[auth]`` section signs in with (its discovery URL, or its named providers), or None
    when it configures no sign-in. A file that is not TOML is an error, not an open dashboard."""
    if not secrets_file.is_file():
        return None
    try:
        auth = tomllib.loads(secrets_file.read_text(encoding="utf-8")).get("auth") or {}
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise CommandError(f"secrets file {secrets_file} is not valid TOML: {error}") from None
    if not auth:
        return None
    missing = [key for key in ("redirect_uri", "cookie_secret") if not auth.get(key)]
    if missing:
        raise CommandError(f"{secrets_file}: [auth] needs {' and '.join(missing)} (README: Sign-in and who sees what)")
    providers = [f"[auth.{name}]" for name, value in auth.items() if isinstance(value, dict)]
    return str(auth.get("server_metadata_url") or ", ".join(providers))


def secrets_from_environment(settings: Settings) -> Path | None:
    """The [auth] section of the OBSERVATORY_OIDC_* variables as a secrets file (mode 0600) beside the warehouse,
    or None when they configure no sign-in (orchestration/settings.py)."""
    if not settings.oidc.get("server_metadata_url"):
        return None
    missing = [key for key, value in settings.oidc.items() if not value]
    if missing:
        raise CommandError(f"OBSERVATORY_OIDC_METADATA_URL is set, but not {', '.join(missing)} (OBSERVATORY_OIDC_*)")
    path = settings.warehouse_path.parent / "secrets" / "dashboard_auth.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = ["[auth]"] + [f"{key} = {json.dumps(value)}" for key, value in settings.oidc.items()]
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")
    os.chmod(path, 0o600)
    return path


def command_dashboard(args: argparse.Namespace) -> int:
    settings = Settings.from_env(warehouse_path=args.warehouse)
    host = args.host or settings.dashboard_host
    port = args.port or settings.dashboard_port
    secrets_file = (args.secrets or secrets_from_environment(settings) or settings.dashboard_secrets).resolve()
    app = PROJECT_ROOT / "dashboards" / "app.py"
    if not settings.warehouse_path.exists():
        raise CommandError(f"no published warehouse at {settings.warehouse_path}: run `observatory run` first")
    provider = sign_in_provider(secrets_file)
    if provider is None and not is_loopback(host) and not args.allow_open:
        raise CommandError(
            f"refusing to serve {host} without sign-in: anyone who reaches it would see every site. Configure an "
            f"identity provider in {secrets_file} (README: Sign-in and who sees what), serve 127.0.0.1, or pass "
            "--allow-open"
        )
    check_port_free(host, port)
    print(f"dashboard: http://{host}:{port}  (warehouse {settings.warehouse_path})", flush=True)
    print(f"sign-in: {provider}" if provider else "sign-in: none configured, the dashboard is open", flush=True)
    environment = {**os.environ, "OBSERVATORY_WAREHOUSE": str(settings.warehouse_path)}
    # The secrets file is named explicitly: sign-in does not depend on the directory the command runs from.
    command = [
        sys.executable, "-m", "streamlit", "run", str(app),
        "--server.address", host, "--server.port", str(port),
        "--server.headless", "true", "--browser.gatherUsageStats", "false", "--client.toolbarMode", "viewer",
        "--secrets.files", str(secrets_file),
    ]  # fmt: skip
    return subprocess.call(command, env=environment)


def command_report(args: argparse.Namespace) -> int:
    settings = Settings.from_env(warehouse_path=args.warehouse)
    if not settings.warehouse_path.exists():
        raise CommandError(f"no published warehouse at {settings.warehouse_path}: run `observatory run` first")
    if args.out.suffix.lower() not in (".pdf", ".png"):
        raise CommandError(f"--out {args.out} must end in .pdf or .png")
    # The dashboard's queries read the warehouse named by OBSERVATORY_WAREHOUSE (as `dashboard` passes it on).
    os.environ["OBSERVATORY_WAREHOUSE"] = str(settings.warehouse_path)
    # Streamlit's cache warns that no app is running; it caches in memory then, which is all a report needs.
    logging.getLogger("streamlit.runtime.caching.cache_data_api").addFilter(
        lambda record: "No runtime found" not in record.getMessage()
    )
    from dashboards import report
    from dashboards.queries import connection

    try:
        connection.check_warehouse()
        scope = report.resolve_scope(args.site, args.week)
        out = report.write(scope, args.out)
    except (connection.WarehouseUnavailable, report.ReportError) as error:
        raise CommandError(str(error).splitlines()[0]) from None
    print(f"{out}: {report.title(scope)}, {out.stat().st_size / 1024:,.0f} KB")
    return 0


def command_query(args: argparse.Namespace) -> int:
    settings = Settings.from_env(warehouse_path=args.warehouse)
    from orchestration.semantic_models import DIMENSIONS
    from orchestration.semantic_query import QueryError, metric_names, query_metrics

    known = metric_names()
    unknown = [metric for metric in args.metrics if metric not in known]
    if unknown:
        raise CommandError(f"unknown metric {', '.join(map(repr, unknown))}; metrics: {', '.join(known)}")
    # A MetricFlow name has its entity or metric_time before a double underscore; anything else must be a short name.
    unknown = [name for name in args.by if name not in DIMENSIONS and "__" not in name]
    if unknown:
        raise CommandError(f"unknown dimension {', '.join(map(repr, unknown))}; dimensions: {', '.join(DIMENSIONS)}")
    try:
        result = query_metrics(
            settings.warehouse_path, args.metrics, args.by, args.where, args.start, args.end, args.order_by
        )
    except QueryError as error:
        raise CommandError(str(error).splitlines()[0]) from None
    if args.sql:
        print(result.sql)
    print(result.table.text_format(float_decimals=args.decimals))
    return 0


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date YYYY-MM-DD") from None


def command_generate(args: argparse.Namespace) -> int:
    from simulator.__main__ import describe, generate_from

    try:
        result = generate_from(args)
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
    run.add_argument(
        "--allow-shrink",
        action="store_true",
        help="publish even if the build would lose history: an empty extracts folder, an entity delivered before "
        "with no current file, or a core relation losing more than OBSERVATORY_MAX_SHRINK (10%%) of its rows",
    )
    run.add_argument("--verbose", action="store_true", help="show every Dagster and dbt event (default: a log file)")
    run.set_defaults(handler=command_run)

    dashboard = commands.add_parser(
        "dashboard", help="serve the Streamlit scorecards", description="Serve the scorecards over FILE."
    )
    dashboard.add_argument("--warehouse", type=Path, metavar="FILE", help="published warehouse to read")
    dashboard.add_argument("--host", help="address to bind (default 127.0.0.1)")
    dashboard.add_argument("--port", type=int, help="port (default 8501)")
    dashboard.add_argument(
        "--secrets",
        type=Path,
        metavar="FILE",
        help="Streamlit secrets file whose [auth] section configures sign-in (default: OBSERVATORY_DASHBOARD_SECRETS, "
        "else .streamlit/secrets.toml in the project)",
    )
    dashboard.add_argument(
        "--allow-open",
        action="store_true",
        help="serve an address other than loopback without sign-in (anyone who reaches it sees every site)",
    )
    dashboard.set_defaults(handler=command_dashboard)

    report = commands.add_parser(
        "report",
        help="write the weekly review as a PDF (or its first page as a PNG)",
        description="Write one ISO week's review from the published marts: KPI tiles with status and bands and the "
        "site x KPI heat map; with --site, that site's tiles and a second page of its last 12 weeks. Rendered "
        "offline (no browser, nothing fetched). An operator's tool on the warehouse file: every site, whatever "
        "the dashboard's sign-in and dashboard_access allow.",
    )
    report.add_argument("--warehouse", type=Path, metavar="FILE", help="published warehouse to read")
    report.add_argument("--site", metavar="S", help="a site id: the site's tiles and trends (default: the network)")
    report.add_argument("--week", metavar="YYYY-Www", help="ISO week (default: the latest full week in the data)")
    report.add_argument("--out", type=Path, metavar="FILE.pdf|png", required=True, help="file to write")
    report.set_defaults(handler=command_report)

    from orchestration.semantic_models import DIMENSIONS

    query = commands.add_parser(
        "query",
        help="a KPI by any dimension, from the semantic layer (MetricFlow) over the published warehouse",
        description="Query KPIs (MetricFlow metrics, one per KPI of the dictionary, the scorecards' roll-up: sum "
        "over sum, level KPIs the period's last day per site) grouped by dimensions, from the published warehouse, "
        'read-only. Plain `mf query` works too (README, "Semantic layer").',
    )
    query.add_argument("metrics", nargs="+", metavar="METRIC", help="a KPI (e.g. line_fill_rate), or several")
    query.add_argument(
        "--by",
        nargs="+",
        default=[],
        metavar="DIM",
        help=f"group by: {', '.join(DIMENSIONS)}, or a MetricFlow name (site__region, metric_time__week ...)",
    )
    query.add_argument(
        "--where",
        action="append",
        default=[],
        metavar="FILTER",
        help="a MetricFlow filter, e.g. \"{{ Dimension('site__region') }} = 'Europe'\" (repeat to combine)",
    )
    query.add_argument("--from", dest="start", type=_date, metavar="YYYY-MM-DD", help="first KPI day")
    query.add_argument("--to", dest="end", type=_date, metavar="YYYY-MM-DD", help="last KPI day")
    query.add_argument("--order-by", nargs="+", default=[], metavar="NAME", help="default: the --by dimensions")
    query.add_argument("--decimals", type=int, default=4, metavar="N", help="decimals shown (default 4)")
    query.add_argument("--sql", action="store_true", help="print the SQL MetricFlow ran, before the result")
    query.add_argument("--warehouse", type=Path, metavar="FILE", help="published warehouse to read")
    query.set_defaults(handler=command_query)

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
