"""The loader and staging layer keep the contract's promise: every delivered row is loaded, typed and
deduplicated, or kept aside with its reason; never lost, never doubled."""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb
import pytest
from conftest import SITES_CSV, Run, query, write_file

from orchestration.cli import CommandError
from orchestration.contract import load_contract
from orchestration.settings import Settings

pytestmark = pytest.mark.slow  # builds real warehouses


def work_query(warehouse: Path, sql: str) -> list[tuple]:
    """Query the run's working database (raw and base layers are not published)."""
    with duckdb.connect(str(Settings.from_env(warehouse_path=warehouse).work_database), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_round_trip_publishes_every_staging_relation_and_reloading_the_same_files_changes_nothing(
    extracts: Path, run: Run
):
    warehouse = run(extracts)
    relations = {
        name for (name,) in query(warehouse, "select table_name from duckdb_tables() where schema_name = 'staging'")
    }
    for entity in load_contract().extracts:
        assert f"stg_erp__{entity.name}" in relations
    assert "stg_erp__rejects" in relations
    orders = query(warehouse, "select order_id, created_at from staging.stg_erp__sales_orders order by order_id")
    # An offset is that instant; no offset is UTC.
    assert [(order_id, str(created_at)) for order_id, created_at in orders] == [
        ("O1", "2026-01-05 10:00:00"),
        ("O2", "2026-01-05 11:00:00"),
        ("O3", "2026-01-05 11:00:00"),
    ]
    assert query(warehouse, "select count(*) from staging.stg_erp__rejects") == [(0,)]

    # Reloading the same files reads nothing again and changes nothing.
    before = query(warehouse, "select * exclude (load_id) from staging.stg_erp__sales_orders order by order_id")
    raw_before = work_query(warehouse, "select count(*) from raw.sales_orders")
    run(extracts)
    after = query(warehouse, "select * exclude (load_id) from staging.stg_erp__sales_orders order by order_id")
    assert after == before
    assert work_query(warehouse, "select count(*) from raw.sales_orders") == raw_before
    assert work_query(warehouse, "select count(*) from raw._deliveries where entity = 'sales_orders'") == [(1,)]


BAD_ORDERS = """order_id,site_id,channel,entry_method,created_at,requested_ship_date,status,Unexpected
B1,,edi,system,2026-01-05T10:00:00Z,2026-01-06,open,x
B2,S1,edi,system,yesterday,2026-01-06,open,x
B3,S1,edi,system,2026-01-05T10:00:00Z,2026-02-30,open,x
B4,S1,edi,system,1969-12-31T23:00:00Z,2026-01-06,open,x
B5,S1,EDI-IN,system,2026-01-05T10:00:00Z,2026-01-06,CANCELLED,x
B6,S1,fax,system,2026-01-05T10:00:00Z,2026-01-06,open,x
B7,S1,edi
B8,S1,edi,system,2026-01-05T10:00:00Z,2026-01-06,open,x
"""

BAD_LINES = """order_id,line_number,item_id,ordered_qty,unit_price,is_cancelled
B8,1,I1,abc,1.00,false
B8,2,I1,0,1.00,false
B8,1.5,I1,1,1.00,false
B8,3,I1,2,n/a,maybe
B8,4,I1,0.3,1.00,
"""


@pytest.fixture(scope="module")
def bad_delivery(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One run over a delivery with a fault of every kind; the tests below read what it published."""
    from orchestration.cli import run_pipeline

    folder = tmp_path_factory.mktemp("bad") / "extracts"
    write_file(folder, "sites", "sites_1.csv", SITES_CSV + "S3,Mars DC,Space,LE-X,Mars/Olympus,,wave-3,legacy\n")
    write_file(folder, "sales_orders", "sales_orders_1.csv", BAD_ORDERS)
    write_file(folder, "sales_orders", "sales_orders_2.csv", "order_id,site_id,status\nB9,S1,open\n")
    write_file(
        folder,
        "sales_orders",
        "sales_orders_3.csv",
        "order_id,site_id,created_at,requested_ship_date,status\n"
        "B8,S1,2026-01-05T10:00:00Z,2026-01-06,released\n"
        "B8,S1,2026-01-05T10:00:00Z,2026-01-06,closed\n",
    )
    write_file(
        folder,
        "process_standard",
        "process_standard.csv",
        "step,activity,is_required\n1,order_created,true\n2,shipped,true\n3,invoiced,false\n",
    )
    write_file(folder, "sales_order_lines", "lines_1.csv", BAD_LINES)
    write_file(
        folder,
        "code_map",
        "code_map.csv",
        "domain,source_code,canonical_code,source_system\nsales_orders.channel,edi-in,edi,legacy\n",
    )
    warehouse = folder.parent / "warehouse.duckdb"
    run_pipeline(Settings.from_env(folder, warehouse), "ERROR")
    return warehouse


def rejects(warehouse: Path, entity: str) -> set[tuple]:
    return set(
        query(
            warehouse,
            "select file_name, row_number, column_name, reason from staging.stg_erp__rejects where entity = ?",
            [entity],
        )
    )


def test_each_invalid_required_value_rejects_the_row_with_file_row_column_and_reason(bad_delivery: Path):
    assert {
        ("sales_orders_1.csv", 1, "site_id", "missing_value"),
        ("sales_orders_1.csv", 2, "created_at", "invalid_timestamp"),
        ("sales_orders_1.csv", 3, "requested_ship_date", "impossible_date"),
        ("sales_orders_1.csv", 4, "created_at", "implausible_date"),
    } <= rejects(bad_delivery, "sales_orders")
    assert {
        ("lines_1.csv", 1, "ordered_qty", "invalid_decimal"),
        ("lines_1.csv", 2, "ordered_qty", "not_positive"),
        ("lines_1.csv", 3, "line_number", "invalid_int"),
    } <= rejects(bad_delivery, "sales_order_lines")
    assert ("sites_1.csv", 3, "timezone", "unknown_timezone") in rejects(bad_delivery, "sites")
    kept = query(bad_delivery, "select order_id from staging.stg_erp__sales_orders order by order_id")
    assert kept == [("B5",), ("B6",), ("B8",)]


def test_malformed_line_is_kept_with_its_row_number_and_later_rows_keep_theirs(bad_delivery: Path):
    assert ("sales_orders_1.csv", 7, "entry_method", "malformed_line") in rejects(bad_delivery, "sales_orders")
    later_row = work_query(
        bad_delivery,
        "select _row_number from base.base_erp__sales_orders "
        "where order_id = 'B8' and _file_name = 'sales_orders_1.csv'",
    )
    assert later_row == [(8,)]


def test_header_without_a_required_column_rejects_that_file_only_and_names_it(bad_delivery: Path):
    rows = query(
        bad_delivery,
        "select file_name, column_name, reason, message from staging.stg_erp__rejects "
        "where file_name = 'sales_orders_2.csv'",
    )
    assert len(rows) == 1
    file_name, column, reason, message = rows[0]
    assert (file_name, column, reason) == ("sales_orders_2.csv", "created_at", "file_rejected_missing_required_column")
    assert "sales_orders_2.csv" in message and "created_at" in message


def test_invalid_optional_value_is_nulled_and_the_row_flagged(bad_delivery: Path):
    rows = query(
        bad_delivery,
        "select line_number, unit_price, is_cancelled, is_flagged from staging.stg_erp__sales_order_lines order by 1",
    )
    assert (3, None, None, True) in rows
    exact = query(bad_delivery, "select ordered_qty from staging.stg_erp__sales_order_lines where line_number = 4")
    assert str(exact[0][0]).rstrip("0") == "0.3"


def test_unknown_codes_are_flagged_not_rejected_and_code_map_maps_legacy_codes(bad_delivery: Path):
    rows = query(
        bad_delivery,
        "select order_id, channel, has_unknown_channel, status, has_unknown_status, is_flagged "
        "from staging.stg_erp__sales_orders where order_id in ('B5', 'B6') order by order_id",
    )
    assert rows == [
        ("B5", "edi", False, "cancelled", False, False),
        ("B6", "fax", True, "open", False, True),
    ]


def test_every_file_balances_rows_in_against_rows_loaded_and_rejected(bad_delivery: Path):
    books = work_query(
        bad_delivery, "select file_name, rows_in, rows_loaded, rows_rejected, status from raw._deliveries order by 1"
    )
    for _, rows_in, loaded, rejected, _ in books:
        assert rows_in == loaded + rejected
    assert ("sales_orders_1.csv", 8, 7, 1, "loaded") in books
    assert ("sales_orders_2.csv", 1, 0, 1, "rejected") in books
    raw_rows = work_query(bad_delivery, "select count(*) from raw.sales_orders where _file_name = 'sales_orders_1.csv'")
    assert raw_rows == [(7,)]


def test_latest_file_wins_then_last_row_and_superseded_versions_stay_as_history(bad_delivery: Path):
    assert query(bad_delivery, "select status from staging.stg_erp__sales_orders where order_id = 'B8'") == [
        ("closed",)
    ]
    versions = work_query(
        bad_delivery,
        "select _file_name, _row_number, _is_latest from base.base_erp__sales_orders "
        "where order_id = 'B8' order by _file_name desc, _row_number desc",
    )
    assert versions == [
        ("sales_orders_3.csv", 2, True),
        ("sales_orders_3.csv", 1, False),
        ("sales_orders_1.csv", 8, False),
    ]


def test_delivered_reference_table_replaces_the_shipped_default(bad_delivery: Path):
    rows = query(
        bad_delivery, "select step, activity, is_required from staging.stg_reference__process_standard order by step"
    )
    assert rows == [(1, "order_created", True), (2, "shipped", True), (3, "invoiced", False)]


def test_failed_build_names_the_failing_test_and_leaves_the_published_file_byte_identical(extracts: Path, run: Run):
    warehouse = run(extracts)
    published = hashlib.sha256(warehouse.read_bytes()).hexdigest()
    write_file(
        extracts,
        "kpi_targets",
        "kpi_targets.csv",
        "kpi,direction,target,amber_threshold,red_threshold,recovery_tolerance\nline_fill_rate,sideways,0.9,0.8,0.7,0.1\n",
    )
    with pytest.raises(CommandError, match="accepted_values_stg_reference__kpi_targets_direction"):
        run(extracts, warehouse)
    assert hashlib.sha256(warehouse.read_bytes()).hexdigest() == published
    assert query(warehouse, "select count(*) from staging.stg_erp__sales_orders") == [(3,)]
