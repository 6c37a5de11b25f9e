"""The bad-input matrix: deliveries an ERP team could send under pressure, each with its expected outcome.

Every case is a file (or a row of one) with keys of its own, so all of them are delivered together in one run on
top of a good baseline. Each case asserts its outcome: a whole-file reject naming the file, a rejected row naming
file, row, column and reason, a flagged row, a loaded row, or a file that is not a delivery at all. Two invariants
hold for every file: rows in = rows loaded + rows rejected, and what the baseline loaded is unchanged.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import SITES_CSV, query, write_file

from orchestration.cli import run_pipeline
from orchestration.settings import Settings

pytestmark = pytest.mark.slow  # builds real warehouses

ORDER_HEADER = "order_id,site_id,channel,entry_method,created_at,requested_ship_date,status"
LINE_HEADER = "order_id,line_number,item_id,ordered_qty,unit_price,is_cancelled"


def order(order_id: str, **overrides: str) -> str:
    values = {
        "order_id": order_id,
        "site_id": "S1",
        "channel": "edi",
        "entry_method": "system",
        "created_at": "2026-01-05T10:00:00Z",
        "requested_ship_date": "2026-01-06",
        "status": "open",
    } | overrides
    return ",".join(values[name] for name in ORDER_HEADER.split(","))


def orders_file(*rows: str, header: str = ORDER_HEADER) -> str:
    return "\n".join([header, *rows]) + "\n"


def parquet_bytes(table: dict[str, list[str]]) -> bytes:
    buffer = io.BytesIO()
    pq.write_table(pa.table(table), buffer)
    return buffer.getvalue()


@dataclass
class Case:
    """One bad delivery: the files it adds and what must come of them."""

    name: str
    files: list[tuple[str, str, str | bytes]]  # (entity, file name, content)
    outcome: str  # file_rejected | row_rejected | flagged | loaded | ignored
    expect: dict = field(default_factory=dict)


CASES = [
    Case("empty_file", [("sales_orders", "c01_empty.csv", "")], "file_rejected", {"reason": "empty_file"}),
    Case("header_only", [("sales_orders", "c02_header.csv", ORDER_HEADER + "\n")], "loaded", {"rows": 0}),
    Case(
        "byte_order_mark",
        [("sales_orders", "c03_bom.csv", b"\xef\xbb\xbf" + orders_file(order("C03")).encode())],
        "loaded",
        {"keys": ["C03"]},
    ),
    Case("crlf_line_ends", [("sales_orders", "c04_crlf.csv", orders_file(order("C04")).replace("\n", "\r\n"))], "loaded", {"keys": ["C04"]}),
    Case(
        "semicolon_delimited",
        [("sales_orders", "c05_semicolon.csv", orders_file(order("C05")).replace(",", ";"))],
        "file_rejected",
        {"reason": "not_comma_separated"},
    ),
    Case(
        "quoted_newline",
        [("sales_orders", "c06_newline.csv", "order_id,site_id,customer_id,created_at,requested_ship_date\n"
          'C06,S1,"ACME\nEurope",2026-01-05T10:00:00Z,2026-01-06\n')],
        "loaded",
        {"keys": ["C06"], "column": ("customer_id", "ACME\nEurope")},
    ),
    Case(
        "missing_required_column",
        [("sales_orders", "c07_missing.csv", "order_id,site_id,created_at\nC07,S1,2026-01-05T10:00:00Z\n")],
        "file_rejected",
        {"reason": "missing_required_column", "column": "requested_ship_date"},
    ),
    Case(
        "renamed_column",
        [("sales_orders", "c08_renamed.csv", orders_file(order("C08"), header=ORDER_HEADER.replace("created_at", "creation_date")))],
        "file_rejected",
        {"reason": "missing_required_column", "column": "created_at"},
    ),
    Case(
        "extra_column",
        [("sales_orders", "c09_extra.csv", orders_file(order("C09") + ",x", header=ORDER_HEADER + ",warehouse_note"))],
        "loaded",
        {"keys": ["C09"], "extra_columns": ["warehouse_note"]},
    ),
    Case(
        "duplicate_column",
        [("sales_orders", "c10_dupcol.csv", orders_file(order("C10") + ",S2", header=ORDER_HEADER + ",site_id"))],
        "file_rejected",
        {"reason": "duplicate_column", "column": "site_id"},
    ),
    Case(
        "headers_in_other_case_and_order",
        [("sales_orders", "c11_case.csv", "REQUESTED_SHIP_DATE, Order_ID ,Site_Id,Created_At\n2026-01-06,C11,S1,2026-01-05T10:00:00Z\n")],
        "loaded",
        {"keys": ["C11"]},
    ),
    Case(
        "text_in_int_column",
        [("sales_order_lines", "c12_int.csv", f"{LINE_HEADER}\nC12,one,I1,1,1.0,false\n")],
        "row_rejected",
        {"row": 1, "column": "line_number", "reason": "invalid_int"},
    ),
    Case(
        "comma_decimal",
        [("sales_order_lines", "c13_decimal.csv", f'{LINE_HEADER}\nC13,1,I1,"1,5",1.0,false\n')],
        "row_rejected",
        {"row": 1, "column": "ordered_qty", "reason": "invalid_decimal"},
    ),
    Case(
        "text_in_required_bool",
        [("purchase_orders", "c14_bool.csv", "po_id,site_id,approval_required,created_at\nC14,S1,maybe,2026-01-05T10:00:00Z\n")],
        "row_rejected",
        {"row": 1, "column": "approval_required", "reason": "invalid_bool"},
    ),
    Case(
        "text_in_optional_bool",
        [("sales_order_lines", "c15_bool.csv", f"{LINE_HEADER}\nC15,1,I1,1,1.0,perhaps\n")],
        "flagged",
        {"entity": "sales_order_lines", "key": ("order_id", "C15"), "column": "is_cancelled"},
    ),
    Case(
        "date_in_another_format",
        [("sales_orders", "c16_date.csv", orders_file(order("C16", requested_ship_date="06/01/2026")))],
        "row_rejected",
        {"row": 1, "column": "requested_ship_date", "reason": "invalid_date"},
    ),
    Case(
        "date_without_zero_padding",
        [("sales_orders", "c17_date.csv", orders_file(order("C17", requested_ship_date="2026-1-6")))],
        "row_rejected",
        {"row": 1, "column": "requested_ship_date", "reason": "invalid_date"},
    ),
    Case(
        "text_in_timestamp",
        [("sales_orders", "c18_ts.csv", orders_file(order("C18", created_at="yesterday")))],
        "row_rejected",
        {"row": 1, "column": "created_at", "reason": "invalid_timestamp"},
    ),
    Case(
        "timestamp_in_another_format",
        [("sales_orders", "c19_ts.csv", orders_file(order("C19", created_at="05/01/2026 10:00")))],
        "row_rejected",
        {"row": 1, "column": "created_at", "reason": "invalid_timestamp"},
    ),
    Case(
        "naive_timestamp_is_utc",
        [("sales_orders", "c20_naive.csv", orders_file(order("C20", created_at="2026-01-05T23:30:00")))],
        "loaded",
        {"keys": ["C20"], "column": ("created_at", "2026-01-05 23:30:00")},
    ),
    Case(
        "offset_timestamp_is_that_instant",
        [("sales_orders", "c21_offset.csv", orders_file(order("C21", created_at="2026-01-05T23:30:00-06:00")))],
        "loaded",
        {"keys": ["C21"], "column": ("created_at", "2026-01-06 05:30:00")},
    ),
    Case(
        "impossible_date",
        [("sales_orders", "c22_feb30.csv", orders_file(order("C22", requested_ship_date="2026-02-30")))],
        "row_rejected",
        {"row": 1, "column": "requested_ship_date", "reason": "impossible_date"},
    ),
    Case(
        "impossible_timestamp",
        [("sales_orders", "c23_feb30.csv", orders_file(order("C23", created_at="2026-02-30T10:00:00Z")))],
        "row_rejected",
        {"row": 1, "column": "created_at", "reason": "impossible_date"},
    ),
    Case(
        "far_future_timestamp",
        [("sales_orders", "c24_future.csv", orders_file(order("C24", created_at="2150-01-01T00:00:00Z")))],
        "row_rejected",
        {"row": 1, "column": "created_at", "reason": "implausible_date"},
    ),
    Case(
        "far_past_date",
        [("sales_orders", "c25_past.csv", orders_file(order("C25", requested_ship_date="1900-01-01")))],
        "row_rejected",
        {"row": 1, "column": "requested_ship_date", "reason": "implausible_date"},
    ),
    Case(
        "still_open_sentinel_in_optional_timestamp",
        [("exceptions", "c26_sentinel.csv", "exception_id,site_id,exception_type,opened_at,resolved_at\n"
          "C26,S1,shortage,2026-01-05T10:00:00Z,9999-12-31T00:00:00Z\n")],
        "flagged",
        {"entity": "exceptions", "key": ("exception_id", "C26"), "column": "resolved_at"},
    ),
    Case(
        "negative_quantity",
        [("sales_order_lines", "c27_negative.csv", f"{LINE_HEADER}\nC27,1,I1,-1,1.0,false\n")],
        "row_rejected",
        {"row": 1, "column": "ordered_qty", "reason": "not_positive"},
    ),
    Case(
        "zero_quantity",
        [("sales_order_lines", "c28_zero.csv", f"{LINE_HEADER}\nC28,1,I1,0,1.0,false\n")],
        "row_rejected",
        {"row": 1, "column": "ordered_qty", "reason": "not_positive"},
    ),
    Case(
        "negative_optional_cost",
        [("items", "c29_cost.csv", "item_id,item_name,unit_cost\nC29,Widget,-3.50\n")],
        "flagged",
        {"entity": "items", "key": ("item_id", "C29"), "column": "unit_cost"},
    ),
    Case(
        "missing_required_value",
        [("sales_orders", "c30_missing.csv", orders_file(order("C30", site_id="")))],
        "row_rejected",
        {"row": 1, "column": "site_id", "reason": "missing_value"},
    ),
    Case(
        "duplicate_key_in_one_file",
        [("sales_orders", "c31_dupkey.csv", orders_file(order("C31", status="open"), order("C31", status="released")))],
        "loaded",
        {"keys": ["C31"], "column": ("status", "released")},
    ),
    Case(
        "duplicate_key_across_files",
        [
            ("sales_orders", "c32a_first.csv", orders_file(order("C32", status="open"))),
            ("sales_orders", "c32b_second.csv", orders_file(order("C32", status="closed"))),
        ],
        "loaded",
        {"keys": ["C32"], "column": ("status", "closed")},
    ),
    Case(
        "unknown_code_without_code_map",
        [("sales_orders", "c33_code.csv", orders_file(order("C33", channel="fax")))],
        "flagged",
        {"entity": "sales_orders", "key": ("order_id", "C33"), "unknown": "channel"},
    ),
    Case(
        "legacy_code_mapped_by_delivered_code_map",
        [
            ("sales_orders", "c34_code.csv", orders_file(order("C34", channel=" WEB "))),
            ("code_map", "code_map.csv", "domain,source_code,canonical_code,source_system\nsales_orders.channel,web,direct,legacy\n"),
        ],
        "loaded",
        {"keys": ["C34"], "column": ("channel", "direct")},
    ),
    Case(
        "canonical_code_in_another_case",
        [("sales_orders", "c35_case.csv", orders_file(order("C35", status="CANCELLED")))],
        "loaded",
        {"keys": ["C35"], "column": ("status", "cancelled")},
    ),
    Case(
        "line_without_order",
        [("sales_order_lines", "c36_orphan.csv", f"{LINE_HEADER}\nC36-NO-ORDER,1,I1,1,1.0,false\n")],
        "loaded",
        {"entity": "sales_order_lines", "keys": ["C36-NO-ORDER"]},
    ),
    Case(
        "pick_without_line",
        [("picks", "c37_orphan.csv", "pick_id,site_id,order_id,line_number,item_id,requested_qty,picked_qty,picked_at\n"
          "C37,S1,NO-ORDER,9,I1,1,1,2026-01-05T10:00:00Z\n")],
        "loaded",
        {"entity": "picks", "keys": ["C37"]},
    ),
    Case(
        "user_at_unknown_site",
        [("users", "c38_user.csv", "user_id,site_id,role,provisioned_date\nC38,NOWHERE,picker,2026-01-01\n")],
        "loaded",
        {"entity": "users", "rows": 1},
    ),
    Case(
        "unknown_timezone",
        [("sites", "c39_tz.csv", SITES_CSV.splitlines()[0] + "\nC39,Moon DC,Space,LE-X,Moon/Crater,,wave-9,legacy\n")],
        "row_rejected",
        {"row": 1, "column": "timezone", "reason": "unknown_timezone"},
    ),
    Case(
        "truncated_parquet",
        [("sales_orders", "c40_truncated.parquet", parquet_bytes({"order_id": ["C40"], "site_id": ["S1"]})[:300])],
        "file_rejected",
        {"reason": "unreadable_parquet"},
    ),
    Case(
        "excel_file_named_csv",
        [("sales_orders", "c41_excel.csv", b"PK\x03\x04\x14\x00\x06\x00" + b"\x00" * 200)],
        "file_rejected",
        {"reason": "not_csv"},
    ),
    Case(
        "latin1_text",
        [("sales_orders", "c42_latin1.csv", orders_file(order("C42")).replace("C42", "C42-Müller").encode("latin-1"))],
        "file_rejected",
        {"reason": "not_utf8"},
    ),
    Case(
        "too_many_fields_on_a_line",
        [("sales_orders", "c43_fields.csv", orders_file(order("C43A") + ",surplus", order("C43B")))],
        "row_rejected",
        {"row": 1, "column": None, "reason": "malformed_line", "keys": ["C43B"]},
    ),
    Case(
        "valid_parquet",
        [("sales_orders", "c44_valid.parquet", parquet_bytes({
            "order_id": ["C44"], "site_id": ["S1"], "created_at": ["2026-01-05T10:00:00Z"], "requested_ship_date": ["2026-01-06"],
        }))],
        "loaded",
        {"keys": ["C44"]},
    ),
    Case(
        "surrounding_spaces",
        [("sales_orders", "c45_spaces.csv", orders_file(order(" C45 ", site_id=" S1 ")))],
        "loaded",
        {"keys": ["C45"]},
    ),
    Case("hidden_file", [("sales_orders", ".c46_hidden.csv", orders_file(order("C46")))], "ignored", {"keys": ["C46"]}),
    Case("other_extension", [("sales_orders", "c47_notes.txt", orders_file(order("C47")))], "ignored", {"keys": ["C47"]}),
]  # fmt: skip


@dataclass
class MatrixRun:
    warehouse: Path
    baseline_before: list[tuple]
    baseline_after: list[tuple]


BASELINE_ORDERS = orders_file(order("BASE1"), order("BASE2", site_id="S2"))


@pytest.fixture(scope="module")
def matrix(tmp_path_factory: pytest.TempPathFactory) -> MatrixRun:
    root = tmp_path_factory.mktemp("matrix")
    extracts = root / "extracts"
    write_file(extracts, "sites", "sites_0.csv", SITES_CSV)
    write_file(extracts, "sales_orders", "a_baseline.csv", BASELINE_ORDERS)
    warehouse = root / "warehouse.duckdb"
    settings = Settings.from_env(extracts, warehouse)
    # staged_in names the dbt invocation that staged a row: a full build (the bad deliveries change which entities
    # were delivered) stages every row again
    baseline_sql = (
        "select * exclude (staged_in) from staging.stg_erp__sales_orders where order_id like 'BASE%' order by order_id"
    )
    run_pipeline(settings, "ERROR")
    before = query(warehouse, baseline_sql)

    for case in CASES:
        for entity, name, content in case.files:
            write_file(extracts, entity, name, content)
    # Not deliveries: a file outside any entity folder, and a link that leads out of the extracts folder.
    write_file(extracts, ".", "c48_no_entity_folder.csv", orders_file(order("C48")))
    outside = write_file(root, "elsewhere", "secret.csv", orders_file(order("C49")))
    (extracts / "sales_orders" / "c49_link.csv").symlink_to(outside)
    run_pipeline(settings, "ERROR")
    return MatrixRun(warehouse, before, query(warehouse, baseline_sql))


def work(warehouse: Path, sql: str, parameters: list | None = None) -> list[tuple]:
    with duckdb.connect(str(Settings.from_env(warehouse_path=warehouse).work_database), read_only=True) as con:
        return con.execute(sql, parameters or []).fetchall()


def test_matrix_has_at_least_forty_distinct_cases():
    assert len({case.name for case in CASES}) + 2 >= 40  # + the two non-deliveries added in the fixture


def test_every_delivered_file_balances_rows_in_with_rows_loaded_and_rejected(matrix: MatrixRun):
    books = work(matrix.warehouse, "select file_name, rows_in, rows_loaded, rows_rejected from raw._deliveries")
    assert books
    for file_name, rows_in, loaded, rejected in books:
        if rows_in is not None:
            assert rows_in == loaded + rejected, file_name


def test_previously_loaded_data_is_unchanged_by_the_bad_deliveries(matrix: MatrixRun):
    assert matrix.baseline_after == matrix.baseline_before
    assert len(matrix.baseline_before) == 2


def test_files_outside_entity_folders_and_links_leading_out_are_not_deliveries(matrix: MatrixRun):
    names = {name for (name,) in work(matrix.warehouse, "select file_name from raw._deliveries")}
    assert "c48_no_entity_folder.csv" not in names and "c49_link.csv" not in names
    assert query(
        matrix.warehouse, "select count(*) from staging.stg_erp__sales_orders where order_id in ('C48', 'C49')"
    ) == [(0,)]


def staged_keys(warehouse: Path, entity: str, key_column: str, keys: list[str]) -> list[str]:
    rows = query(
        warehouse,
        f"select {key_column} from staging.stg_erp__{entity} where list_contains(?, {key_column}) order by 1",
        [keys],
    )
    return [row[0] for row in rows]


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_bad_delivery_has_its_expected_outcome(case: Case, matrix: MatrixRun):
    warehouse, expect = matrix.warehouse, case.expect
    entity, file_name, _ = case.files[0]
    if case.outcome == "file_rejected":
        rows = query(
            warehouse,
            "select reason, column_name, message from staging.stg_erp__rejects where file_name = ? and row_number is null",
            [file_name],
        )
        assert len(rows) == 1, rows
        reason, column, message = rows[0]
        assert reason == "file_rejected_" + expect["reason"]
        assert file_name in message
        if "column" in expect:
            assert column == expect["column"] and expect["column"] in message
    elif case.outcome == "row_rejected":
        rows = query(
            warehouse,
            "select row_number, column_name, reason, message from staging.stg_erp__rejects where file_name = ?",
            [file_name],
        )
        assert any(
            row[0] == expect["row"]
            and row[2] == expect["reason"]
            and (expect["column"] is None or row[1] == expect["column"])
            for row in rows
        ), rows
        if "keys" in expect:
            assert staged_keys(warehouse, entity, "order_id", expect["keys"]) == expect["keys"]
    elif case.outcome == "flagged":
        key_column, key = expect["key"]
        columns = (
            f"is_flagged, {expect['column']}" if "column" in expect else f"is_flagged, has_unknown_{expect['unknown']}"
        )
        rows = query(
            warehouse, f"select {columns} from staging.stg_erp__{expect['entity']} where {key_column} = ?", [key]
        )
        assert len(rows) == 1
        is_flagged, value = rows[0]
        assert is_flagged
        assert value is None if "column" in expect else value is True
    elif case.outcome == "loaded":
        target = expect.get("entity", entity)
        key_column = {"sales_orders": "order_id", "sales_order_lines": "order_id", "picks": "pick_id"}.get(target)
        if "keys" in expect:
            assert staged_keys(warehouse, target, key_column, expect["keys"]) == expect["keys"]
        if "rows" in expect:
            loaded = work(warehouse, "select rows_loaded from raw._deliveries where file_name = ?", [file_name])
            assert loaded == [(expect["rows"],)]
        if "column" in expect:
            column, value = expect["column"]
            rows = query(
                warehouse,
                f"select cast({column} as varchar) from staging.stg_erp__{target} where order_id = ?",
                expect["keys"],
            )
            assert rows == [(value,)]
        if "extra_columns" in expect:
            extra = work(warehouse, "select extra_columns from raw._deliveries where file_name = ?", [file_name])
            assert extra == [(expect["extra_columns"],)]
    else:
        assert case.outcome == "ignored"
        assert work(warehouse, "select count(*) from raw._deliveries where file_name = ?", [file_name]) == [(0,)]
        assert staged_keys(warehouse, "sales_orders", "order_id", expect["keys"]) == []


LARGE_FILE_LOADER = """
import resource, sys
from pathlib import Path
import duckdb
from orchestration import ingest
from orchestration.contract import load_contract
from orchestration.resources import connect

