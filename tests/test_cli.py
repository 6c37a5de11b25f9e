"""The installed `observatory` command: help on every command, a full run, and errors as one clear line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

OBSERVATORY = str(Path(sys.executable).with_name("observatory"))


def observatory(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([OBSERVATORY, *args], capture_output=True, text=True, timeout=600)


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ((), "run"),
        (("run",), "--extracts"),
        (("dashboard",), "--warehouse"),
        (("generate",), "--seed"),
    ],
)
def test_every_command_explains_itself_with_help(command: tuple[str, ...], expected: str):
    result = observatory(*command, "--help")
    assert result.returncode == 0, result.stderr
    assert expected in result.stdout


def test_run_publishes_the_warehouse_and_says_where_the_dashboard_is(extracts: Path, tmp_path: Path):
    warehouse = tmp_path / "out" / "warehouse.duckdb"
    result = observatory("run", "--extracts", str(extracts), "--warehouse", str(warehouse))
    assert result.returncode == 0, result.stderr[-2000:]
    assert f"published {warehouse}" in result.stdout
    assert "observatory dashboard" in result.stdout
    assert warehouse.exists()


def test_run_on_a_missing_folder_fails_with_one_clear_line_and_no_traceback(tmp_path: Path):
    result = observatory("run", "--extracts", str(tmp_path / "nowhere"), "--warehouse", str(tmp_path / "w.duckdb"))
    assert result.returncode == 1
    assert result.stderr.startswith("observatory run: error: extracts folder")
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "w.duckdb").exists()
