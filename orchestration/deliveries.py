"""What every loader shares: delivery files, their records and the raw tables' layout.

The DuckDB loader (``ingest.py``) and the Spark loader (``engines/spark.py``) find the same files, hash them the
same way, read and map a CSV header with the same rules, refuse a file for the same reasons
(:class:`FileRejected`) and record it in the same rows (:class:`DeliveryRecord`, :class:`FileRejectRecord`).
The raw tables (``raw.<entity>`` and the loader's own ``raw._deliveries``, ``_folders``, ``_file_rejects``,
``_line_rejects``) are column lists with engine-neutral types, rendered as each engine's DDL by
:func:`create_raw_tables`.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import hashlib
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Literal

from orchestration.contract import LINEAGE_COLUMNS, Entity

FILE_SUFFIXES = (".csv", ".parquet")

# --- Raw tables ------------------------------------------------------------------------------------------------

Engine = Literal["duckdb", "spark"]
Columns = tuple[tuple[str, str], ...]  # (name, engine-neutral type)

# Engine-neutral column types and their name on each engine.
COLUMN_TYPES: dict[Engine, dict[str, str]] = {
    "duckdb": {
        "text": "varchar",
        "bigint": "bigint",
        "integer": "integer",
        "boolean": "boolean",
        "timestamp": "timestamp",
        "text list": "varchar[]",
    },
    "spark": {
        "text": "string",
        "bigint": "bigint",
        "integer": "int",
        "boolean": "boolean",
        "timestamp": "timestamp",
        "text list": "array<string>",
    },
}
QUOTES: dict[Engine, str] = {"duckdb": '"', "spark": "`"}
TABLE_OPTIONS: dict[Engine, str] = {"duckdb": "", "spark": " using parquet"}

# The loader's own tables (raw.<name>), described in contract.LOADER_TABLES.
LOADER_TABLE_COLUMNS: dict[str, Columns] = {
    "_deliveries": (
        ("entity", "text"),
        ("file_name", "text"),
        ("file_hash", "text"),
        ("load_id", "text"),
        ("loaded_at", "timestamp"),
        ("file_format", "text"),
        ("rows_in", "bigint"),
        ("rows_loaded", "bigint"),
        ("rows_rejected", "bigint"),
        ("status", "text"),
        ("message", "text"),
        ("extra_columns", "text list"),
        ("is_current", "boolean"),
        ("file_modified_at", "timestamp"),
    ),
    "_folders": (("entity", "text"), ("is_delivered", "boolean"), ("file_count", "integer")),
    "_file_rejects": (
        ("entity", "text"),
        ("file_name", "text"),
        ("file_hash", "text"),
        ("load_id", "text"),
        ("column_name", "text"),
        ("reason", "text"),
        ("message", "text"),
        ("rows_in", "bigint"),
    ),
    "_line_rejects": (
        ("entity", "text"),
        ("file_name", "text"),
        ("file_hash", "text"),
        ("load_id", "text"),
        ("row_number", "bigint"),
        ("line_number", "bigint"),
        ("column_name", "text"),
        ("reason", "text"),
        ("message", "text"),
        ("raw_line", "text"),
    ),
}
# The lineage columns of raw.<entity> are text but the row number.
LINEAGE_COLUMN_TYPES = {"_row_number": "bigint"}


def entity_table_columns(entity: Entity) -> Columns:
    """raw.<entity>: every contract column as text (as delivered), then the lineage columns."""
    contract = tuple((name, "text") for name in entity.column_names)
    return contract + tuple((name, LINEAGE_COLUMN_TYPES.get(name, "text")) for name in LINEAGE_COLUMNS)


def raw_tables(entities: Iterable[Entity]) -> dict[str, Columns]:
    """Every raw table a loader writes for these entities, by name (in schema raw)."""
    return {**LOADER_TABLE_COLUMNS, **{entity.name: entity_table_columns(entity) for entity in entities}}


def column_definitions(columns: Columns, engine: Engine) -> str:
    quote = QUOTES[engine]
    return ", ".join(f"{quote}{name}{quote} {COLUMN_TYPES[engine][kind]}" for name, kind in columns)


def create_raw_tables(entities: Iterable[Entity], engine: Engine) -> list[str]:
    """The statements that create schema raw and its tables (those missing) on one engine."""
    return ["create schema if not exists raw"] + [
        f"create table if not exists raw.{name} ({column_definitions(columns, engine)}){TABLE_OPTIONS[engine]}"
        for name, columns in raw_tables(entities).items()
    ]


# --- Records ---------------------------------------------------------------------------------------------------


class FileRejected(Exception):
    """A delivery the loader refuses as a whole; the message names the file and the reason."""

    def __init__(self, reason: str, message: str, column_name: str | None = None, rows_in: int | None = None):
        super().__init__(message)
        self.reason = reason
        self.column_name = column_name
        self.rows_in = rows_in


class Row:
    """A record whose fields are the columns of its raw table, in order."""

    def as_row(self) -> tuple:
        return tuple(getattr(self, field.name) for field in fields(self))  # type: ignore[arg-type]


def utc_now() -> datetime.datetime:
    """The current instant as a UTC timestamp without zone, as the loader tables hold instants."""
    return datetime.datetime.now(datetime.UTC).replace(tzinfo=None)


def modified_at(path: Path) -> datetime.datetime:
    return datetime.datetime.fromtimestamp(path.stat().st_mtime, datetime.UTC).replace(tzinfo=None)


def file_format(path: Path) -> str:
    return path.suffix.lower().lstrip(".")


@dataclass(frozen=True)
class DeliveryRecord(Row):
    """One row of raw._deliveries: a delivered file and what became of it."""

    entity: str
    file_name: str
    file_hash: str
    load_id: str
    loaded_at: datetime.datetime
    file_format: str
    rows_in: int | None
    rows_loaded: int
    rows_rejected: int
    status: str  # loaded | rejected
    message: str | None
    extra_columns: list[str]
    is_current: bool
    file_modified_at: datetime.datetime

    @classmethod
    def loaded(
        cls,
        entity: Entity,
        delivery: Delivery,
        load_id: str,
        loaded_at: datetime.datetime,
        rows_loaded: int,
        malformed_lines: int,
    ) -> DeliveryRecord:
        """A loaded file: its rows loaded, and its malformed lines (kept in raw._line_rejects)."""
        path = delivery.path
        return cls(
            entity=entity.name,
            file_name=path.name,
            file_hash=delivery.digest,
            load_id=load_id,
            loaded_at=loaded_at,
            file_format=file_format(path),
            rows_in=rows_loaded + malformed_lines,
            rows_loaded=rows_loaded,
            rows_rejected=malformed_lines,
            status="loaded",
            message=f"{malformed_lines} malformed line(s)" if malformed_lines else None,
            extra_columns=list(delivery.extra),
            is_current=True,
            file_modified_at=modified_at(path),
        )

    @classmethod
    def rejected(
        cls,
        entity: Entity,
        path: Path,
        digest: str,
        load_id: str,
        loaded_at: datetime.datetime,
        rejected: FileRejected,
        rows_in: int | None,
    ) -> DeliveryRecord:
        """A file refused as a whole: every row it holds (when known) counts as rejected."""
        return cls(
            entity=entity.name,
            file_name=path.name,
            file_hash=digest,
            load_id=load_id,
            loaded_at=loaded_at,
            file_format=file_format(path),
            rows_in=rows_in,
            rows_loaded=0,
            rows_rejected=rows_in or 0,
            status="rejected",
            message=str(rejected),
            extra_columns=[],
            is_current=True,
            file_modified_at=modified_at(path),
        )


@dataclass(frozen=True)
class FileRejectRecord(Row):
    """One row of raw._file_rejects: why a file was refused."""

    entity: str
    file_name: str
    file_hash: str
    load_id: str
    column_name: str | None
    reason: str
    message: str
    rows_in: int | None

    @classmethod
    def of(
        cls, entity: Entity, path: Path, digest: str, load_id: str, rejected: FileRejected, rows_in: int | None
    ) -> FileRejectRecord:
        return cls(
            entity.name, path.name, digest, load_id, rejected.column_name, rejected.reason, str(rejected), rows_in
        )


# --- Delivery files --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Delivery:
    """A new file to load, with its header already read and mapped onto the contract."""

    path: Path
    digest: str
    header: tuple[str, ...]
    positions: dict[str, int]
    extra: list[str]

    @property
    def is_parquet(self) -> bool:
        return self.path.suffix.lower() == ".parquet"


def discover_files(folder: Path) -> list[Path]:
    """Delivery files of one entity folder, in plain character order of their names.

    Hidden files, other suffixes and links that point outside the folder are not deliveries.
    """
    if not folder.is_dir():
        return []
    root = folder.resolve()
    files = []
    for path in folder.iterdir():
        if path.name.startswith(".") or path.suffix.lower() not in FILE_SUFFIXES:
            continue
        resolved = path.resolve()
        if not resolved.is_file() or not resolved.is_relative_to(root):
            continue
        files.append(path)
    return sorted(files, key=lambda path: path.name)


def file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_csv_header(path: Path) -> list[str]:
    """The header row of a CSV delivery, as written (BOM removed)."""
    with path.open("rb") as handle:
        head = handle.read(1 << 16)
    if head.startswith(b"PK\x03\x04") or head.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileRejected("not_csv", f"{path.name}: this is a spreadsheet (Excel) file, not CSV text")
    if b"\x00" in head:
        raise FileRejected("not_csv", f"{path.name}: binary content, not CSV text")
    try:
        text = codecs.getincrementaldecoder("utf-8-sig")().decode(head)
    except UnicodeDecodeError as error:
        raise FileRejected("not_utf8", f"{path.name}: not UTF-8 text ({error.reason} at byte {error.start})") from None
    if not text.strip():
        raise FileRejected("empty_file", f"{path.name}: the file is empty (no header row)", rows_in=0)
    return next(csv.reader(io.StringIO(text)))


def map_header(entity: Entity, header: list[str], file_name: str) -> tuple[dict[str, int], list[str]]:
    """Position of each contract column in the header, and the extra columns.

    Names compare case-insensitively and without surrounding spaces.
    """
    normalised = [name.strip().lower() for name in header]
    positions: dict[str, int] = {}
    for index, name in enumerate(normalised):
        if name in positions and name in entity.column_names:
            raise FileRejected(
                "duplicate_column",
                f"{file_name}: column '{name}' appears twice in the header",
                column_name=name,
            )
        positions.setdefault(name, index)
    missing = [name for name in entity.required_columns if name not in positions]
    if missing:
        if len(header) == 1 and ";" in header[0]:
            raise FileRejected("not_comma_separated", f"{file_name}: the header is not comma-separated")
        raise FileRejected(
            "missing_required_column",
            f"{file_name}: header lacks required column '{missing[0]}'"
            + (f" (and {', '.join(missing[1:])})" if missing[1:] else ""),
            column_name=missing[0],
        )
    extra = [header[index] for index, name in enumerate(normalised) if name not in entity.column_names]
    return {name: positions[name] for name in entity.column_names if name in positions}, extra


def read_delivery(
    entity: Entity, path: Path, digest: str, read_parquet_header: Callable[[Path], list[str]]
) -> Delivery:
    """A delivery file with its header read and mapped; FileRejected when the loader refuses it as a whole.

    Reading a Parquet schema is the engine's own (``read_parquet_header``); a CSV header is read here.
    """
    header = read_parquet_header(path) if path.suffix.lower() == ".parquet" else read_csv_header(path)
    positions, extra = map_header(entity, header, path.name)
    return Delivery(path, digest, tuple(header), positions, extra)
