"""The dbt project as Dagster assets: `dbt build` (models, seeds and tests) over the working database.

dbt tests are Dagster asset checks. The build is the gate: when any test of severity error fails, the step
fails naming the failing tests, and nothing downstream (the publish) runs.
"""

import json
import sys
from collections.abc import Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets

from orchestration.resources import WarehouseResource
from orchestration.settings import DBT_PROJECT_DIR, PROJECT_ROOT

# dbt from this interpreter's environment, whether or not that environment is activated.
DBT_EXECUTABLE = str(Path(sys.executable).with_name("dbt"))


def dbt_resource() -> DbtCliResource:
    return DbtCliResource(project_dir=observatory_dbt_project(), dbt_executable=DBT_EXECUTABLE)


@cache
def observatory_dbt_project() -> DbtProject:
    """The dbt project, with its manifest parsed again whenever a model, macro or seed changed."""
    project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
    if _manifest_is_stale(project.manifest_path):
        DbtCliResource(project_dir=project, dbt_executable=DBT_EXECUTABLE).cli(
            ["parse", "--quiet"], target_path=project.target_path
        ).wait()
    return project


def _manifest_is_stale(manifest: Path) -> bool:
    """Whether any file dbt parses is newer than the manifest (or there is none)."""
    if not manifest.exists():
        return True
    built = manifest.stat().st_mtime
    sources = [*DBT_PROJECT_DIR.glob("*.yml"), *(PROJECT_ROOT / "seeds" / "reference").glob("*.csv")]
    for folder in ("models", "macros", "tests"):
        sources += [path for path in (DBT_PROJECT_DIR / folder).rglob("*") if path.is_file()]
    return any(path.stat().st_mtime > built for path in sources)


class ObservatoryTranslator(DagsterDbtTranslator):
    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "seed":
            return "reference"
        path = Path(dbt_resource_props.get("original_file_path", ""))
        return path.parts[1] if len(path.parts) > 2 and path.parts[0] == "models" else None


def dbt_build_args(warehouse: WarehouseResource) -> list[str]:
    # dbt unit tests check the SQL, not the delivery: they run once in the test suite, not in every run.
    return ["build", "--exclude-resource-type", "unit_test", "--vars", json.dumps(warehouse.dbt_vars())]


def failed_nodes(run_results: Mapping[str, Any]) -> list[str]:
    """'<node>: <message>' for every node of a dbt run that failed or errored."""
    return [
        f"{result['unique_id']}: {(result.get('message') or result['status']).strip()}"
        for result in run_results.get("results", [])
        if result["status"] in {"fail", "error"}
    ]


def build_dbt_assets() -> dg.AssetsDefinition:
    project = observatory_dbt_project()

    @dbt_assets(manifest=project.manifest_path, project=project, dagster_dbt_translator=ObservatoryTranslator())
    def observatory_dbt_assets(
        context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource
    ) -> Iterator[Any]:
        target_path = warehouse.settings.dbt_target_dir
        invocation = dbt.cli(dbt_build_args(warehouse), context=context, raise_on_error=False, target_path=target_path)
        yield from invocation.stream()
        if not invocation.is_successful():
            failures = failed_nodes(invocation.get_artifact("run_results.json"))
            raise dg.Failure(
                description="dbt build failed; the warehouse was not published. Failing: "
                + ("; ".join(failures) or f"see {target_path / 'dbt.log'}"),
                metadata={"failures": failures},
            )

    return observatory_dbt_assets
