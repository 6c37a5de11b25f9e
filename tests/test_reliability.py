"""Reliability: a killed run never damages the published warehouse, readers never see a half-built one,
runs are idempotent, and no raw user id reaches the warehouse."""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest
from conftest import BUILD_TIME_COLUMNS, ORDERS_CSV, SITES_CSV, query, write_file

from orchestration.cli import run_pipeline
from orchestration.settings import Settings

pytestmark = pytest.mark.slow  # builds real warehouses

OBSERVATORY = str(Path(sys.executable).with_name("observatory"))
USERS_CSV = """user_id,site_id,role,provisioned_date
jane.doe@example.com,S1,picker,2026-01-01
john.roe@example.com,S1,receiver,2026-01-01
"""
USAGE_CSV = """event_id,user_id,occurred_at,transaction_code,channel
E1,jane.doe@example.com,2026-01-05T10:00:00Z,VA01,ui
E2,john.roe@example.com,2026-01-05T11:00:00Z,MB51,export
"""
SECOND_DELIVERY = "order_id,site_id,created_at,requested_ship_date,status\nO4,S1,2026-01-06T09:00:00Z,2026-01-07,open\n"


def make_extracts(folder: Path, with_second_delivery: bool) -> Path:
    write_file(folder, "sites", "sites_20260105.csv", SITES_CSV)
    write_file(folder, "sales_orders", "sales_orders_20260105.csv", ORDERS_CSV)
    write_file(folder, "users", "users_20260105.csv", USERS_CSV)
    write_file(folder, "usage_events", "usage_events_20260105.csv", USAGE_CSV)
    if with_second_delivery:
        write_file(folder, "sales_orders", "sales_orders_20260106.csv", SECOND_DELIVERY)
    return folder


# Which run loaded a row is lineage, not a result: it differs between any two runs by design.
RUN_LINEAGE_COLUMNS = {"load_id"} | BUILD_TIME_COLUMNS


def snapshot(warehouse: Path, ignore: set[str] = RUN_LINEAGE_COLUMNS) -> dict[str, list[tuple]]:
    """Every published relation's rows (less run lineage), sorted: the results readers see."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        columns = con.execute(
            "select schema_name, table_name, list(column_name order by column_index) from duckdb_columns() "
            "where schema_name in ('staging', 'marts') group by all"
        ).fetchall()
        result = {}
        for schema, name, names in columns:
            kept = ", ".join(f'"{column}"' for column in names if column not in ignore)
            rows = con.execute(f'select {kept} from "{schema}"."{name}"').fetchall()
            result[f"{schema}.{name}"] = sorted(rows, key=repr)
        return result


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def reliability(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A warehouse published from the first delivery (the template each test copies), and the reference: an
    uninterrupted run over both deliveries."""
    root = tmp_path_factory.mktemp("reliability")
    first = make_extracts(root / "first", with_second_delivery=False)
    template = root / "template" / "warehouse.duckdb"
    run_pipeline(Settings.from_env(first, template), "ERROR")
    both = make_extracts(root / "both", with_second_delivery=True)
    reference = root / "reference" / "warehouse.duckdb"
    run_pipeline(Settings.from_env(both, reference), "ERROR")
    return {"template": template, "both": both, "reference": reference}


def copy_template(template: Path, destination: Path) -> Path:
    shutil.copytree(template.parent, destination)
    return destination / template.name


