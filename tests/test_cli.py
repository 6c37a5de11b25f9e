"""The installed `observatory` command: help on every command, a full run, and errors as one clear line."""

from __future__ import annotations

import os
import shutil
import socket
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
        (("query",), "--by"),
        (("generate",), "--seed"),
    ],
)
def test_every_command_explains_itself_with_help(command: tuple[str, ...], expected: str):
    result = observatory(*command, "--help")
    assert result.returncode == 0, result.stderr
    assert expected in result.stdout


@pytest.mark.slow
def test_run_prints_one_line_per_stage_and_keeps_the_full_logs_in_the_file_it_names(extracts: Path, tmp_path: Path):
    warehouse = tmp_path / "out" / "warehouse.duckdb"
    result = observatory("run", "--extracts", str(extracts), "--warehouse", str(warehouse))
    assert result.returncode == 0, result.stderr[-2000:]
    lines = result.stdout.splitlines()
    assert len(lines) <= 40 and not result.stderr
    assert [line.split()[0] for line in lines if line.split()[0] in {"load", "build", "publish"}] == [
        "load",
        "build",
        "publish",
    ]
    assert f"published {warehouse}" in result.stdout
    assert "observatory dashboard" in result.stdout
    assert warehouse.exists()
    log = Path(next(line for line in lines if line.strip().startswith("log:")).split("log:")[1].strip())
    assert "Done. PASS=" in log.read_text()


def test_a_read_only_warehouse_folder_is_one_line_naming_the_folder_and_the_cause(extracts: Path, tmp_path: Path):
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(0o555)
    command = [OBSERVATORY, "run", "--extracts", str(extracts), "--warehouse", str(folder / "warehouse.duckdb")]
    if os.geteuid() == 0:  # root writes anywhere: run as nobody, as a real user would be
        as_nobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
        if shutil.which("setpriv") is None or subprocess.run([*as_nobody, sys.executable, "-c", ""]).returncode:
            pytest.skip("running as root without a way to run the command as an unprivileged user")
        command = [*as_nobody, *command]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"observatory run: error: cannot write in the warehouse folder {folder}: Permission denied"
    ]


def test_a_busy_dashboard_port_is_one_clear_line_before_any_url(tmp_path: Path):
    warehouse = tmp_path / "warehouse.duckdb"
    warehouse.touch()
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = observatory("dashboard", "--warehouse", str(warehouse), "--port", str(port))
    assert result.returncode == 1
    assert "http://" not in result.stdout
    assert result.stderr.splitlines() == [
        f"observatory dashboard: error: cannot serve on 127.0.0.1:{port}: Address already in use (another "
        "dashboard running? choose another port with --port)"
    ]


def test_run_on_a_missing_folder_fails_with_one_clear_line_and_no_traceback(tmp_path: Path):
    result = observatory("run", "--extracts", str(tmp_path / "nowhere"), "--warehouse", str(tmp_path / "w.duckdb"))
    assert result.returncode == 1
    assert result.stderr.startswith("observatory run: error: extracts folder")
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "w.duckdb").exists()
