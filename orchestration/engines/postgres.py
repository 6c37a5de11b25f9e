"""The same dbt project on PostgreSQL: copy the loader's raw tables there, then `dbt build --target postgres`.

The loader (orchestration/ingest.py) reads extract files into schema ``raw`` of the working DuckDB file; its
rules (file rejects, line rejects, versions, pseudonyms) stay in one place. This module copies every table of
that schema as it is into schema ``raw`` of a PostgreSQL database (COPY, in one transaction, replacing what was
there) and builds the dbt project there from the same SQL. Usage, after a DuckDB run of the same warehouse:

    python -m orchestration.engines.postgres --warehouse data/warehouse.duckdb

The database should compare text in code-point order, as DuckDB does (created with ``--locale=C`` or
``LC_COLLATE 'C'``): the models' min() over codes and their text orderings then agree across engines.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import psycopg2
import psycopg2.extensions
from psycopg2 import sql

from orchestration.settings import DBT_PROJECT_DIR, PostgresSettings, Settings

RAW_SCHEMA = "raw"
DBT_EXECUTABLE = str(Path(sys.executable).with_name("dbt"))

# DuckDB column types of the raw schema and their PostgreSQL names; a list (the loader's extra_columns)
# travels as its text form, which no model reads.
SCALAR_TYPES = {
    "VARCHAR": "text",
    "BIGINT": "bigint",
    "INTEGER": "integer",
    "BOOLEAN": "boolean",
    "TIMESTAMP": "timestamp",
    "DATE": "date",
    "DOUBLE": "double precision",
}


def postgres_type(duckdb_type: str) -> str:
    """The PostgreSQL column type for a DuckDB column type of the raw schema."""
    if duckdb_type.endswith("[]"):
        return "text"
    if duckdb_type.startswith("DECIMAL"):
        return duckdb_type.replace("DECIMAL", "numeric")
    try:
        return SCALAR_TYPES[duckdb_type]
    except KeyError:
        raise ValueError(f"no PostgreSQL type for DuckDB type {duckdb_type}") from None


@dataclass(frozen=True)
class RawTable:
    name: str
    columns: list[tuple[str, str]]  # (name, DuckDB type)

    def create_statement(self) -> sql.Composed:
        columns = sql.SQL(", ").join(
            sql.SQL("{} {}").format(sql.Identifier(name), sql.SQL(postgres_type(column_type)))
            for name, column_type in self.columns
        )
        return sql.SQL("create table {}.{} ({})").format(sql.Identifier(RAW_SCHEMA), sql.Identifier(self.name), columns)

    def export_query(self) -> str:
        """The DuckDB query whose CSV PostgreSQL's COPY reads (lists as text)."""
        columns = ", ".join(
            f'cast("{name}" as varchar)' if column_type.endswith("[]") else f'"{name}"'
            for name, column_type in self.columns
        )
        return f'select {columns} from {RAW_SCHEMA}."{self.name}"'


def raw_tables(con: duckdb.DuckDBPyConnection) -> list[RawTable]:
    rows = con.execute(
        "select table_name, column_name, data_type from information_schema.columns "
        "where table_schema = ? order by table_name, ordinal_position",
        [RAW_SCHEMA],
    ).fetchall()
    tables: dict[str, list[tuple[str, str]]] = {}
    for table_name, column_name, data_type in rows:
        tables.setdefault(table_name, []).append((column_name, data_type))
    return [RawTable(name, columns) for name, columns in tables.items()]


def connect(settings: PostgresSettings) -> psycopg2.extensions.connection:
    return psycopg2.connect(
        host=settings.host,
        port=settings.port,
        user=settings.user,
        password=settings.password or None,
        dbname=settings.dbname,
    )


def copy_raw_tables(work_database: Path, settings: PostgresSettings) -> dict[str, int]:
    """Replace schema raw in PostgreSQL with the raw tables of the working DuckDB file; rows per table."""
    copied: dict[str, int] = {}
    with (
        duckdb.connect(str(work_database), read_only=True) as source,
        tempfile.TemporaryDirectory() as folder,
        connect(settings) as target,
        target.cursor() as cursor,
    ):
        cursor.execute(sql.SQL("create schema if not exists {}").format(sql.Identifier(RAW_SCHEMA)))
        for table in raw_tables(source):
            csv_path = Path(folder) / f"{table.name}.csv"
            # DuckDB writes null as an empty field and an empty text as "", as PostgreSQL's CSV COPY reads them.
            source.execute(f"copy ({table.export_query()}) to '{csv_path}' (format csv, header false)")
            cursor.execute(
                sql.SQL("drop table if exists {}.{} cascade").format(
                    sql.Identifier(RAW_SCHEMA), sql.Identifier(table.name)
                )
            )
            cursor.execute(table.create_statement())
            copy = sql.SQL("copy {}.{} from stdin with (format csv)").format(
                sql.Identifier(RAW_SCHEMA), sql.Identifier(table.name)
            )
            with csv_path.open() as handle:
                cursor.copy_expert(copy.as_string(target), handle)
            copied[table.name] = cursor.rowcount
            cursor.execute(sql.SQL("analyze {}.{}").format(sql.Identifier(RAW_SCHEMA), sql.Identifier(table.name)))
    target.close()
    return copied


def dbt_command(target_path: Path, *arguments: str) -> list[str]:
    return [
        DBT_EXECUTABLE, *arguments, "--target", "postgres",
        "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR),
        "--target-path", str(target_path), "--log-path", str(target_path),
    ]  # fmt: skip


def run_dbt(settings: PostgresSettings, target_path: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    """dbt on the `postgres` target; the output is returned, the log is in target_path/dbt.log."""
    # PostgreSQL's JIT compiler spends minutes compiling the marts' wide queries, which run in seconds without it.
    options = " ".join(filter(None, [settings.options, "-c jit=off"]))
    environment = {**os.environ, **settings.environment(), "PGOPTIONS": options}
    return subprocess.run(dbt_command(target_path, *arguments), env=environment, capture_output=True, text=True)


def build(settings: PostgresSettings, target_path: Path) -> subprocess.CompletedProcess[str]:
    """`dbt build --target postgres`. As in the DuckDB run, dbt unit tests are left to the test suite."""
    return run_dbt(settings, target_path, "build", "--exclude-resource-type", "unit_test")


def run_unit_tests(settings: PostgresSettings, target_path: Path) -> subprocess.CompletedProcess[str]:
    """The dbt unit tests on PostgreSQL (they read the column types of a built project's relations)."""
    return run_dbt(settings, target_path, "test", "--resource-type", "unit_test")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--warehouse", type=Path, help="the DuckDB warehouse whose working database holds raw")
    args = parser.parse_args(argv)
    warehouse = Settings.from_env(warehouse_path=args.warehouse)
    settings = PostgresSettings.from_env()
    started = time.monotonic()
    copied = copy_raw_tables(warehouse.work_database, settings)
    print(f"copied {len(copied)} raw tables ({sum(copied.values())} rows) in {time.monotonic() - started:.1f}s")
    target_path = warehouse.build_dir / "dbt_target_postgres"
    result = build(settings, target_path)
    print(result.stdout.strip().splitlines()[-1] if result.stdout.strip() else result.stderr)
    return result.returncode


if __name__ == "__main__":
    sys.exit(main())
