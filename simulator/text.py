"""Vectorised rendering of numbers as CSV text, with each value's byte length.

Arrow's CSV writer is fast on strings but slow on doubles, dates, booleans and dictionaries, and numpy is
slow on Python strings; so values are rendered here into byte matrices (table look-ups and integer
arithmetic) and handed to Arrow as string buffers. The byte lengths let the writer cut a rendered chunk
into daily files without scanning it for newlines.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache

import numpy as np
import pyarrow as pa

EPOCH = dt.date(1970, 1, 1)
# Strings up to this length live inside an Arrow string view; longer ones point into a data buffer.
_INLINE_VIEW_BYTES = 12


@dataclass(frozen=True)
class Rendered:
    """A column as text: an Arrow string array and the bytes each value takes in a CSV row (0 for null)."""

    array: pa.Array
    lengths: np.ndarray


def digits(numbers: np.ndarray, width: int) -> np.ndarray:
    """ASCII digits of non-negative integers, zero-padded to `width`, as a (n, width) uint8 matrix.

    Four digits at a time from a 10,000-entry table of 4-byte words: one division per four digits.
    """
    small = not len(numbers) or int(numbers.max()) < 2**32
    rest = numbers.astype(np.uint32 if small else np.uint64)  # 32-bit division vectorises far better
    table = _four_digits().view(np.uint32)
    groups = (width + 3) // 4
    words = np.empty((len(numbers), groups), dtype=np.uint32)
    for group in range(groups - 1, -1, -1):
        quotient = rest // 10000
        words[:, group] = table[(rest - quotient * 10000).astype(np.intp)]
        rest = quotient
    return words.view(np.uint8)[:, 4 * groups - width :]


@cache
def _four_digits() -> np.ndarray:
    number = np.arange(10000)
    matrix = np.empty((10000, 4), dtype=np.uint8)
    for position, power in enumerate((1000, 100, 10, 1)):
        matrix[:, position] = number // power % 10 + 48
    return matrix.view("S4")[:, 0]


def fixed_width(matrix: np.ndarray, valid: np.ndarray) -> Rendered:
    """Every row of a (n, width) byte matrix is one value (null where not valid)."""
    count, width = matrix.shape
    _check_size(count * width)
    offsets = np.arange(count + 1, dtype=np.int32) * width
    array = pa.StringArray.from_buffers(
        count, pa.py_buffer(offsets), pa.py_buffer(np.ascontiguousarray(matrix)), *validity(valid)
    )
    return Rendered(array, np.where(valid, width, 0))


def variable_width(matrix: np.ndarray, start: np.ndarray, length: np.ndarray, valid: np.ndarray) -> Rendered:
    """Row i's value is matrix[i, start[i] : start[i] + length[i]]."""
    count, width = matrix.shape
    _check_size(count * width)
    length = np.where(valid, length, 0)
    if count and not start.any() and length[valid].min(initial=width) > _INLINE_VIEW_BYTES:
        return Rendered(_long_strings(matrix, length, valid), length)
    column = np.arange(width)[None, :]
    keep = (column >= start[:, None]) & (column < (start + length)[:, None])
    offsets = np.zeros(count + 1, dtype=np.int32)
    np.cumsum(length, out=offsets[1:])
    array = pa.StringArray.from_buffers(
        count, pa.py_buffer(offsets), pa.py_buffer(np.ascontiguousarray(matrix[keep])), *validity(valid)
    )
    return Rendered(array, length)


def _long_strings(matrix: np.ndarray, length: np.ndarray, valid: np.ndarray) -> pa.Array:
    """Prefixes of matrix rows as Arrow string views into the matrix, cast to plain strings.

    Faster than compacting the bytes in numpy; only valid when every value is longer than a view inlines.
    """
    count, width = matrix.shape
    matrix = np.ascontiguousarray(matrix)
    views = np.empty((count, 4), dtype=np.int32)
    views[:, 0] = np.where(valid, length, 0)
    views[:, 1] = matrix[:, :4].copy().view(np.int32)[:, 0]
    views[:, 2] = 0
    views[:, 3] = np.arange(count, dtype=np.int32) * width
    bitmap, null_count = validity(valid)
    array = pa.Array.from_buffers(
        pa.string_view(), count, [bitmap, pa.py_buffer(views), pa.py_buffer(matrix)], null_count=null_count
    )
    return array.cast(pa.string())


