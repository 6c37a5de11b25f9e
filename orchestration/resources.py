"""The one resource every step shares: where the extracts are, where the warehouse goes, DuckDB limits,
and the run lock that keeps two runs from writing one warehouse at once."""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb

from orchestration.preflight import PreflightError, check_warehouse_folder
from orchestration.settings import Settings


def connect(database: Path, memory_limit: str, threads: int) -> duckdb.DuckDBPyConnection:
    """A read-write connection to a working database, within the run's limits."""
    database.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(database), config={"memory_limit": memory_limit, "threads": threads})
    con.execute("set enable_progress_bar = false")
    return con


class WarehouseResource(dg.ConfigurableResource):
    """Paths and limits of one run; defaults come from orchestration.settings (environment variables)."""

    extracts_dir: str
    warehouse_path: str
    memory_limit: str
    threads: int
    pseudonym_key_file: str
    max_shrink: float

    @classmethod
    def from_settings(cls, settings: Settings) -> WarehouseResource:
        return cls(
            extracts_dir=str(settings.extracts_dir),
            warehouse_path=str(settings.warehouse_path),
            memory_limit=settings.memory_limit,
            threads=settings.threads,
            pseudonym_key_file=str(settings.pseudonym_key_file),
            max_shrink=settings.max_shrink,
        )

    @contextmanager
    def yield_for_execution(self, context: dg.InitResourceContext) -> Iterator[WarehouseResource]:
        """Hold the warehouse's run lock for the whole run (the job runs every step in one process)."""
        settings = self.settings
        try:
            check_warehouse_folder(settings.warehouse_path, settings.work_database)
        except PreflightError as error:
            raise dg.Failure(description=str(error)) from None
        lock_path = settings.lock_path
        with lock_path.open("w") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if context.log:
                    context.log.warning(f"another run is writing {self.warehouse_path}; waiting for it to finish")
                fcntl.flock(handle, fcntl.LOCK_EX)
            yield self

    @property
    def settings(self) -> Settings:
        return Settings(
            extracts_dir=Path(self.extracts_dir),
            warehouse_path=Path(self.warehouse_path),
            memory_limit=self.memory_limit,
            threads=self.threads,
            dashboard_host="127.0.0.1",
            dashboard_port=8501,
            pseudonym_key_file=Path(self.pseudonym_key_file),
            max_shrink=self.max_shrink,
        )

    def connect_work_database(self) -> duckdb.DuckDBPyConnection:
        return connect(self.settings.work_database, self.memory_limit, self.threads)
