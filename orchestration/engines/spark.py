"""Extract files -> raw tables on Apache Spark, then `dbt build --target spark`, in one process.

The Spark counterpart of ``ingest.py``: Spark reads every delivery of ``<extracts>/<entity>/`` into
``raw.<entity>`` (every contract column as text, a column the header lacks is null, plus ``_file_name``,
``_file_hash``, ``_row_number`` = 1-based data row within the file, and ``_load_id``) and records each file in
``raw._deliveries``, ``raw._folders``, ``raw._file_rejects`` and ``raw._line_rejects``, the same relations the
DuckDB loader builds. Typing, validation, deduplication and row rejects are dbt SQL shared by both engines.

dbt-spark's session method runs Spark inside the dbt process, so the loader and dbt share one SparkSession
(and so one catalog): ``build`` starts the session, loads, then runs dbt in-process (dbtRunner). The catalog
(a Derby metastore) and the tables' files live under one folder per run, ``OBSERVATORY_SPARK_DIR``
(settings.SparkSettings).

Every run is a fresh catalog: every file present is a new delivery and is current. What the loader itself
checks, as the DuckDB loader does: header lacks a required column, duplicate column, empty file, not UTF-8,
spreadsheet or binary content (``deliveries.read_delivery``, shared with it), and lines Spark's CSV
reader finds malformed (``columnNameOfCorruptRecord``). Unlike DuckDB's reader, Spark's pads a line with too
few fields with nulls instead of calling it malformed; the row then fails the required-column checks in dbt.
"""

from __future__ import annotations

import argparse
import json
import os
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from orchestration.contract import Entity, load_contract
from orchestration.deliveries import (
    Delivery,
    DeliveryRecord,
    FileRejected,
    FileRejectRecord,
    create_raw_tables,
    discover_files,
    file_hash,
    read_delivery,
    utc_now,
)
from orchestration.settings import DBT_PROJECT_DIR, SAMPLE_EXTRACTS_DIR, Settings, SparkSettings

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

CORRUPT_COLUMN = "_corrupt_record"


def spark_dir() -> Path:
    """The run's Spark folder (metastore, table files); profiles.yml reads the same variable."""
    return SparkSettings.from_env().run_dir


def spark_config(run_dir: Path) -> dict[str, str]:
    """The session settings of the `spark` output in profiles.yml (keep both in step)."""
    settings = SparkSettings.from_env()
    return {
        "spark.master": settings.master,
        "spark.driver.memory": settings.driver_memory,
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.ansi.enabled": "false",
        "spark.sql.shuffle.partitions": "2",
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.sql.catalogImplementation": "in-memory",
        "spark.sql.sources.parallelPartitionDiscovery.threshold": "100000",
        "spark.sql.warehouse.dir": str(run_dir / "warehouse"),
        "spark.hadoop.javax.jdo.option.ConnectionURL": f"jdbc:derby:;databaseName={run_dir}/metastore_db;create=true",
        "spark.driver.extraJavaOptions": f"-Dderby.system.home={run_dir}",
    }


def start_session(run_dir: Path) -> SparkSession:
    from pyspark.sql import SparkSession

    run_dir.mkdir(parents=True, exist_ok=True)
    builder = SparkSession.builder
    for key, value in spark_config(run_dir).items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


def ensure_raw_schema(spark: SparkSession, entities: Sequence[Entity]) -> None:
    for statement in create_raw_tables(entities, "spark"):
        spark.sql(statement)


def _reject_parquet(path: Path) -> list[str]:
    raise FileRejected("unsupported_format", f"{path.name}: the Spark loader reads CSV deliveries only")


def _contract_columns(entity: Entity, delivery: Delivery, pseudonym_key: str) -> list[Any]:
    """Contract columns as text from the positional columns c0..cN; personal ones as the keyed hash of
    ingest._select_list (same key, same pseudonym on both engines)."""
    from pyspark.sql import functions as F

    columns = []
    for column in entity.columns:
        if column.name not in delivery.positions:
            columns.append(F.lit(None).cast("string").alias(column.name))
            continue
        value = F.col(f"c{delivery.positions[column.name]}")
        if column.personal:
            hashed = F.concat(
                F.lit("u_"), F.substring(F.sha2(F.concat(F.lit(pseudonym_key + ":"), F.trim(value)), 256), 1, 20)
            )
            value = F.when(F.nullif(F.trim(value), F.lit("")).isNull(), value).otherwise(hashed)
        columns.append(value.alias(column.name))
    return columns


