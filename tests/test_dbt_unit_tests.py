"""dbt's own unit tests (``unit_tests:`` beside each model): every KPI edge case, run once against a real build.

Production runs exclude them (they test the SQL, not the delivery); here they must all pass.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from orchestration.settings import DBT_PROJECT_DIR, Settings


def test_every_dbt_unit_test_passes(sample_warehouse: Path, tmp_path: Path):
    work_database = Settings.from_env(warehouse_path=sample_warehouse).work_database
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
            "--vars",
            json.dumps({"work_database": str(work_database)}),
        ],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout[-5000:]
    summary = next(line for line in result.stdout.splitlines() if "Done. PASS=" in line)
    passed = int(summary.split("PASS=")[1].split()[0])
    assert passed >= 20, summary
