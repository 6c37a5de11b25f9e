"""What both loaders share (orchestration/deliveries.py): records that are their tables' rows, and the raw
tables' layout rendered for each engine."""

from __future__ import annotations

from dataclasses import fields

import duckdb

from orchestration.contract import LOADER_TABLES, load_contract
from orchestration.deliveries import LOADER_TABLE_COLUMNS, DeliveryRecord, FileRejectRecord, create_raw_tables


def test_delivery_and_file_reject_records_hold_their_tables_columns_in_order():
    """Both loaders write a record as a row in its fields' order: the order must be the table's."""
    for record, table in ((DeliveryRecord, "_deliveries"), (FileRejectRecord, "_file_rejects")):
        assert [field.name for field in fields(record)] == [name for name, _ in LOADER_TABLE_COLUMNS[table]]
    assert set(LOADER_TABLE_COLUMNS) == set(LOADER_TABLES)


def test_raw_tables_render_the_same_columns_as_each_engines_types():
    entity = load_contract().entity("picks")
    duckdb_statements = create_raw_tables([entity], "duckdb")
    spark_statements = create_raw_tables([entity], "spark")
    assert duckdb_statements[0] == spark_statements[0] == "create schema if not exists raw"
    with duckdb.connect() as con:
        for statement in duckdb_statements:
            con.execute(statement)
        columns = "select column_name, data_type from duckdb_columns() where table_name = '_deliveries'"
        types = dict(con.execute(columns).fetchall())
    assert (types["extra_columns"], types["loaded_at"], types["rows_in"]) == ("VARCHAR[]", "TIMESTAMP", "BIGINT")
    spark_deliveries = next(statement for statement in spark_statements if "raw._deliveries " in statement)
    assert "`extra_columns` array<string>" in spark_deliveries and spark_deliveries.endswith(" using parquet")
    assert f"create table if not exists raw.picks (`{entity.column_names[0]}` string" in " ".join(spark_statements)