def _read_batch(spark: SparkSession, batch: list[Delivery]) -> DataFrame:
    """Every row of same-header files, numbered within its file.

    multiLine makes each file one unsplit piece of one partition, read in order: monotonically_increasing_id
    then orders a file's rows as they stand in it, and the row number counts malformed lines too (as DuckDB's).
    """
    from pyspark.sql import Window
    from pyspark.sql import functions as F
    from pyspark.sql.types import StringType, StructField, StructType

    width = len(batch[0].header)
    schema = StructType(
        [StructField(f"c{index}", StringType()) for index in range(width)] + [StructField(CORRUPT_COLUMN, StringType())]
    )
    frame = spark.read.csv(
        [str(delivery.path) for delivery in batch],
        schema=schema,
        header=True,
        enforceSchema=True,
        multiLine=True,
        sep=",",
        quote='"',
        escape='"',
        encoding="UTF-8",
        mode="PERMISSIVE",
        columnNameOfCorruptRecord=CORRUPT_COLUMN,
        ignoreLeadingWhiteSpace=False,
        ignoreTrailingWhiteSpace=False,
    )
    order = Window.partitionBy("_file_name").orderBy("_ordinal")
    return (
        frame.withColumn("_file_name", F.col("_metadata.file_name"))
        .withColumn("_ordinal", F.monotonically_increasing_id())
        .withColumn("_row_number", F.row_number().over(order).cast("bigint"))
    )


def load_batch(
    spark: SparkSession, entity: Entity, batch: list[Delivery], load_id: str, pseudonym_key: str
) -> list[DeliveryRecord]:
    """Load one batch into raw.<entity> and raw._line_rejects; return its delivery records."""
    from pyspark.sql import functions as F

    hashes = spark.createDataFrame(
        [(delivery.path.name, delivery.digest) for delivery in batch], "_file_name string, _file_hash string"
    )
    rows = _read_batch(spark, batch).join(F.broadcast(hashes), "_file_name").cache()
    try:
        counts = {
            name: (total, malformed)
            for name, total, malformed in rows.groupBy("_file_name")
            .agg(F.count(F.lit(1)), F.count(CORRUPT_COLUMN))
            .collect()
        }
        loaded = rows.where(F.col(CORRUPT_COLUMN).isNull())
        loaded.select(
            *_contract_columns(entity, batch[0], pseudonym_key),
            "_file_name",
            "_file_hash",
            "_row_number",
            F.lit(load_id).alias("_load_id"),
        ).write.insertInto(f"raw.{entity.name}")
        if any(malformed for _, malformed in counts.values()):
            rows.where(F.col(CORRUPT_COLUMN).isNotNull()).select(
                F.lit(entity.name),
                "_file_name",
                "_file_hash",
                F.lit(load_id),
                "_row_number",
                (F.col("_row_number") + 1).cast("bigint"),
                F.lit(None).cast("string"),
                F.lit("malformed_line"),
                F.lit("the line does not split into the header's columns"),
                # The raw line of an entity with user ids could hold one: keep it only where none can be.
                (F.lit(None).cast("string") if entity.has_personal_columns else F.trim(F.col(CORRUPT_COLUMN))),
            ).write.insertInto("raw._line_rejects")
    finally:
        rows.unpersist()
    loaded_at = utc_now()
    records = []
    for delivery in batch:
        total, malformed = counts.get(delivery.path.name, (0, 0))
        records.append(DeliveryRecord.loaded(entity, delivery, load_id, loaded_at, total - malformed, malformed))
    return records


@dataclass
class LoaderRecords:
    """Rows of the loader's own tables, written once at the end of a load (each write is a Spark job and a
    metastore commit)."""

    deliveries: list[DeliveryRecord] = field(default_factory=list)
    folders: list[tuple[str, bool, int]] = field(default_factory=list)
    file_rejects: list[FileRejectRecord] = field(default_factory=list)

    def write(self, spark: SparkSession) -> None:
        for name, rows in (
            ("_deliveries", [record.as_row() for record in self.deliveries]),
            ("_folders", self.folders),
            ("_file_rejects", [record.as_row() for record in self.file_rejects]),
        ):
            if rows:
                spark.createDataFrame(rows, spark.table(f"raw.{name}").schema).write.insertInto(f"raw.{name}")


