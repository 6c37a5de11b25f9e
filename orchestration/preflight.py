"""Checks before a run touches anything: the warehouse folder must be writable and have room.

A run needs room for the working database and, while publishing, a second copy of the warehouse beside the
published one: about twice the published file plus the working file.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path


class PreflightError(Exception):
    """The run cannot start; the message is one line naming the path and the cause."""


def _size(path: Path) -> int:
    return path.stat().st_size if path.exists() else 0


def check_warehouse_folder(warehouse: Path, work_database: Path) -> None:
    folder = warehouse.parent
    try:
        work_database.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".observatory-preflight-"):
            pass
    except OSError as error:
        raise PreflightError(f"cannot write in the warehouse folder {folder}: {error.strerror or error}") from None
    needed = 2 * _size(warehouse) + _size(work_database)
    free = shutil.disk_usage(folder).free
    if free < needed:
        raise PreflightError(
            f"not enough room in the warehouse folder {folder}: {free / 1e6:,.0f} MB free, about "
            f"{needed / 1e6:,.0f} MB needed (twice the published warehouse plus the working database)"
        )
