"""Writes frames as daily delivery files: <out>/<entity>/<entity>_<YYYYMMDD>.csv (or .parquet).

Writing is planned as tasks (a run of consecutive delivery days of one entity), each rendered to text
in one go and cut into its daily files. A file's bytes depend only on its rows.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from simulator import text
from simulator.columns import Frame

FORMATS = ("csv", "parquet")
# Rows rendered per task: big enough to amortise Arrow's per-call cost, small enough to balance workers.
CHUNK_ROWS = 250_000
_CSV_OPTIONS = pa_csv.WriteOptions(include_header=False, quoting_style="none", delimiter=",")


@dataclass(frozen=True)
class DeliveryFile:
    path: Path
    begin: int  # first row of the file within its task's rows
    end: int


@dataclass(frozen=True)
class WriteTask:
    frame: Frame
    rows: np.ndarray  # frame rows in file order
    files: tuple[DeliveryFile, ...]
    file_format: str

    @property
    def cost(self) -> int:
        return len(self.rows) * len(self.frame.columns) + 1


def delivery_file_name(entity: str, day: dt.date, file_format: str) -> str:
    return f"{entity}_{day:%Y%m%d}.{file_format}"


def clear_deliveries(folder: Path, entity: str, keep: set[str] | frozenset[str] = frozenset()) -> None:
    """Remove earlier generated delivery files of an entity, except `keep` (and nothing a user put there)."""
    pattern = re.compile(rf"{re.escape(entity)}_\d{{8}}\.(csv|parquet)")
    if folder.is_dir():
        for path in folder.iterdir():
            if pattern.fullmatch(path.name) and path.name not in keep:
                path.unlink()


def plan_deliveries(frame: Frame, entity: str, out_dir: Path, start: dt.date, file_format: str) -> list[WriteTask]:
    """Tasks writing one file per delivery day with rows, rows in generated order within a day.

    Prepares the entity folder: created if missing, deliveries of an earlier run that this one does not
    rewrite removed.
    """
    folder = out_dir / entity
    folder.mkdir(parents=True, exist_ok=True)
    tasks = _plan(frame, entity, folder, start, file_format)
    # Files about to be rewritten are kept: on this kind of disk, truncating is far cheaper than unlinking.
    clear_deliveries(folder, entity, keep={file.path.name for task in tasks for file in task.files})
    return tasks


def _plan(frame: Frame, entity: str, folder: Path, start: dt.date, file_format: str) -> list[WriteTask]:
    if not len(frame):
        # An empty delivery still says "delivered, no rows" (an absent folder would mean "not delivered").
        empty = DeliveryFile(folder / delivery_file_name(entity, start, file_format), 0, 0)
        return [WriteTask(frame, np.zeros(0, dtype=np.int64), (empty,), file_format)]
    # Day indices fit 16 bits, for which numpy's stable sort is a radix sort.
    order = np.argsort(frame.delivery_day.astype(np.int16), kind="stable")
    day_values, day_starts = np.unique(frame.delivery_day[order], return_index=True)
    day_ends = np.append(day_starts[1:], len(order))
    tasks = []
    for first, last in _chunks(day_starts, day_ends):
        base = day_starts[first]
        files = tuple(
            DeliveryFile(
                folder / delivery_file_name(entity, start + dt.timedelta(days=int(day_values[i])), file_format),
                int(day_starts[i] - base),
                int(day_ends[i] - base),
            )
            for i in range(first, last + 1)
        )
        tasks.append(WriteTask(frame, order[base : day_ends[last]], files, file_format))
    return tasks


def _chunks(day_starts: np.ndarray, day_ends: np.ndarray) -> list[tuple[int, int]]:
    """(first, last) day positions of runs of consecutive delivery days holding about CHUNK_ROWS rows."""
    chunks, first, size = [], 0, 0
    for index, (begin, end) in enumerate(zip(day_starts, day_ends, strict=True)):
        size += int(end - begin)
        if size >= CHUNK_ROWS:
            chunks.append((first, index))
            first, size = index + 1, 0
    if first < len(day_starts):
        chunks.append((first, len(day_starts) - 1))
    return chunks


def write_tasks(tasks: list[WriteTask]) -> None:
    for task in tasks:
        _run(task)


def _run(task: WriteTask) -> None:
    if not len(task.rows):
        _write_empty(task.frame, task.files[0].path, task.file_format)
        return
    chunk = task.frame.take(task.rows)
    if task.file_format == "csv":
        _write_csv_files(*chunk.to_text(), task.files)
    else:
        _write_parquet_files(chunk.to_arrow(), task.files)


def _write_csv_files(table: pa.Table, row_bytes: np.ndarray, files: tuple[DeliveryFile, ...]) -> None:
    """Render the whole chunk once and cut its bytes where each day's rows end."""
    header = (",".join(table.column_names) + "\n").encode("utf-8")
    sink = pa.BufferOutputStream()
    pa_csv.write_csv(table, sink, _CSV_OPTIONS)
    data = memoryview(sink.getvalue())
    row_starts = np.concatenate([[0], np.cumsum(row_bytes)])
    if row_starts[-1] != len(data):
        raise RuntimeError("rendered CSV does not have the expected length; a value may need quoting")
    for file in files:
        with file.path.open("wb") as handle:
            handle.write(header)
            handle.write(data[row_starts[file.begin] : row_starts[file.end]])


def _write_parquet_files(table: pa.Table, files: tuple[DeliveryFile, ...]) -> None:
    for file in files:
        pq.write_table(table.slice(file.begin, file.end - file.begin), file.path)


def _write_empty(frame: Frame, path: Path, file_format: str) -> None:
    if file_format == "csv":
        path.write_text(",".join(frame.columns) + "\n", encoding="utf-8")
    else:
        pq.write_table(frame.to_arrow(), path)


def write_reference(rows: list[tuple[str, ...]], columns: tuple[str, ...], path: Path, file_format: str) -> None:
    """A small reference table (code_map, training_requirements) as one file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if file_format == "csv":
        lines = [",".join(columns), *(",".join(row) for row in rows)]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    else:
        table = pa.table({name: text.strings([row[i] for row in rows]) for i, name in enumerate(columns)})
        pq.write_table(table, path)