def load_entity(
    spark: SparkSession, entity: Entity, extracts_dir: Path, load_id: str, pseudonym_key: str, records: LoaderRecords
) -> None:
    """Load every delivery of one entity into raw.<entity>; add its files to the loader's records."""
    folder = extracts_dir / entity.name
    files = discover_files(folder)
    accepted: dict[tuple[str, ...], list[Delivery]] = {}
    for path in files:
        digest = file_hash(path)
        try:
            delivery = read_delivery(entity, path, digest, _reject_parquet)
        except FileRejected as rejected:
            records.file_rejects.append(FileRejectRecord.of(entity, path, digest, load_id, rejected, rejected.rows_in))
            records.deliveries.append(
                DeliveryRecord.rejected(entity, path, digest, load_id, utc_now(), rejected, rejected.rows_in)
            )
            continue
        accepted.setdefault(delivery.header, []).append(delivery)
    for batch in accepted.values():
        records.deliveries.extend(load_batch(spark, entity, batch, load_id, pseudonym_key))
    records.folders.append((entity.name, folder.is_dir(), len(files)))


def load_extracts(spark: SparkSession, extracts_dir: Path, pseudonym_key: str) -> LoaderRecords:
    entities = load_contract().entities
    ensure_raw_schema(spark, entities)
    load_id = str(uuid.uuid4())
    records = LoaderRecords()
    for entity in entities:
        load_entity(spark, entity, extracts_dir, load_id, pseudonym_key, records)
    records.write(spark)
    return records


# What the engine comparison needs: the two compared marts, everything upstream of them, and the data tests of
# severity error on those (the warnings are delivered-data checks, the same on every engine); kpi_daily's tests
# also read kpi_definitions.
COMPARED_MARTS = ("+kpi_daily", "+close_period", "+kpi_definitions")


def dbt_build_args(target_path: Path, select: Sequence[str] = ()) -> list[str]:
    """`dbt build` on the spark target: models, seeds and data tests (all of them, or `select` and their error
    tests); dbt unit tests check the SQL and run once in the test suite on DuckDB."""
    args = [
        "build",
        "--target", "spark",
        "--project-dir", str(DBT_PROJECT_DIR),
        "--profiles-dir", str(DBT_PROJECT_DIR),
        "--target-path", str(target_path),
        "--exclude-resource-type", "unit_test",
        "--quiet",
    ]  # fmt: skip
    if select:
        # cautious: a test runs only when every model it reads is built (eager would add tests of other marts).
        args += ["--select", *select, "--exclude", "config.severity:warn", "--indirect-selection", "cautious"]
    return args


@dataclass
class SparkBuild:
    seconds: dict[str, float]
    records: LoaderRecords
    statuses: dict[str, int]
    failures: list[str]

    @property
    def success(self) -> bool:
        return not self.failures


def build(extracts_dir: Path, run_dir: Path, settings: Settings, select: Sequence[str] = ()) -> SparkBuild:
    """Start Spark, load the extracts, run dbt build on the spark target in this process."""
    from dbt.cli.main import dbtRunner

    # dbt's `spark` profile reads the run's folder from the environment, in this process.
    os.environ["OBSERVATORY_SPARK_DIR"] = str(run_dir)
    started = time.monotonic()
    spark = start_session(run_dir)
    session_started = time.monotonic()
    loaded = load_extracts(spark, extracts_dir, settings.pseudonym_key())
    load_done = time.monotonic()
    result = dbtRunner().invoke(dbt_build_args(run_dir / "dbt_target", select))
    built = time.monotonic()
    statuses: dict[str, int] = {}
    failures = []
    for node in result.result or []:
        status = str(node.status)
        statuses[status] = statuses.get(status, 0) + 1
        if status in {"error", "fail"}:
            failures.append(f"{node.node.unique_id}: {(node.message or status).strip()[:500]}")
    if result.exception is not None:
        failures.append(f"dbt: {result.exception}")
    return SparkBuild(
        seconds={
            "session_start": session_started - started,
            "load": load_done - session_started,
            "dbt_build": built - load_done,
        },
        records=loaded,
        statuses=statuses,
        failures=failures,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--extracts", type=Path, default=SAMPLE_EXTRACTS_DIR)
    parser.add_argument("--run-dir", type=Path, default=spark_dir())
    parser.add_argument(
        "--compared-marts-only",
        action="store_true",
        help="build only kpi_daily, close_period and what they need, with their error-severity tests",
    )
    args = parser.parse_args(argv)
    select = COMPARED_MARTS if args.compared_marts_only else ()
    outcome = build(args.extracts.resolve(), args.run_dir.resolve(), Settings.from_env(args.extracts), select)
    rows = sum(record.rows_loaded for record in outcome.records.deliveries)
    print(f"loaded {len(outcome.records.deliveries)} file(s), {rows} row(s)")
    print(json.dumps({"seconds": outcome.seconds, "statuses": outcome.statuses}, indent=2))
    for failure in outcome.failures:
        print(failure)
    return 0 if outcome.success else 1


if __name__ == "__main__":
    raise SystemExit(main())