extracts, database = Path(sys.argv[1]), Path(sys.argv[2])
entity = load_contract().entity("usage_events")
with connect(database, "512MB", 2) as con:
    ingest.ensure_raw_schema(con, [entity])
    result = ingest.load_entity(con, entity, extracts, "large", "key")
    rows = con.execute("select count(*), max(_row_number) from raw.usage_events").fetchone()
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
print(result.rows_loaded, result.rows_rejected, rows[0], rows[1], peak)
"""


def test_a_one_gigabyte_file_loads_within_the_memory_limit(tmp_path: Path):
    """A 1 GB delivery streams through DuckDB's reader under a 512 MB memory limit: no out-of-memory crash."""
    import subprocess
    import sys

    folder = tmp_path / "extracts" / "usage_events"
    folder.mkdir(parents=True)
    big = folder / "usage_events_big.csv"
    rows = 19_000_000
    with duckdb.connect() as con:
        con.execute(
            f"""
            copy (
                select 'E' || i as event_id, 'user-' || (i % 5000) as user_id,
                    strftime(timestamp '2026-01-01' + to_seconds(i % 8000000), '%Y-%m-%dT%H:%M:%SZ') as occurred_at,
                    'VA0' || (i % 9) as transaction_code, 'ui' as channel, (i % 600) / 10 as duration_seconds
                from range({rows}) as numbers(i)
            ) to '{big}' (header)
            """
        )
    assert big.stat().st_size > 1_000_000_000
    result = subprocess.run(
        [sys.executable, "-c", LARGE_FILE_LOADER, str(tmp_path / "extracts"), str(tmp_path / "work.duckdb")],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    loaded, rejected, counted, last_row, peak_megabytes = map(int, result.stdout.splitlines()[-1].split())
    assert (loaded, rejected, counted, last_row) == (rows, 0, rows, rows)
    assert peak_megabytes < 1500, f"peak resident memory {peak_megabytes} MB"
