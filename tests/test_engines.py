"""The same dbt project on other engines: the bundled sample's kpi_daily and close_period are the same rows as
on DuckDB (keys equal, numbers within 1e-9, nulls where DuckDB has nulls).

Each engine is a session fixture `<engine>_marts` returning the compared relations as lists of tuples; a new
engine adds its fixture and its name to ENGINES.
"""

from __future__ import annotations

import datetime
import math
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import duckdb
import psycopg2
import pytest

from orchestration.engines import postgres
from orchestration.engines import spark as spark_engine
from orchestration.settings import SAMPLE_EXTRACTS_DIR, PostgresSettings, Settings

# Each compared mart, its key columns and the columns compared (every column of the mart's contract).
COMPARED = {
    "kpi_daily": (["site_id", "kpi_date", "kpi"], ["numerator", "denominator", "value"]),
    "close_period": (
        ["legal_entity", "period"],
        [
            "close_days", "on_time_task_rate", "post_close_adjustments", "close_days_stddev_6",
            "period_end_date", "is_closed", "closed_at", "task_count",
        ],
    ),
}  # fmt: skip
ENGINES = ["postgres", "spark"]
TOLERANCE = 1e-9

Marts = dict[str, list[tuple]]


def mart_query(relation: str) -> str:
    keys, values = COMPARED[relation]
    return f"select {', '.join(keys + values)} from marts.{relation}"


def normalised(rows: list[tuple]) -> list[tuple]:
    """Rows with decimals as floats, sorted by their key columns (code-point order, whatever the engine)."""
    converted = [tuple(float(value) if isinstance(value, Decimal) else value for value in row) for row in rows]
    return sorted(converted, key=lambda row: tuple((value is None, str(value)) for value in row))


def differences(expected: list[tuple], actual: list[tuple], columns: list[str]) -> list[str]:
    """Where two sorted row lists differ: numbers beyond TOLERANCE, anything else not equal."""
    if len(expected) != len(actual):
        return [f"{len(expected)} rows expected, {len(actual)} found"]
    found = []
    for expected_row, actual_row in zip(expected, actual, strict=True):
        for column, left, right in zip(columns, expected_row, actual_row, strict=True):
            numbers = isinstance(left, int | float) and isinstance(right, int | float)
            numbers = numbers and not isinstance(left, bool) and not isinstance(right, bool)
            if numbers and math.isclose(left, right, rel_tol=0, abs_tol=TOLERANCE):
                continue
            if not numbers and left == right:
                continue
            found.append(f"{expected_row[:3]} {column}: {left!r} != {right!r}")
    return found


def max_abs_difference(expected: list[tuple], actual: list[tuple]) -> float:
    return max(
        (
            abs(left - right)
            for expected_row, actual_row in zip(expected, actual, strict=True)
            for left, right in zip(expected_row, actual_row, strict=True)
            if isinstance(left, float) and isinstance(right, float)
        ),
        default=0.0,
    )


@pytest.fixture(scope="session")
def duckdb_marts(sample_warehouse: Path) -> Marts:
    with duckdb.connect(str(sample_warehouse), read_only=True) as con:
        return {relation: normalised(con.execute(mart_query(relation)).fetchall()) for relation in COMPARED}


def postgres_bin_dir() -> Path:
    """Debian's PostgreSQL server programs (the newest installed major version)."""
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda path: int(path.parts[-3]))
    if not candidates:
        raise RuntimeError("PostgreSQL server not installed: `make postgres-deps` (apt-get install postgresql)")
    return candidates[-1].parent