def lookup(values: tuple[str, ...], index: np.ndarray) -> Rendered:
    """values[index] (null where index < 0)."""
    valid = index >= 0
    array = strings(list(values)).take(primitive(index.astype(np.int32), pa.int32(), valid))
    sizes = np.array([len(value.encode("utf-8")) for value in values] + [0])
    return Rendered(array, sizes[np.where(valid, index, len(values))])


def texts(values: list[str | None]) -> Rendered:
    array = strings(values)
    return Rendered(array, np.array([len(value.encode("utf-8")) if value else 0 for value in values], dtype=np.int64))


def decimals(units: np.ndarray, scale: int, valid: np.ndarray) -> Rendered:
    """units / 10**scale as the shortest exact decimal: 1234.5, 12, -0.05.

    Most quantities and prices are small, so their text is looked up in a cached table of the first
    65,536 values; only the rest (large amounts, negatives) is rendered digit by digit.
    """
    units = np.where(valid, units, 0).astype(np.int64)
    table, table_lengths = _decimal_table(scale)
    index = units
    outside = np.flatnonzero((units < 0) | (units >= _DECIMAL_TABLE_SIZE))
    if len(outside):
        extra = _render_decimals(units[outside], scale)
        table = pa.concat_arrays([table, extra.array])
        table_lengths = np.concatenate([table_lengths, extra.lengths])
        index = units.copy()
        index[outside] = _DECIMAL_TABLE_SIZE + np.arange(len(outside))
    array = table.take(primitive(index, pa.int64(), valid))
    return Rendered(array, np.where(valid, table_lengths[index], 0))


_DECIMAL_TABLE_SIZE = 1 << 16


@cache
def _decimal_table(scale: int) -> tuple[pa.Array, np.ndarray]:
    rendered = _render_decimals(np.arange(_DECIMAL_TABLE_SIZE), scale)
    return rendered.array, rendered.lengths


