"""Every path and limit of the project, from environment variables with documented defaults.

Variable (default): meaning.

- OBSERVATORY_EXTRACTS (seeds/sample_extracts, the bundled sample): extracts folder in the contract's layout
- OBSERVATORY_WAREHOUSE (data/warehouse.duckdb): the published warehouse readers open
- OBSERVATORY_DUCKDB_MEMORY_LIMIT (4GB): DuckDB memory_limit for loads and builds
- OBSERVATORY_DUCKDB_THREADS (number of cores): DuckDB threads
- OBSERVATORY_DASHBOARD_HOST (127.0.0.1): address the dashboard binds to
- OBSERVATORY_DASHBOARD_PORT (8501): port the dashboard listens on

The build folder of a warehouse ``W`` is ``.W.build`` beside it: the working DuckDB file the loader and dbt
write, the dbt target folder and the run lock. It is never read by dashboards.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
CONTRACT_PATH = Path(__file__).resolve().parent / "contract.yml"
SHARED_CONTRACT_DIR = PROJECT_ROOT.parent / "shared" / "contract"
SAMPLE_EXTRACTS_DIR = PROJECT_ROOT / "seeds" / "sample_extracts"
DEFAULT_WAREHOUSE = PROJECT_ROOT / "data" / "warehouse.duckdb"


@dataclass(frozen=True)
class Settings:
    extracts_dir: Path
    warehouse_path: Path
    memory_limit: str
    threads: int
    dashboard_host: str
    dashboard_port: int

    @classmethod
    def from_env(cls, extracts_dir: Path | None = None, warehouse_path: Path | None = None) -> Settings:
        env = os.environ
        return cls(
            extracts_dir=Path(extracts_dir or env.get("OBSERVATORY_EXTRACTS") or SAMPLE_EXTRACTS_DIR).resolve(),
            warehouse_path=Path(warehouse_path or env.get("OBSERVATORY_WAREHOUSE") or DEFAULT_WAREHOUSE).resolve(),
            memory_limit=env.get("OBSERVATORY_DUCKDB_MEMORY_LIMIT", "4GB"),
            threads=int(env.get("OBSERVATORY_DUCKDB_THREADS") or os.cpu_count() or 2),
            dashboard_host=env.get("OBSERVATORY_DASHBOARD_HOST", "127.0.0.1"),
            dashboard_port=int(env.get("OBSERVATORY_DASHBOARD_PORT", "8501")),
        )

    @property
    def build_dir(self) -> Path:
        return self.warehouse_path.parent / f".{self.warehouse_path.name}.build"

    @property
    def work_database(self) -> Path:
        return self.build_dir / "work.duckdb"

    @property
    def dbt_target_dir(self) -> Path:
        return self.build_dir / "dbt_target"

    @property
    def lock_path(self) -> Path:
        return self.build_dir / "run.lock"