def run_and_kill(extracts: Path, warehouse: Path, should_kill: Callable[[str], bool], timeout: float = 300) -> int:
    """Start `observatory run` in its own process group and SIGKILL the whole group when should_kill says so."""
    process = subprocess.Popen(
        [OBSERVATORY, "run", "--verbose", "--extracts", str(extracts), "--warehouse", str(warehouse)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    killed = threading.Event()

    def kill() -> None:
        if not killed.is_set():
            killed.set()
            os.killpg(process.pid, signal.SIGKILL)

    def watch_files() -> None:
        while process.poll() is None and not killed.is_set():
            if should_kill(""):
                kill()
            time.sleep(0.002)

    watcher = threading.Thread(target=watch_files, daemon=True)
    watcher.start()
    deadline = time.monotonic() + timeout
    assert process.stdout is not None
    for line in process.stdout:
        if should_kill(line):
            kill()
        if time.monotonic() > deadline:
            kill()
    process.wait()
    watcher.join()
    assert killed.is_set(), "the run finished before the moment it was meant to be killed"
    return process.returncode


def publishing_file_exists(warehouse: Path) -> Callable[[str], bool]:
    return lambda line: any(warehouse.parent.glob(f".{warehouse.name}.*.publishing"))


KILL_MOMENTS = {
    "load": lambda warehouse: lambda line: "raw__sales_orders" in line and "STEP_START" in line,
    "dbt": lambda warehouse: lambda line: "START sql table model" in line,
    "publish": publishing_file_exists,
}


@pytest.mark.parametrize("moment", list(KILL_MOMENTS))
def test_sigkill_leaves_published_warehouse_intact_and_next_run_equals_an_uninterrupted_one(
    moment: str, reliability: dict[str, Path], tmp_path: Path
):
    warehouse = copy_template(reliability["template"], tmp_path / "published")
    before = digest(warehouse)
    returncode = run_and_kill(reliability["both"], warehouse, KILL_MOMENTS[moment](warehouse))
    assert returncode == -signal.SIGKILL
    assert digest(warehouse) == before
    assert query(warehouse, "select count(*) from staging.stg_erp__sales_orders") == [(3,)]

    run_pipeline(Settings.from_env(reliability["both"], warehouse), "ERROR")
    assert snapshot(warehouse) == snapshot(reliability["reference"])
    assert not list(warehouse.parent.glob("*.publishing"))


def test_readers_during_a_publish_see_the_old_or_the_new_warehouse_never_a_mix(
    reliability: dict[str, Path], tmp_path: Path
):
    warehouse = copy_template(reliability["template"], tmp_path / "published")
    seen: list[tuple[str, int]] = []
    errors: list[str] = []
    stop = threading.Event()

    def read_like_the_dashboard() -> None:
        while not stop.is_set():
            try:
                with duckdb.connect(str(warehouse), read_only=True) as con:
                    (run_id,) = con.execute("select run_id from meta.publish_info").fetchone()
                    (orders,) = con.execute("select count(*) from staging.stg_erp__sales_orders").fetchone()
                seen.append((run_id, orders))
            except Exception as error:  # any reader failure is what this test counts
                errors.append(repr(error))

    readers = [threading.Thread(target=read_like_the_dashboard) for _ in range(2)]
    for reader in readers:
        reader.start()
    try:
        run_pipeline(Settings.from_env(reliability["both"], warehouse), "ERROR")
        time.sleep(0.5)
    finally:
        stop.set()
        for reader in readers:
            reader.join()
    assert errors == []
    versions = {}
    for run_id, orders in seen:
        versions.setdefault(run_id, set()).add(orders)
    assert len(versions) == 2, "readers saw both the old and the new warehouse"
    assert sorted(count for counts in versions.values() for count in counts) == [3, 4]


def test_two_runs_over_the_same_extracts_publish_identical_relations(reliability: dict[str, Path], tmp_path: Path):
    warehouse = tmp_path / "again" / "warehouse.duckdb"
    run_pipeline(Settings.from_env(reliability["both"], warehouse), "ERROR")
    first = snapshot(warehouse)
    run_pipeline(Settings.from_env(reliability["both"], warehouse), "ERROR")
    assert snapshot(warehouse) == first == snapshot(reliability["reference"])


def test_a_redelivered_identical_file_changes_nothing(reliability: dict[str, Path], tmp_path: Path):
    extracts = tmp_path / "extracts"
    shutil.copytree(reliability["both"], extracts)
    shutil.copy(
        extracts / "sales_orders" / "sales_orders_20260106.csv", extracts / "sales_orders" / "sales_orders_20260107.csv"
    )
    warehouse = tmp_path / "published" / "warehouse.duckdb"
    run_pipeline(Settings.from_env(extracts, warehouse), "ERROR")
    # The rows now come from the later file of the two identical ones; every value stays the same, and the
    # data-quality report counts the earlier copy's rows as superseded versions (history, not lost).
    file_lineage = RUN_LINEAGE_COLUMNS | {"source_file_name"}
    redelivered, reference = snapshot(warehouse, file_lineage), snapshot(reliability["reference"], file_lineage)
    superseded = redelivered.pop("marts.data_quality")
    reference.pop("marts.data_quality")
    # The delivery record names the copy: sales_orders has one more current file, and the copy is the newest.
    freshness = {row[0]: row for row in redelivered.pop("marts.entity_freshness")}
    reference_freshness = {row[0]: row for row in reference.pop("marts.entity_freshness")}
    assert {entity for entity in freshness if freshness[entity] != reference_freshness[entity]} == {"sales_orders"}
    assert redelivered == reference
    assert [row[:3] for row in superseded] == [("superseded_version", "sales_orders", "sales_orders_20260106.csv")]


def test_published_warehouse_holds_no_raw_user_id_and_the_key_lives_outside_it(reliability: dict[str, Path]):
    warehouse = reliability["reference"]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        text_columns = con.execute(
            "select schema_name, table_name, column_name from duckdb_columns() where data_type = 'VARCHAR'"
        ).fetchall()
        for schema, table, column in text_columns:
            hits = con.execute(
                f'select count(*) from "{schema}"."{table}" where "{column}" like \'%example.com%\''
            ).fetchone()[0]
            assert hits == 0, f"{schema}.{table}.{column} holds a raw user id"
        pseudonyms = con.execute("select user_id from staging.stg_erp__users order by 1").fetchall()
    assert len(pseudonyms) == 2 and all(user_id.startswith("u_") for (user_id,) in pseudonyms)
    key_file = Settings.from_env().pseudonym_key_file
    assert key_file.exists() and stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert warehouse.resolve() not in key_file.resolve().parents
    assert key_file.read_text().strip() not in warehouse.read_bytes().decode("latin-1")


def test_usage_events_still_join_their_user_after_pseudonymisation(reliability: dict[str, Path]):
    joined = query(
        reliability["reference"],
        "select count(*) from staging.stg_erp__usage_events as events "
        "inner join staging.stg_erp__users as users on users.user_id = events.user_id",
    )
    assert joined == [(2,)]


def test_dashboard_binds_to_loopback_unless_told_otherwise(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("OBSERVATORY_DASHBOARD_HOST", raising=False)
    assert Settings.from_env().dashboard_host == "127.0.0.1"
