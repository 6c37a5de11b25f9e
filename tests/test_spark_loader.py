"""The Spark loader writes the same raw rows as the DuckDB loader: same columns as text, same file names and
hashes, same 1-based row numbers (so last-file-wins picks the same rows), same pseudonyms, same file rejects."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
import yaml
from conftest import write_file

from orchestration import ingest
from orchestration.contract import load_contract
from orchestration.engines import spark as spark_engine
from orchestration.settings import DBT_PROJECT_DIR

KEY = "test-key"

# A quoted field across two lines, a quoted comma and an empty value: row numbers count data rows, not lines.
PICKS_CSV = (
    "pick_id,site_id,order_id,line_number,item_id,location_id,user_id,requested_qty,picked_qty,picked_at\n"
    'P1,S1,O1,1,I1,"A,1",u1,2,2,2026-01-05T10:00:00Z\n'
    'P2,S1,O1,2,I2,"B\n2",u2,1,1,2026-01-05T11:00:00Z\n'
    "P3,S1,,,I3,C3,,5,4,2026-01-05T12:00:00Z\n"
)
PICKS_LATER_CSV = (
    "pick_id,site_id,order_id,line_number,item_id,location_id,user_id,requested_qty,picked_qty,picked_at\n"
    "P1,S1,O1,1,I1,A1,u1,2,1,2026-01-06T10:00:00Z\n"
)


@pytest.fixture(scope="module")
def spark(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    session = spark_engine.start_session(tmp_path_factory.mktemp("spark_loader"))
    yield session
    session.stop()


# What a loaded file's raw._deliveries row says on either engine (the load id and instant differ by run).
LOADED_FILES = (
    "select entity, file_name, file_hash, file_format, rows_in, rows_loaded, rows_rejected, status, message, "
    "extra_columns, is_current, file_modified_at from raw._deliveries where status = 'loaded'"
)


def duckdb_raw(extracts: Path, entity_name: str) -> tuple[list[tuple], list[tuple]]:
    """The raw rows and the loaded files' delivery records the DuckDB loader writes."""
    entity = load_contract().entity(entity_name)
    with duckdb.connect() as con:
        ingest.ensure_raw_schema(con, [entity])
        ingest.load_entity(con, entity, extracts, "load", KEY)
        columns = ", ".join([*entity.column_names, "_file_name", "_file_hash", "_row_number"])
        rows = sorted(con.execute(f"select {columns} from raw.{entity_name}").fetchall())
        return rows, sorted(con.execute(LOADED_FILES).fetchall())


@pytest.mark.slow
def test_spark_loader_writes_the_rows_duckdb_loader_writes(tmp_path: Path, spark) -> None:
    extracts = tmp_path / "extracts"
    write_file(extracts, "picks", "picks_20260105.csv", PICKS_CSV)
    write_file(extracts, "picks", "picks_20260106.csv", PICKS_LATER_CSV)
    write_file(extracts, "picks", "picks_20260107.csv", "pick_id,site_id\nP9,S1\n")
    entity = load_contract().entity("picks")
    # The process may already hold a session with the sample loaded (tests/test_engines.py in the same worker).
    for table in ("picks", "_deliveries", "_folders", "_file_rejects", "_line_rejects"):
        spark.sql(f"drop table if exists raw.{table}")
    spark_engine.ensure_raw_schema(spark, [entity])
    records = spark_engine.LoaderRecords()
    spark_engine.load_entity(spark, entity, extracts, "load", KEY, records)
    records.write(spark)
    columns = ", ".join([*entity.column_names, "_file_name", "_file_hash", "_row_number"])
    actual = sorted(tuple(row) for row in spark.sql(f"select {columns} from raw.picks").collect())
    expected, expected_files = duckdb_raw(extracts, "picks")
    assert len(expected) == 4
    assert actual == expected
    assert sorted(tuple(row) for row in spark.sql(LOADED_FILES).collect()) == expected_files
    assert [(reject.file_name, reject.reason) for reject in records.file_rejects] == [
        ("picks_20260107.csv", "missing_required_column")
    ]
    assert sorted((record.file_name, record.rows_in, record.status) for record in records.deliveries) == [
        ("picks_20260105.csv", 3, "loaded"),
        ("picks_20260106.csv", 1, "loaded"),
        ("picks_20260107.csv", None, "rejected"),
    ]


def test_session_settings_match_the_spark_profile(tmp_path: Path) -> None:
    """The loader starts the session dbt then reuses: the settings dbt would apply must be the same."""
    profile = yaml.safe_load((DBT_PROJECT_DIR / "profiles.yml").read_text())["observatory"]["outputs"]["spark"]
    assert profile["method"] == "session"
    assert set(profile["server_side_parameters"]) | {"spark.sql.ansi.enabled"} == set(
        spark_engine.spark_config(tmp_path)
    )
