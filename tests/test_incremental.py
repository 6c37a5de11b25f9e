"""Incremental runs: loading the bundled sample's deliveries in three steps, with an old file delivered first in
a changed version and later re-delivered under the same name, gives the same warehouse as one full run."""

from __future__ import annotations

import csv
import io
import json
import math
import shutil
from pathlib import Path

import duckdb
import pytest
from conftest import BUILD_TIME_COLUMNS

from orchestration.cli import run_pipeline
from orchestration.settings import SAMPLE_EXTRACTS_DIR, Settings

pytestmark = pytest.mark.slow  # builds real warehouses

CUTS = ("20260220", "20260331")  # deliveries up to these days arrive in the first and second run


SCOPED_MODELS = {
    "kpi_daily",
    "int_order_line_fills",
    "int_order_fulfilment",
    "int_case_conformance",
    "int_active_users_daily",
    "int_user_transactions_daily",
    "kpi_detail_order_lines",
    "kpi_detail_orders",
    "kpi_detail_picks",
    "kpi_detail_cases",
}


def deliver(target: Path, up_to: str | None, after: str | None = None) -> None:
    """Copy the sample's files delivered in (after, up_to] (undated files go with the first step)."""
    for source in SAMPLE_EXTRACTS_DIR.rglob("*.csv"):
        day = source.stem.rsplit("_", 1)[-1]
        dated = day.isdigit() and len(day) == 8
        if (not dated and after is None) or (
            dated and (after is None or day > after) and (up_to is None or day <= up_to)
        ):
            destination = target / source.relative_to(SAMPLE_EXTRACTS_DIR)
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, destination)


def tamper(path: Path, change: dict[str, str], extra_key: str) -> None:
    """An earlier, different version of a delivered file: every row changed, plus one row that the file's
    final version does not have."""
    rows = list(csv.DictReader(io.StringIO(path.read_text())))
    for row in rows:
        row.update(change)
    rows.append({**rows[0], **{next(iter(rows[0])): extra_key}})
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(out.getvalue())


def relations(warehouse: Path) -> dict[str, list[tuple]]:
    """Every published staging and mart relation as sorted rows, without the columns that name a load or say when
    the build ran."""
    result = {}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        tables = con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_schema in ('staging', 'marts') order by all"
        ).fetchall()
        for schema, table in tables:
            columns = [
                name
                for (name,) in con.execute(
                    "select column_name from information_schema.columns "
                    "where table_schema = ? and table_name = ? order by ordinal_position",
                    [schema, table],
                ).fetchall()
                if name != "load_id" and name not in BUILD_TIME_COLUMNS
            ]
            select = ", ".join(f'"{name}"' for name in columns)
            rows = con.execute(f'select {select} from {schema}."{table}"').fetchall()
            result[f"{schema}.{table}"] = sorted(rows, key=lambda row: tuple(repr(value) for value in row))
    return result


def active_alerts(warehouse: Path) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(
            "select alert_key, rule, site_id, kpi, entity, severity, message from marts.alerts where is_active "
            "order by alert_key"
        ).fetchall()


def same_rows(left: list[tuple], right: list[tuple]) -> bool:
    """Equal row for row, floats within 1e-9 (a sum of doubles depends on the order DuckDB adds them)."""
    if len(left) != len(right):
        return False
    for row_left, row_right in zip(left, right, strict=True):
        for a, b in zip(row_left, row_right, strict=True):
            if isinstance(a, float) and isinstance(b, float):
                if not math.isclose(a, b, rel_tol=0, abs_tol=1e-9):
                    return False
            elif a != b:
                return False
    return True


def last_build(warehouse: Path) -> dict:
    build_dir = warehouse.parent / f".{warehouse.name}.build"
    return json.loads((build_dir / "dbt_target" / "run_results.json").read_text())


def build_args(warehouse: Path) -> dict:
    return last_build(warehouse)["args"]


def site_day_scoped_models(warehouse: Path) -> set[str]:
    """The models the last build computed over the touched site-days only."""
    return {
        result["unique_id"].split(".")[-1]
        for result in last_build(warehouse)["results"]
        if "touched_site_days" in (result.get("compiled_code") or "") and result["unique_id"].startswith("model.")
    }


def test_day_by_day_loading_equals_one_full_run(tmp_path: Path, sample_warehouse: Path):
    landing = tmp_path / "landing"
    warehouse = tmp_path / "incremental" / "warehouse.duckdb"
    settings = Settings.from_env(landing, warehouse)
    lines = landing / "sales_order_lines" / "sales_order_lines_20260110.csv"
    picks = landing / "picks" / "picks_20260110.csv"

    deliver(landing, CUTS[0])
    tamper(lines, {"ordered_qty": "999"}, "SO9999999")
    tamper(picks, {"error_code": "wrong_item"}, "PK99999999")
    run_pipeline(settings, "ERROR")
    assert build_args(warehouse).get("full_refresh") is True  # the first build of a warehouse
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select count(*) from staging.stg_erp__picks where pick_id = 'PK99999999'").fetchall() == [
            (1,)
        ]

    deliver(landing, CUTS[1], after=CUTS[0])
    run_pipeline(settings, "ERROR")
    assert not build_args(warehouse).get("full_refresh")

    deliver(landing, None, after=CUTS[1])
    for path in (lines, picks):  # the final version of the old files, under the same names
        shutil.copyfile(SAMPLE_EXTRACTS_DIR / path.relative_to(landing), path)
    run_pipeline(settings, "ERROR")
    assert not build_args(warehouse).get("full_refresh")
    assert site_day_scoped_models(warehouse) >= SCOPED_MODELS
    with duckdb.connect(str(settings.work_database), read_only=True) as con:  # the region the last run recomputed
        assert con.execute("select count(*) > 0 from intermediate.int_touched_site_days").fetchall() == [(True,)]

    incremental, full = relations(warehouse), relations(sample_warehouse)
    assert incremental.keys() == full.keys()
    # marts.alerts is the history of the runs, not only of the data: three runs raise (and clear) alerts one run
    # never sees, and spend a site's daily budget in another order. What holds now must agree.
    incremental.pop("marts.alerts"), full.pop("marts.alerts")
    assert active_alerts(warehouse) == active_alerts(sample_warehouse)
    assert same_rows(incremental["marts.kpi_daily"], full["marts.kpi_daily"])
    differing = [name for name in full if not same_rows(incremental[name], full[name])]
    assert differing == [], {name: set(incremental[name]) ^ set(full[name]) for name in differing}
