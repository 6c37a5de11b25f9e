"""The dashboard's audit log: who signed in, which page they viewed with which filters, what they downloaded.

One JSON object per line, appended to ``<OBSERVATORY_AUDIT_DIR>/dashboard-audit-YYYY-MM-DD.jsonl`` (the UTC day of
the event): a folder of its own, never the published warehouse, which every reader shares. Files older than
OBSERVATORY_AUDIT_RETENTION_DAYS are deleted when a day's file is first written (dashboards/settings.py).

Each line: ``at`` (UTC instant, ISO 8601), ``event`` (sign_in, page_view, download, no_access, sign_out),
``user`` (the signed-in e-mail address, or the open dashboard's description), ``roles``, ``sites`` (the sites the
viewer may see; null: every site), ``page`` and ``detail`` (the filters of a page view, the file of a download).
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from pathlib import Path
from typing import Any

from dashboards import settings
from dashboards.queries.scope import Viewer

FILE_PREFIX = "dashboard-audit-"
FILE_SUFFIX = ".jsonl"
# Streamlit serves every session from threads of one process: lines are appended under one lock.
_LOCK = threading.Lock()


def file_for(day: dt.date, folder: Path | None = None) -> Path:
    return (folder or settings.audit_dir()) / f"{FILE_PREFIX}{day.isoformat()}{FILE_SUFFIX}"


def record(event: str, viewer: Viewer, page: str | None = None, detail: dict[str, Any] | None = None) -> Path:
    """Append one event to today's file (rotating and pruning when the day's file is new); returns the file."""
    now = dt.datetime.now(dt.UTC)
    line = {
        "at": now.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "event": event,
        "user": viewer.identity,
        "roles": list(viewer.roles),
        "sites": viewer.allowed_sites,
        "page": page,
        "detail": detail or {},
    }
    path = file_for(now.date())
    with _LOCK:
        is_new = not path.exists()
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as file:
            file.write(json.dumps(line, default=str, sort_keys=True) + "\n")
        if is_new:
            prune(path.parent, now.date(), settings.audit_retention_days())
    return path


def prune(folder: Path, today: dt.date, retention_days: int) -> list[Path]:
    """Delete the audit files of days more than ``retention_days`` before ``today`` (0: keep all)."""
    if retention_days <= 0:
        return []
    oldest_kept = today - dt.timedelta(days=retention_days - 1)
    removed = []
    for path in sorted(folder.glob(f"{FILE_PREFIX}*{FILE_SUFFIX}")):
        try:
            day = dt.date.fromisoformat(path.name[len(FILE_PREFIX) : -len(FILE_SUFFIX)])
        except ValueError:
            continue
        if day < oldest_kept:
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed


def read(folder: Path | None = None) -> list[dict[str, Any]]:
    """Every event in the folder's files, oldest file first (tests, and an operator's quick look)."""
    events = []
    for path in sorted((folder or settings.audit_dir()).glob(f"{FILE_PREFIX}*{FILE_SUFFIX}")):
        events += [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return events
