"""dbt's lineage is the run's real lineage: every relation a model reads comes through ref or source, so `dbt ls`,
the docs' graph and Dagster's asset graph show it, and a renamed model fails `dbt parse`, not a later run."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from orchestration.settings import DBT_PROJECT_DIR, PROJECT_ROOT


def dbt(project_dir: Path, tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            str(Path(sys.executable).with_name("dbt")),
            *args,
            "--profiles-dir",
            str(DBT_PROJECT_DIR),
            "--project-dir",
            str(project_dir),
            "--target-path",
            str(tmp_path / "target"),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "HOME": str(tmp_path)},
    )


def test_kpi_daily_lineage_lists_the_changed_rows_and_the_touched_site_days(tmp_path: Path):
    result = dbt(DBT_PROJECT_DIR, tmp_path, "ls", "--select", "+kpi_daily", "--output", "name", "--quiet")
    assert result.returncode == 0, result.stdout[-3000:]
    listed = set(result.stdout.split())
    assert {"int_touched_site_days", "base_erp__sales_orders", "stg_erp__sales_orders", "stg_erp__users"} <= listed
    assert {"erp._deliveries", "erp.sales_orders"} <= listed


def test_renaming_a_staging_model_fails_dbt_parse(tmp_path: Path):
    project = tmp_path / "project"
    shutil.copytree(DBT_PROJECT_DIR, project / "dbt_project", ignore=shutil.ignore_patterns("target", "logs"))
    (project / "seeds").symlink_to(PROJECT_ROOT / "seeds")
    models = project / "dbt_project" / "models" / "staging" / "erp"
    (models / "stg_erp__users.sql").rename(models / "stg_erp__people.sql")
    result = dbt(project / "dbt_project", tmp_path, "parse")
    assert result.returncode != 0
    assert "stg_erp__users" in result.stdout


def test_no_model_or_macro_reaches_another_relation_outside_ref_or_source():
    # The one exception builds the relation of the model under test itself (dbt unit tests on PostgreSQL).
    allowed = {DBT_PROJECT_DIR / "macros" / "adapters" / "postgres_unit_test.sql"}
    offending = [
        str(path.relative_to(DBT_PROJECT_DIR))
        for folder in ("models", "macros")
        for path in (DBT_PROJECT_DIR / folder).rglob("*.sql")
        if path not in allowed and re.search(r"\.incorporate\(|api\.Relation\.create\(", path.read_text())
    ]
    assert offending == []