def free_loopback_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresSettings]:
    """A throwaway PostgreSQL server on a free loopback port, data in a temporary folder, text in code-point
    order (locale C). PostgreSQL refuses to run as root: then it runs as the `postgres` user."""
    started = time.monotonic()
    bin_dir = postgres_bin_dir()
    folder = Path(tempfile.mkdtemp(prefix="observatory-postgres-"))
    as_user: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(folder, user="postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    data = folder / "data"
    port = free_loopback_port()
    subprocess.run(
        [*as_user, str(bin_dir / "initdb"), "-D", str(data), "-U", "observatory", "--auth=trust",
         "--encoding=UTF8", "--locale=C", "--no-sync"],
        check=True, capture_output=True, cwd=folder,
    )  # fmt: skip
    options = f"-c fsync=off -c full_page_writes=off -c listen_addresses=127.0.0.1 -p {port} -k {folder}"
    pg_ctl = [*as_user, str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(folder / "server.log")]
    subprocess.run([*pg_ctl, "-o", options, "-w", "start"], check=True, capture_output=True, cwd=folder)
    try:
        admin = psycopg2.connect(host="127.0.0.1", port=port, user="observatory", dbname="postgres")
        admin.autocommit = True
        with admin.cursor() as cursor:
            cursor.execute("create database observatory")
        admin.close()
        print(f"postgres: server {bin_dir.parent.name} started on port {port} in {time.monotonic() - started:.1f}s")
        yield PostgresSettings(
            host="127.0.0.1", port=port, user="observatory", password="", dbname="observatory", schema="public"
        )
    finally:
        subprocess.run([*pg_ctl, "-m", "fast", "-w", "stop"], capture_output=True, cwd=folder)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_marts(sample_warehouse: Path, postgres_server: PostgresSettings) -> Marts:
    """The sample's raw tables (loaded by the DuckDB run) copied to PostgreSQL and built there with dbt."""
    settings = Settings.from_env(warehouse_path=sample_warehouse)
    started = time.monotonic()
    copied = postgres.copy_raw_tables(settings.work_database, postgres_server)
    loaded = time.monotonic()
    result = postgres.build(postgres_server, settings.build_dir / "dbt_target_postgres")
    built = time.monotonic()
    summary = next((line for line in reversed(result.stdout.splitlines()) if "Done." in line), result.stderr[-2000:])
    print(
        f"postgres: copied {sum(copied.values())} raw rows in {loaded - started:.1f}s, "
        f"dbt build in {built - loaded:.1f}s: {summary.strip()}"
    )
    assert result.returncode == 0, result.stdout[-5000:]
    with postgres.connect(postgres_server) as con, con.cursor() as cursor:
        marts = {}
        for relation in COMPARED:
            cursor.execute(mart_query(relation))
            marts[relation] = normalised(cursor.fetchall())
    con.close()
    return marts


@pytest.fixture(scope="session")
def spark_marts(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Marts]:
    """The sample's extract files read by Spark itself (local mode, session method) and built there with dbt."""
    run_dir = tmp_path_factory.mktemp("spark")
    outcome = spark_engine.build(
        SAMPLE_EXTRACTS_DIR, run_dir, Settings.from_env(SAMPLE_EXTRACTS_DIR), spark_engine.COMPARED_MARTS
    )
    seconds = ", ".join(f"{step} {value:.1f}s" for step, value in outcome.seconds.items())
    print(f"spark: {seconds}; dbt: {outcome.statuses}")
    assert outcome.success, "; ".join(outcome.failures[:5])
    spark = spark_engine.start_session(run_dir)
    try:
        yield {
            relation: normalised([tuple(row) for row in spark.sql(mart_query(relation)).collect()])
            for relation in COMPARED
        }
    finally:
        spark.stop()


@pytest.mark.slow
@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("relation", list(COMPARED))
def test_mart_has_the_same_rows_as_on_duckdb(
    engine: str, relation: str, duckdb_marts: Marts, request: pytest.FixtureRequest
) -> None:
    expected = duckdb_marts[relation]
    actual = request.getfixturevalue(f"{engine}_marts")[relation]
    keys, values = COMPARED[relation]
    assert expected, f"the sample gives no {relation} rows on DuckDB: the comparison would prove nothing"
    found = differences(expected, actual, keys + values)
    assert not found, f"{engine} {relation}: {len(found)} differences, first: " + "; ".join(found[:5])
    print(f"{engine} {relation}: {len(actual)} rows, max abs difference {max_abs_difference(expected, actual):.3g}")


@pytest.mark.slow
def test_every_dbt_unit_test_passes_on_postgres(
    sample_warehouse: Path, postgres_server: PostgresSettings, postgres_marts: Marts
) -> None:
    target_path = Settings.from_env(warehouse_path=sample_warehouse).build_dir / "dbt_target_postgres"
    result = postgres.run_unit_tests(postgres_server, target_path)
    summary = next((line for line in reversed(result.stdout.splitlines()) if "Done." in line), "")
    assert result.returncode == 0 and " ERROR=0 " in summary, result.stdout[-5000:]
    passed = re.search(r"PASS=(\d+)", summary)
    assert passed and int(passed.group(1)) > 0, f"no unit test ran: {summary}"


def test_comparison_finds_a_value_beyond_tolerance() -> None:
    row = ("S1", datetime.date(2026, 1, 5), "fill_rate", 1.0, 2.0, 0.5)
    columns = ["site_id", "kpi_date", "kpi", "numerator", "denominator", "value"]
    assert not differences([row], [(*row[:5], 0.5 + TOLERANCE / 2)], columns)
    assert differences([row], [(*row[:5], 0.5 + TOLERANCE * 10)], columns)
    assert differences([row], [(*row[:5], None)], columns)
    assert differences([row], [], columns)


def test_raw_column_types_map_to_postgres() -> None:
    assert postgres.postgres_type("VARCHAR") == "text"
    assert postgres.postgres_type("DECIMAL(38,10)") == "numeric(38,10)"
    assert postgres.postgres_type("VARCHAR[]") == "text"
    with pytest.raises(ValueError, match="HUGEINT"):
        postgres.postgres_type("HUGEINT")