def _render_decimals(units: np.ndarray, scale: int) -> Rendered:
    """The general case of `decimals`: digits right-aligned before the point, then cut out per value."""
    negative = units < 0
    whole, fraction = np.divmod(np.abs(units), 10**scale)
    whole_width = len(str(int(whole.max(initial=0))))
    whole_length = np.ones(len(units), dtype=np.int64)
    for power in range(1, whole_width):
        whole_length += whole >= 10**power
    fraction_length = np.zeros(len(units), dtype=np.int64)
    for kept in range(scale, 0, -1):
        # `kept` digits where the digits after them are zeros and the last kept one is not
        significant = (fraction % 10 ** (scale - kept) == 0) & (fraction // 10 ** (scale - kept) % 10 != 0)
        fraction_length = np.where((fraction_length == 0) & significant, kept, fraction_length)
    matrix = np.empty((len(units), 1 + whole_width + 1 + scale), dtype=np.uint8)
    matrix[:, 1 : 1 + whole_width] = digits(whole, whole_width)
    matrix[:, 1 + whole_width] = ord(".")
    if scale:
        matrix[:, 2 + whole_width :] = digits(fraction, scale)
    start = 1 + whole_width - whole_length - negative
    matrix[np.flatnonzero(negative), start[negative]] = ord("-")
    length = negative + whole_length + np.where(fraction_length > 0, 1 + fraction_length, 0)
    return variable_width(matrix, start, length, np.ones(len(units), dtype=bool))


def dates(epoch_days: np.ndarray, valid: np.ndarray) -> Rendered:
    """YYYY-MM-DD of days since 1970-01-01."""
    first, last = _valid_range(epoch_days, valid)
    table = _date_texts(first, last + 1)
    matrix = table[np.clip(epoch_days, first, last) - first].view(np.uint8).reshape(-1, 10)
    return fixed_width(matrix, valid)


def timestamps(utc: np.ndarray, offset_seconds: np.ndarray, is_z: np.ndarray, valid: np.ndarray) -> Rendered:
    """ISO-8601: 2026-01-05T14:03:09Z, or 2026-01-05T08:03:09-06:00 where is_z is false.

    Each value is three table look-ups (its local date, its second of the day, its offset suffix) copied
    into one 25-byte record; values in 'Z' use its first 20 bytes.
    """
    offset = np.where(is_z, 0, offset_seconds).astype(np.int64)
    local = utc.astype(np.int64) + offset
    day = local // 86400
    first, last = _valid_range(day, valid)
    records = np.empty(len(utc), dtype=_TIMESTAMP_RECORD)
    records["date"] = _date_texts(first, last + 1, suffix=b"T")[np.clip(day, first, last) - first]
    records["time"] = _times_of_day()[local - day * 86400]
    # Offsets are whole quarter hours within +-14h: index 0 is 'Z', 1 + k is the k-th quarter hour.
    records["suffix"] = _offset_suffixes()[np.where(is_z, 0, offset // 900 + 57)]
    matrix = records.view(np.uint8).reshape(len(utc), 25)
    if is_z.all():
        return fixed_width(matrix[:, :20], valid)
    if not is_z.any():
        return fixed_width(matrix, valid)
    return variable_width(matrix, np.zeros(len(utc), dtype=np.int64), np.where(is_z, 20, 25), valid)


_TIMESTAMP_RECORD = np.dtype([("date", "S11"), ("time", "S8"), ("suffix", "S6")])


def _valid_range(values: np.ndarray, valid: np.ndarray) -> tuple[int, int]:
    """Smallest and largest valid value; null rows hold arbitrary numbers and are clipped into it."""
    if not valid.any():
        return 0, 0
    return int(values[valid].min()), int(values[valid].max())


def _date_texts(first_day: int, end_day: int, suffix: bytes = b"") -> np.ndarray:
    return np.array(
        [(EPOCH + dt.timedelta(days=day)).isoformat().encode("ascii") + suffix for day in range(first_day, end_day)],
        dtype=f"S{10 + len(suffix)}",
    )


@cache
def _times_of_day() -> np.ndarray:
    """b'HH:MM:SS' for every second of a day."""
    second = np.arange(86400)
    matrix = np.empty((86400, 8), dtype=np.uint8)
    matrix[:, 0:2] = digits(second // 3600, 2)
    matrix[:, 3:5] = digits(second // 60 % 60, 2)
    matrix[:, 6:8] = digits(second % 60, 2)
    matrix[:, 2] = matrix[:, 5] = ord(":")
    return matrix.view("S8")[:, 0]


@cache
def _offset_suffixes() -> np.ndarray:
    """b'Z', then b'-14:00', b'-13:45', ... b'+14:00'."""
    suffixes = [b"Z"]
    for quarter in range(-56, 57):
        hours, minutes = divmod(abs(quarter) * 15, 60)
        suffixes.append(f"{'-' if quarter < 0 else '+'}{hours:02d}:{minutes:02d}".encode("ascii"))
    return np.array(suffixes, dtype="S6")


def primitive(values: np.ndarray, arrow_type: pa.DataType, valid: np.ndarray | None = None) -> pa.Array:
    """A fixed-width Arrow array over a numpy array's bytes.

    Arrays are built from buffers throughout: pa.array() imports pandas on first use, which costs more
    than generating a small dataset.
    """
    values = np.ascontiguousarray(values)
    bitmap, null_count = validity(np.ones(len(values), dtype=bool) if valid is None else valid)
    return pa.Array.from_buffers(arrow_type, len(values), [bitmap, pa.py_buffer(values)], null_count=null_count)


def booleans(values: np.ndarray, valid: np.ndarray) -> pa.Array:
    bitmap, null_count = validity(valid)
    data = pa.py_buffer(np.packbits(values.astype(bool), bitorder="little"))
    return pa.Array.from_buffers(pa.bool_(), len(values), [bitmap, data], null_count=null_count)


def strings(values: list[str | None]) -> pa.Array:
    """A StringArray of Python strings (None for null)."""
    encoded = [value.encode("utf-8") if value is not None else b"" for value in values]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int32)
    np.cumsum([len(value) for value in encoded], out=offsets[1:])
    bitmap, null_count = validity(np.array([value is not None for value in values], dtype=bool))
    return pa.Array.from_buffers(
        pa.string(),
        len(encoded),
        [bitmap, pa.py_buffer(offsets), pa.py_buffer(b"".join(encoded))],
        null_count=null_count,
    )


def validity(valid: np.ndarray) -> tuple[pa.Buffer | None, int]:
    null_count = int(len(valid) - np.count_nonzero(valid))
    bitmap = pa.py_buffer(np.packbits(valid, bitorder="little")) if null_count else None
    return bitmap, null_count


def _check_size(total_bytes: int) -> None:
    if total_bytes >= 2**31:
        raise ValueError("render text in chunks below 2 GiB")


def warm_up() -> None:
    """Build the cached tables once, so forked writer processes inherit them instead of each building them."""
    _four_digits()
    _times_of_day()
    _offset_suffixes()
    for scale in (0, 1, 2):
        _decimal_table(scale)
