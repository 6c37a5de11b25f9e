"""Columns held as numpy arrays until written, and the `Frame` of one entity's delivered rows.

Entities are built as numbers (ids, epoch seconds, quantities in integer units, code indices) because
numpy is fast on numbers and slow on strings. A column becomes text (`to_text`, for CSV, see text.py) or
typed Arrow data (`to_arrow`, for Parquet) only when its frame is written.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import pyarrow as pa

from simulator import text
from simulator.text import Rendered


class Column(Protocol):
    def to_text(self) -> Rendered: ...

    def to_arrow(self) -> pa.Array: ...


@dataclass(frozen=True)
class Ids:
    """Text keys such as SO0001234: a prefix and a zero-padded number; a negative number is null."""

    prefix: str
    numbers: np.ndarray
    digits: int

    def to_text(self) -> Rendered:
        valid = self.numbers >= 0
        matrix = np.empty((len(self.numbers), len(self.prefix) + self.digits), dtype=np.uint8)
        matrix[:, : len(self.prefix)] = np.frombuffer(self.prefix.encode("ascii"), dtype=np.uint8)
        matrix[:, len(self.prefix) :] = text.digits(np.where(valid, self.numbers, 0), self.digits)
        return text.fixed_width(matrix, valid)

    def to_arrow(self) -> pa.Array:
        return self.to_text().array


@dataclass(frozen=True)
class Codes:
    """Categorical text: an index into `values`; -1 is null."""

    values: tuple[str, ...]
    index: np.ndarray

    def to_text(self) -> Rendered:
        return text.lookup(self.values, self.index)

    def to_arrow(self) -> pa.Array:
        return self.to_text().array


@dataclass(frozen=True)
class Timestamps:
    """Instants as epoch seconds, written in UTC with 'Z' or, where `is_z` is false, with the given offset."""

    utc: np.ndarray
    offset_seconds: np.ndarray
    is_z: np.ndarray
    valid: np.ndarray

    def to_text(self) -> Rendered:
        return text.timestamps(self.utc, self.offset_seconds, self.is_z, self.valid)

    def to_arrow(self) -> pa.Array:
        # Parquet keeps the delivered text too: the offset a source system wrote is part of its extract.
        return self.to_text().array


@dataclass(frozen=True)
class Dates:
    """Calendar dates as days since 1970-01-01."""

    days: np.ndarray
    valid: np.ndarray

    def to_text(self) -> Rendered:
        return text.dates(self.days, self.valid)

    def to_arrow(self) -> pa.Array:
        return text.primitive(self.days.astype(np.int32), pa.date32(), self.valid)


@dataclass(frozen=True)
class Decimals:
    """Exact decimals held as integer units of 10**-scale, so 0.3 + 0.6 is written as 0.9, not 0.8999..."""

    units: np.ndarray
    scale: int
    valid: np.ndarray

    def to_text(self) -> Rendered:
        return text.decimals(self.units, self.scale, self.valid)

    def to_arrow(self) -> pa.Array:
        # decimal128 stores the unscaled integer: the units themselves, sign-extended to 128 bits.
        words = np.empty((len(self.units), 2), dtype=np.int64)
        words[:, 0] = self.units
        words[:, 1] = np.where(self.units < 0, -1, 0)
        bitmap, null_count = text.validity(self.valid)
        return pa.Array.from_buffers(
            pa.decimal128(18, self.scale), len(self.units), [bitmap, pa.py_buffer(words)], null_count=null_count
        )


@dataclass(frozen=True)
class Integers:
    values: np.ndarray

    def to_text(self) -> Rendered:
        return text.decimals(self.values, 0, np.ones(len(self.values), dtype=bool))

    def to_arrow(self) -> pa.Array:
        return text.primitive(self.values.astype(np.int64), pa.int64())


@dataclass(frozen=True)
class Booleans:
    values: np.ndarray
    valid: np.ndarray

    def to_text(self) -> Rendered:
        return text.lookup(("false", "true"), np.where(self.valid, self.values.astype(np.int64), -1))

    def to_arrow(self) -> pa.Array:
        return text.booleans(self.values, self.valid)


@dataclass(frozen=True)
class Texts:
    """Free text for small master-data entities (an object array of str, None for null)."""

    values: np.ndarray

    def to_text(self) -> Rendered:
        return text.texts(self.values.tolist())

    def to_arrow(self) -> pa.Array:
        return text.strings(self.values.tolist())


def take_column(column: Column, rows: np.ndarray) -> Column:
    changes = {
        field.name: getattr(column, field.name)[rows]
        for field in dataclasses.fields(column)
        if isinstance(getattr(column, field.name), np.ndarray)
    }
    return dataclasses.replace(column, **changes)


def concat_columns(columns: list[Column]) -> Column:
    first = columns[0]
    changes = {}
    for field in dataclasses.fields(first):
        value = getattr(first, field.name)
        if isinstance(value, np.ndarray):
            changes[field.name] = np.concatenate([getattr(column, field.name) for column in columns])
        elif any(getattr(column, field.name) != value for column in columns):
            raise ValueError(f"cannot concatenate columns with different {field.name}")
    return dataclasses.replace(first, **changes)


@dataclass(frozen=True)
class Frame:
    """One entity's rows, in contract column order, each with the day (index from start) it is delivered."""

    columns: dict[str, Column]
    delivery_day: np.ndarray

    def __len__(self) -> int:
        return len(self.delivery_day)

    def take(self, rows: np.ndarray) -> Frame:
        columns = {name: take_column(column, rows) for name, column in self.columns.items()}
        return Frame(columns, self.delivery_day[rows])

    def with_columns(self, **columns: Column) -> Frame:
        return Frame({**self.columns, **columns}, self.delivery_day)

    def delivered_on(self, delivery_day: np.ndarray) -> Frame:
        return Frame(self.columns, delivery_day)

    @staticmethod
    def concat(frames: list[Frame]) -> Frame:
        names = list(frames[0].columns)
        columns = {name: concat_columns([frame.columns[name] for frame in frames]) for name in names}
        return Frame(columns, np.concatenate([frame.delivery_day for frame in frames]))

    def to_arrow(self) -> pa.Table:
        """Typed columns, for Parquet."""
        return pa.table({name: column.to_arrow() for name, column in self.columns.items()})

    def to_text(self) -> tuple[pa.Table, np.ndarray]:
        """Text columns, for CSV, and each row's length in bytes as a CSV line (commas and newline included)."""
        rendered = {name: column.to_text() for name, column in self.columns.items()}
        row_bytes = np.full(len(self), len(rendered), dtype=np.int64)
        for column in rendered.values():
            row_bytes += column.lengths
        return pa.table({name: column.array for name, column in rendered.items()}), row_bytes


def redeliver_when_set(
    frame: Frame, column: str, is_set: np.ndarray, set_day: np.ndarray, first_day: np.ndarray
) -> Frame:
    """Deliver each row on its first day with `column` still empty where it is filled only on a later
    day (a resolution, a putaway), and again on that later day with it filled: the later file wins."""
    later = is_set & (set_day > first_day)
    stamps = frame.columns[column]
    first = frame.with_columns(**{column: dataclasses.replace(stamps, valid=stamps.valid & ~later)})
    rows = np.flatnonzero(later)
    return Frame.concat([first, frame.take(rows).delivered_on(set_day[rows].astype(np.int32))])
