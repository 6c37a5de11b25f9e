"""dbt's own unit tests (``unit_tests:`` beside each model): every KPI edge case, run once against a real build.

Production runs exclude them (they test the SQL, not the delivery); here they must all pass. They need the
relations of a build to exist, not its data: the small warehouse of the fast lane is enough.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from orchestration.settings import DBT_PROJECT_DIR, Settings


def test_every_dbt_unit_test_passes(small_warehouse: Path, tmp_path: Path):
    build_dir = Settings.from_env(warehouse_path=small_warehouse).build_dir
    result = subprocess.run(
        [
            str(Path(sys.executable).with_name("dbt")),
            "test",
            "--select",
            "test_type:unit",
            "--profiles-dir",
            str(DBT_PROJECT_DIR),
            "--project-dir",
            str(DBT_PROJECT_DIR),
            "--target-path",
            str(tmp_path / "target"),
        ],
        capture_output=True,
        text=True,
        timeout=900,
        env={**os.environ, "HOME": str(build_dir)},  # the profile's ~/work.duckdb: that build's working database
    )
    assert result.returncode == 0, result.stdout[-5000:]
    summary = next(line for line in result.stdout.splitlines() if "Done. PASS=" in line)
    passed = int(summary.split("PASS=")[1].split()[0])
    assert passed >= 20, summary
