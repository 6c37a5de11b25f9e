"""Extract files -> raw tables, one Dagster asset per contract entity.

Every file of ``<extracts>/<entity>/`` is one delivery. Each row lands in ``raw.<entity>`` as delivered: every
contract column as text (a column the header lacks is null), plus the file name, the file's SHA-256, the data
row number (1 = first row after the header) and the run's load id. Typing, deduplication and validation happen
in dbt (``base_erp__<entity>``), so the same rules can run on another engine.

What the loader itself refuses is kept with its reason:

- ``raw._file_rejects``: a whole file (header lacks a required column, duplicate column, not UTF-8 text,
  not comma-separated, unreadable Parquet ...). Other files of the entity still load.
- ``raw._line_rejects``: a line DuckDB's CSV reader could not split into the header's columns
  (``store_rejects``).

``raw._deliveries`` records every file seen (name, hash, rows in / loaded / rejected, status). A file already
loaded with the same hash is not read again; a changed file under the same name is a new delivery that
replaces the old version. Only the files present in the folder now are current.

Finding, hashing and reading delivery files, the records above and the raw tables' layout are shared with the
Spark loader (``deliveries.py``).
"""

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import dagster as dg
import duckdb

from orchestration.contract import LOADER_TABLES, Entity
from orchestration.deliveries import (
    LOADER_TABLE_COLUMNS,
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
from orchestration.resources import WarehouseResource


@dataclass
class FileOutcome:
    file_name: str
    status: str  # loaded | rejected | unchanged
    rows_in: int | None = None
    rows_loaded: int = 0
    rows_rejected: int = 0
    message: str | None = None

    @classmethod
    def of(cls, record: DeliveryRecord) -> "FileOutcome":
        message = record.message if record.status == "rejected" else None
        return cls(record.file_name, record.status, record.rows_in, record.rows_loaded, record.rows_rejected, message)


@dataclass
class EntityLoad:
    entity: str
    is_delivered: bool
    files: list[FileOutcome] = field(default_factory=list)

    @property
    def rows_loaded(self) -> int:
        return sum(outcome.rows_loaded for outcome in self.files)

    @property
    def rows_rejected(self) -> int:
        return sum(outcome.rows_rejected for outcome in self.files)

    @property
    def files_rejected(self) -> list[FileOutcome]:
        return [outcome for outcome in self.files if outcome.status == "rejected"]


def read_parquet_header(con: duckdb.DuckDBPyConnection, path: Path) -> list[str]:
    try:
        rows = con.execute("select name from parquet_schema($path) where num_children is null", {"path": str(path)})
        return [row[0] for row in rows.fetchall()]
    except duckdb.Error as error:
        raise FileRejected("unreadable_parquet", f"{path.name}: not a readable Parquet file ({error})") from None


def ensure_raw_schema(con: duckdb.DuckDBPyConnection, entities: list[Entity]) -> None:
    for statement in create_raw_tables(entities, "duckdb"):
        con.execute(statement)


def insert_rows(con: duckdb.DuckDBPyConnection, table: str, rows: list[tuple]) -> None:
    """Rows of one of the loader's tables (raw.<table>), in its column order."""
    placeholders = ", ".join("?" for _ in LOADER_TABLE_COLUMNS[table])
    con.executemany(f"insert into raw.{table} values ({placeholders})", rows)


def _select_list(entity: Entity, positions: dict[str, int], source_name: Callable[[int], str]) -> str:
    """Contract columns as text; personal columns replaced by a keyed hash ($pseudonym_key) of the trimmed value."""
    parts = []
    for column in entity.columns:
        if column.name not in positions:
            parts.append("cast(null as varchar)")
            continue
        value = f"cast({source_name(positions[column.name])} as varchar)"
        if column.personal:
            value = (
                f"case when nullif(trim({value}), '') is null then {value} "
                f"else 'u_' || left(sha256($pseudonym_key || ':' || trim({value})), 20) end"
            )
        parts.append(value)
    return ", ".join(parts)


# Files of one entity with the same header are read in one scan; a file this large is read on its own, so its
# rows are numbered while streaming, with no window over the whole file.
BATCH_FILE_BYTES = 256 * 1024 * 1024


def plan_batches(deliveries: list[Delivery]) -> list[list[Delivery]]:
    batches: dict[tuple, list[Delivery]] = {}
    alone = []
    for delivery in deliveries:
        if delivery.path.stat().st_size > BATCH_FILE_BYTES:
            alone.append([delivery])
        else:
            batches.setdefault((delivery.is_parquet, delivery.header), []).append(delivery)
    return list(batches.values()) + alone


def _insert_batch(
    con: duckdb.DuckDBPyConnection, entity: Entity, batch: list[Delivery], load_id: str, pseudonym_key: str
) -> list[tuple]:
    """Insert every row of a batch of same-header files; return the malformed lines (file, line, column, ...)."""
    first = batch[0]
    parameters: dict[str, object] = {"paths": [str(delivery.path) for delivery in batch], "load_id": load_id}
    if any(column.personal and column.name in first.positions for column in entity.columns):
        parameters["pseudonym_key"] = pseudonym_key
    con.execute("create or replace temp table batch_files (path varchar, file_name varchar, file_hash varchar)")
    con.executemany(
        "insert into temp.batch_files values (?, ?, ?)",
        [(str(delivery.path), delivery.path.name, delivery.digest) for delivery in batch],
    )
    # A lone file is numbered while it streams; several need their own count each.
    ordinal = "ordinality" if len(batch) == 1 else "row_number() over (partition by filename order by ordinality)"
    if first.is_parquet:
        select_list = _select_list(entity, first.positions, lambda index: f'"{first.header[index]}"')
        ordinal = "file_row_number + 1"
        scan = "read_parquet($paths, filename = true, file_row_number = true)"
    else:
        select_list = _select_list(entity, first.positions, lambda index: f"c{index}")
        columns = "{" + ", ".join(f"'c{index}': 'VARCHAR'" for index in range(len(first.header))) + "}"
        con.execute("drop table if exists temp.csv_rejects; drop table if exists temp.csv_scans")
        scan = f"""read_csv(
            $paths, header = true, columns = {columns}, delim = ',', quote = '"', escape = '"',
            auto_detect = false, strict_mode = true, filename = true, store_rejects = true,
            rejects_table = 'csv_rejects', rejects_scan = 'csv_scans'
        ) with ordinality"""
    con.execute(
        f"""
        insert into raw.{entity.name}
        select {select_list}, files.file_name, files.file_hash, {ordinal}, $load_id
        from {scan} as source
        inner join temp.batch_files as files on files.path = source.filename
        """,
        parameters,
    )
    if first.is_parquet:
        return []
    # The reader reports one error per missing column of a short line: one reject per line is what we keep.
    malformed = con.execute(
        """
        select scans.file_path, errors.line, min(errors.column_name), min(errors.error_type),
            min(errors.error_message), min(errors.csv_line)
        from temp.csv_rejects as errors
        inner join temp.csv_scans as scans on scans.scan_id = errors.scan_id and scans.file_id = errors.file_id
        group by scans.file_path, errors.line
        order by scans.file_path, errors.line
        """
    ).fetchall()
    names = {f"c{index}": name for index, name in enumerate(first.header)}
    return [(path, line, names.get(column, column), *rest) for path, line, column, *rest in malformed]


def _count_csv_rows(con: duckdb.DuckDBPyConnection, path: Path) -> int | None:
    try:
        return con.execute(
            "select count(*) from read_csv($path, header = true, all_varchar = true, ignore_errors = true)",
            {"path": str(path)},
        ).fetchone()[0]
    except duckdb.Error:
        return None


def _renumber_after_malformed_lines(
    con: duckdb.DuckDBPyConnection, entity: Entity, file_hash_value: str, malformed_rows: list[int]
) -> None:
    """Give loaded rows their position in the file when the reader skipped malformed lines before them.

    The k-th loaded row is data row k + (number of skipped rows j whose data row r_j satisfies r_j - j < k).
    """
    con.execute("create or replace temp table skipped (data_row bigint, ordinal bigint)")
    con.executemany("insert into temp.skipped values (?, ?)", [(row, i + 1) for i, row in enumerate(malformed_rows)])
    con.execute(
        f"""
        update raw.{entity.name} as t
        set _row_number = t._row_number
            + (select count(*) from temp.skipped as s where s.data_row - s.ordinal < t._row_number)
        where t._file_hash = $file_hash
        """,
        {"file_hash": file_hash_value},
    )


def load_batch(
    con: duckdb.DuckDBPyConnection, entity: Entity, batch: list[Delivery], load_id: str, pseudonym_key: str
) -> list[FileOutcome]:
    """Load a batch of deliveries in one transaction: their rows, malformed lines and delivery records.

    When the reader fails on the batch, each file is tried on its own, so one unreadable file is rejected alone.
    """
    con.execute("begin transaction")
    try:
        malformed = _insert_batch(con, entity, batch, load_id, pseudonym_key)
        loaded = dict(
            con.execute(
                f"select _file_hash, count(*) from raw.{entity.name} where _load_id = $load_id "
                "and _file_hash in (select file_hash from temp.batch_files) group by _file_hash",
                {"load_id": load_id},
            ).fetchall()
        )
        loaded_at = utc_now()
        records = []
        for delivery in batch:
            lines = [row[1:] for row in malformed if row[0] == str(delivery.path)]
            if lines:
                _record_malformed_lines(con, entity, delivery, load_id, lines)
            rows = loaded.get(delivery.digest, 0)
            records.append(DeliveryRecord.loaded(entity, delivery, load_id, loaded_at, rows, len(lines)))
        insert_rows(con, "_deliveries", [record.as_row() for record in records])
        con.execute("commit")
        return [FileOutcome.of(record) for record in records]
    except duckdb.Error as error:
        con.execute("rollback")
        if len(batch) > 1:
            return [
                outcome for delivery in batch for outcome in load_batch(con, entity, [delivery], load_id, pseudonym_key)
            ]
        rejected = FileRejected("unreadable_file", f"{batch[0].path.name}: could not be read ({error})")
        return [_record_rejected_file(con, entity, batch[0].path, batch[0].digest, load_id, rejected)]


def _record_malformed_lines(
    con: duckdb.DuckDBPyConnection, entity: Entity, delivery: Delivery, load_id: str, malformed: list[tuple]
) -> None:
    _renumber_after_malformed_lines(con, entity, delivery.digest, [line - 1 for line, *_ in malformed])
    insert_rows(
        con,
        "_line_rejects",
        [
            (
                entity.name, delivery.path.name, delivery.digest, load_id, line - 1, line, column, kind.lower(),
                message,
                # The raw line of an entity with user ids could hold one: keep it only where none can be.
                None if entity.has_personal_columns else raw.strip(),
            )
            for line, column, kind, message, raw in malformed
        ],
    )  # fmt: skip


def _record_rejected_file(
    con: duckdb.DuckDBPyConnection, entity: Entity, path: Path, digest: str, load_id: str, rejected: FileRejected
) -> FileOutcome:
    rows_in = rejected.rows_in
    if (
        rows_in is None
        and path.suffix.lower() == ".csv"
        and rejected.reason in {"missing_required_column", "duplicate_column"}
    ):
        rows_in = _count_csv_rows(con, path)
    record = DeliveryRecord.rejected(entity, path, digest, load_id, utc_now(), rejected, rows_in)
    con.execute("begin transaction")
    insert_rows(con, "_file_rejects", [FileRejectRecord.of(entity, path, digest, load_id, rejected, rows_in).as_row()])
    insert_rows(con, "_deliveries", [record.as_row()])
    con.execute("commit")
    return FileOutcome.of(record)


def load_entity(
    con: duckdb.DuckDBPyConnection, entity: Entity, extracts_dir: Path, load_id: str, pseudonym_key: str
) -> EntityLoad:
    """Bring raw.<entity> in line with the entity's folder: load new files, mark which versions are current."""
    folder = extracts_dir / entity.name
    files = discover_files(folder)
    result = EntityLoad(entity.name, folder.is_dir())
    known = {
        (name, digest)
        for name, digest in con.execute(
            "select file_name, file_hash from raw._deliveries where entity = ?", [entity.name]
        ).fetchall()
    }
    present: list[tuple[str, str]] = []
    deliveries: list[Delivery] = []
    for path in files:
        digest = file_hash(path)
        present.append((path.name, digest))
        if (path.name, digest) in known:
            result.files.append(FileOutcome(path.name, "unchanged"))
            continue
        try:
            deliveries.append(read_delivery(entity, path, digest, partial(read_parquet_header, con)))
        except FileRejected as rejected:
            result.files.append(_record_rejected_file(con, entity, path, digest, load_id, rejected))
    for batch in plan_batches(deliveries):
        result.files.extend(load_batch(con, entity, batch, load_id, pseudonym_key))
    con.execute("begin transaction")
    con.execute(
        "update raw._deliveries "
        "set is_current = list_contains($present, struct_pack(name := file_name, hash := file_hash)) "
        "where entity = $entity",
        {"entity": entity.name, "present": [{"name": name, "hash": digest} for name, digest in present]},
    )
    con.execute("delete from raw._folders where entity = ?", [entity.name])
    insert_rows(con, "_folders", [(entity.name, result.is_delivered, len(files))])
    con.execute("commit")
    return result


def iter_outcome_lines(load: EntityLoad) -> Iterator[str]:
    for outcome in load.files:
        if outcome.status == "rejected":
            yield f"{load.entity}: rejected file {outcome.message}"
        elif outcome.rows_rejected:
            yield f"{load.entity}/{outcome.file_name}: {outcome.rows_rejected} malformed line(s) kept as rejects"


# --- Dagster assets -------------------------------------------------------------------------------------------


def build_ingest_assets(entities: list[Entity]) -> list[dg.AssetsDefinition]:
    """One asset per contract entity (raw/<entity>), and the loader's own tables (raw/_deliveries ...)."""

    def build(entity: Entity) -> dg.AssetsDefinition:
        @dg.asset(
            key=["raw", entity.name],
            group_name="ingest",
            kinds={"duckdb"},
            description=f"Delivered `{entity.name}` files loaded as text into raw.{entity.name}.",
        )
        def load(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
            started = time.monotonic()
            with warehouse.connect_work_database() as con:
                ensure_raw_schema(con, entities)
                result = load_entity(
                    con, entity, Path(warehouse.extracts_dir), context.run_id, warehouse.settings.pseudonym_key()
                )
            for line in iter_outcome_lines(result):
                context.log.warning(line)
            context.log.info(
                f"{entity.name}: {len(result.files)} file(s), {result.rows_loaded} row(s) loaded, "
                f"{result.rows_rejected} rejected, {time.monotonic() - started:.1f}s"
            )
            return dg.MaterializeResult(
                metadata={
                    "delivered": result.is_delivered,
                    "files": len(result.files),
                    "files_rejected": len(result.files_rejected),
                    "rows_loaded": result.rows_loaded,
                    "rows_rejected": result.rows_rejected,
                }
            )

        return load

    @dg.multi_asset(
        specs=[
            dg.AssetSpec(
                ["raw", name],
                deps=[dg.AssetKey(["raw", entity.name]) for entity in entities],
                group_name="ingest",
                kinds={"duckdb"},
                description=description,
            )
            for name, description in LOADER_TABLES.items()
        ],
        name="loader_log",
    )
    def loader_log(warehouse: WarehouseResource) -> Iterator[dg.MaterializeResult]:
        """Checks the books balance: rows in = rows loaded + rows rejected for every current file."""
        with warehouse.connect_work_database() as con:
            unbalanced = con.execute(
                """
                select entity, file_name from raw._deliveries
                where is_current and rows_in is not null and rows_in <> rows_loaded + rows_rejected
                """
            ).fetchall()
            files, rows = con.execute(
                "select count(*), coalesce(sum(rows_loaded), 0) from raw._deliveries where is_current"
            ).fetchone()
        if unbalanced:
            raise dg.Failure(f"rows in <> rows loaded + rows rejected for {unbalanced}")
        for name in LOADER_TABLES:
            yield dg.MaterializeResult(
                asset_key=["raw", name], metadata={"current_files": files, "rows_loaded": int(rows)}
            )

    return [build(entity) for entity in entities] + [loader_log]
