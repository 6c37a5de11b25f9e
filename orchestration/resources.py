"""The one resource every step shares: where the extracts are, where the warehouse goes, DuckDB limits."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import duckdb

from orchestration.settings import Settings


class WarehouseResource(dg.ConfigurableResource):
    """Paths and limits of one run; defaults come from orchestration.settings (environment variables)."""

    extracts_dir: str
    warehouse_path: str
    memory_limit: str
    threads: int

    @classmethod
    def from_settings(cls, settings: Settings) -> WarehouseResource:
        return cls(
            extracts_dir=str(settings.extracts_dir),
            warehouse_path=str(settings.warehouse_path),
            memory_limit=settings.memory_limit,
            threads=settings.threads,
        )

    @property
    def settings(self) -> Settings:
        return Settings(
            extracts_dir=Path(self.extracts_dir),
            warehouse_path=Path(self.warehouse_path),
            memory_limit=self.memory_limit,
            threads=self.threads,
            dashboard_host="127.0.0.1",
            dashboard_port=8501,
        )

    def connect_work_database(self) -> duckdb.DuckDBPyConnection:
        path = self.settings.work_database
        path.parent.mkdir(parents=True, exist_ok=True)
        return duckdb.connect(str(path), config={"memory_limit": self.memory_limit, "threads": self.threads})

    def dbt_vars(self) -> dict[str, str | int]:
        return {
            "work_database": str(self.settings.work_database),
            "memory_limit": self.memory_limit,
            "threads": self.threads,
        }
