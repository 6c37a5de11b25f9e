"""The publish guard: a build that lost its history never replaces the published warehouse unless told to."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest
from conftest import ORDERS_CSV, SITES_CSV, query, write_file

from orchestration.cli import CommandError, run_pipeline
from orchestration.contract import load_contract
from orchestration.definitions import build_definitions
from orchestration.guard import WarehouseState, refusal, survey_extracts
from orchestration.resources import WarehouseResource
from orchestration.settings import Settings

pytestmark = pytest.mark.slow
OBSERVATORY = str(Path(sys.executable).with_name("observatory"))
ENTITIES = list(load_contract().entities)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def published(small_warehouse: Path) -> Path:
    """A warehouse published from two sites and three orders (conftest's small warehouse; tests work on a copy)."""
    return small_warehouse


@pytest.fixture
def warehouse(published: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "published" / "warehouse.duckdb"
    copy.parent.mkdir()
    shutil.copy(published, copy)
    return copy


def run(extracts: Path, warehouse: Path, allow_shrink: bool = False) -> None:
    run_pipeline(Settings.from_env(extracts, warehouse), "ERROR", allow_shrink=allow_shrink)


def test_an_empty_extracts_folder_is_refused_by_the_command_and_leaves_the_published_file_byte_identical(
    warehouse: Path, tmp_path: Path
):
    before = digest(warehouse)
    (tmp_path / "empty").mkdir()
    result = subprocess.run(
        [OBSERVATORY, "run", "--extracts", str(tmp_path / "empty"), "--warehouse", str(warehouse)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 1
    error = result.stderr.splitlines()
    assert error[0].startswith("observatory run: error: refused to publish: extracts folder")
    assert "holds no delivery" in error[0] and "--allow-shrink" in error[0]
    assert "Traceback" not in result.stderr
    assert digest(warehouse) == before


def test_with_allow_shrink_an_empty_folder_publishes_an_empty_warehouse(warehouse: Path, tmp_path: Path):
    (tmp_path / "empty").mkdir()
    run(tmp_path / "empty", warehouse, allow_shrink=True)
    assert query(warehouse, "select count(*) from staging.stg_erp__sales_orders") == [(0,)]


def test_a_folder_one_level_too_deep_is_refused_naming_the_files_that_lie_in_it(warehouse: Path, published: Path):
    before = digest(warehouse)
    too_deep = published.parents[1] / "extracts" / "sales_orders"
    with pytest.raises(CommandError, match=r"files lie directly in it \(sales_orders_20260105\.csv\)"):
        run(too_deep, warehouse)
    assert digest(warehouse) == before


def test_a_folder_one_level_too_high_is_refused_naming_the_entity_folders_below(warehouse: Path, published: Path):
    with pytest.raises(CommandError, match=r"entity folders lie one level deeper \(extracts/sales_orders/"):
        run(published.parents[1], warehouse)


def test_an_entity_delivered_before_without_a_current_file_is_refused_unless_overridden(
    warehouse: Path, tmp_path: Path
):
    before = digest(warehouse)
    extracts = tmp_path / "extracts"
    write_file(extracts, "sites", "sites_20260105.csv", SITES_CSV)
    with pytest.raises(CommandError, match=r"1 entity delivered before has no current file .*: sales_orders;"):
        run(extracts, warehouse)
    assert digest(warehouse) == before
    run(extracts, warehouse, allow_shrink=True)
    assert query(warehouse, "select count(*) from staging.stg_erp__sites") == [(2,)]


def test_a_core_relation_losing_more_than_a_tenth_of_its_rows_is_refused_after_the_build(
    warehouse: Path, tmp_path: Path
):
    before = digest(warehouse)
    extracts = tmp_path / "extracts"
    write_file(extracts, "sites", "sites_20260105.csv", SITES_CSV)
    write_file(extracts, "sales_orders", "sales_orders_20260105.csv", "\n".join(ORDERS_CSV.splitlines()[:2]) + "\n")
    with pytest.raises(CommandError, match=r"staging\.stg_erp__sales_orders 3 -> 1 rows \(-67%\)"):
        run(extracts, warehouse)
    assert digest(warehouse) == before


def test_the_guard_compares_rows_only_beyond_the_configured_share():
    survey = survey_extracts(Path(__file__).parent / "no-such-folder", ENTITIES)
    published = WarehouseState(frozenset(), {"marts.kpi_daily": 100})
    delivered = survey.__class__(survey.folder, {"sites": 1}, (), ())
    assert refusal(published, delivered, {"marts.kpi_daily": 90}, max_shrink=0.10) is None
    assert "marts.kpi_daily 100 -> 89 rows (-11%)" in refusal(published, delivered, {"marts.kpi_daily": 89}, 0.10)
    assert "does not exist (or is not mounted)" in refusal(published, survey)


def evaluate_landing_sensor(settings: Settings) -> dg.SkipReason | dg.RunRequest:
    sensor = build_definitions(settings).resolve_sensor_def("landing_folder_sensor")
    resources = {"warehouse": WarehouseResource.from_settings(settings)}
    with dg.build_sensor_context(resources=resources) as context:
        [result] = list(sensor(context))
    return result


@pytest.mark.parametrize("layout", ["vanished", "empty"])
def test_the_landing_sensor_requests_no_run_for_an_empty_or_vanished_folder(tmp_path: Path, layout: str):
    extracts = tmp_path / "extracts"
    if layout == "empty":
        extracts.mkdir()
    settings = Settings.from_env(extracts, tmp_path / "warehouse.duckdb")
    result = evaluate_landing_sensor(settings)
    assert isinstance(result, dg.SkipReason)
    assert "no run requested" in result.skip_message and str(extracts) in result.skip_message
    write_file(extracts, "sites", "sites_20260105.csv", SITES_CSV)
    assert isinstance(evaluate_landing_sensor(settings), dg.RunRequest)


def test_the_weekly_schedule_runs_the_job_as_a_full_refresh_so_every_test_reads_its_whole_table(tmp_path: Path):
    definitions = build_definitions(Settings.from_env(tmp_path / "extracts", tmp_path / "warehouse.duckdb"))
    schedule = definitions.resolve_schedule_def("weekly_full_refresh")
    with dg.build_schedule_context() as context:
        request = schedule.evaluate_tick(context).run_requests[0]
    assert request.run_config["ops"]["observatory_dbt_assets"]["config"] == {"full_refresh": True}
    job = definitions.resolve_job_def("observatory_job")
    assert dg.validate_run_config(job, request.run_config)["ops"]["observatory_dbt_assets"]["config"] == {
        "full_refresh": True
    }
    assert schedule.cron_schedule == "0 5 * * 0" and schedule.job_name == "observatory_job"
