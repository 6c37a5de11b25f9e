"""The dbt project as Dagster assets: `dbt build` (models, seeds and tests) over the working database.

dbt tests are Dagster asset checks. The build is the gate: when any test of severity error fails, the step
fails naming the failing tests, and nothing downstream (the publish) runs.

The validation and staging tables of the contract entities are incremental (see
dbt_project/macros/staging/incremental.sql). A build is a full refresh when asked (`full_refresh` config,
`observatory run --full-refresh`) and whenever what the incremental rows were built with has changed since
the last good build: the dbt project, the contract, a reference table's deliveries (code_map decides
today's codes for yesterday's rows too) or which entities were delivered (a KPI exists only where its
entities were), and after a build that failed or was interrupted. Otherwise the KPI models recompute only the
site-days the new rows touch (int_touched_site_days).
"""

import fcntl
import hashlib
import os
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets

from orchestration.contract import load_contract
from orchestration.progress import BUILD_SUMMARY_PREFIX
from orchestration.resources import WarehouseResource
from orchestration.settings import CONTRACT_PATH, DBT_PROJECT_DIR, PROJECT_ROOT, OperationsSettings, Settings

# dbt from this interpreter's environment, whether or not that environment is activated.
DBT_EXECUTABLE = str(Path(sys.executable).with_name("dbt"))


def dbt_resource() -> DbtCliResource:
    # The build's target by name: DBT_TARGET in the environment (how plain `mf` picks the read-only `published`
    # target, dbt_project/profiles.yml) must never point a build at the published file.
    return DbtCliResource(project_dir=observatory_dbt_project(), dbt_executable=DBT_EXECUTABLE, target="duckdb")


@cache
def observatory_dbt_project() -> DbtProject:
    """The dbt project, with its manifest parsed again whenever a model, macro or seed changed."""
    project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR, target="duckdb")
    lock_path = DBT_PROJECT_DIR / project.target_path / "parse.lock"
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with lock_path.open("w") as lock:  # processes starting together parse once, one after the other
        fcntl.flock(lock, fcntl.LOCK_EX)
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


class DbtBuildConfig(dg.Config):
    full_refresh: bool = False


def build_fingerprint(warehouse: WarehouseResource) -> str:
    """What incremental rows depend on besides their own deliveries: project files, reference deliveries, which
    entities were delivered."""
    digest = hashlib.sha256()
    files = [CONTRACT_PATH, *(PROJECT_ROOT / "seeds" / "reference").glob("*.csv")]
    files += list(DBT_PROJECT_DIR.glob("*.yml"))
    for folder in ("models", "macros", "tests"):
        files += [path for path in (DBT_PROJECT_DIR / folder).rglob("*") if path.is_file()]
    for path in sorted(files):
        digest.update(str(path.relative_to(PROJECT_ROOT)).encode() + b"\0" + path.read_bytes() + b"\0")
    references = [entity.name for entity in load_contract().entities if entity.is_reference]
    with warehouse.connect_work_database() as con:
        deliveries = con.execute(
            "select entity, file_name, file_hash from raw._deliveries "
            "where is_current and list_contains($references, entity) order by all",
            {"references": references},
        ).fetchall()
        delivered = con.execute("select entity from raw._folders where is_delivered order by all").fetchall()
    digest.update(repr(deliveries).encode() + repr(delivered).encode())
    return digest.hexdigest()


def dbt_build_args(warehouse: WarehouseResource, full_refresh: bool) -> list[str]:
    # dbt unit tests check the SQL, not the delivery: they run once in the test suite, not in every run.
    args = ["build", "--exclude-resource-type", "unit_test", "--threads", str(warehouse.threads)]
    return [*args, "--full-refresh"] if full_refresh else args


@contextmanager
def environment_for_dbt(settings: Settings) -> Iterator[None]:
    """Start dbt with HOME set to the warehouse's build folder, where its profile's `~/work.duckdb` is, the run's
    memory limit and the freshness limits.

    The profile then reads the same for every warehouse, so the partial parse the project prepared stays valid
    (a full parse costs 7-11 s a run). dbt's process is started inside this block and keeps its environment.
    """
    operations = OperationsSettings.from_env()
    names = {
        "HOME": str(settings.build_dir),
        "OBSERVATORY_DUCKDB_MEMORY_LIMIT": settings.memory_limit,
        # marts.entity_freshness judges with these limits (env_var in its SQL: partial parsing re-parses only
        # that file when one changes); the settings' values, so dbt and Python never hold two defaults apart.
        "OBSERVATORY_FRESHNESS_DELIVERY_HOURS": f"{operations.delivery_max_age_hours:g}",
        "OBSERVATORY_FRESHNESS_EVENT_HOURS": f"{operations.event_max_age_hours:g}",
    }
    previous = {name: os.environ.get(name) for name in names}
    os.environ.update(names)
    try:
        yield
    finally:
        for name, value in previous.items():
            if value is None:
                del os.environ[name]
            else:
                os.environ[name] = value


def describe_warnings(
    run_results: Mapping[str, Any], manifest: Mapping[str, Any], con: duckdb.DuckDBPyConnection
) -> list[str]:
    """What each warning of a build means, in a user's words.

    An accepted-values warning is an unknown code (flagged, not rejected): its codes are read by running the
    test's own compiled query again. Others are named by their test.
    """
    unknown_codes, others = [], []
    for result in run_results.get("results", []):
        if result["status"] != "warn":
            continue
        node = manifest["nodes"].get(result["unique_id"], {})
        test = node.get("test_metadata") or {}
        if test.get("name") == "accepted_values" and result.get("compiled_code"):
            entity = node.get("attached_node", "").rsplit(".", 1)[-1].removeprefix("stg_erp__")
            codes = [str(row[0]) for row in con.execute(result["compiled_code"]).fetchall()]
            unknown_codes.append(f"{', '.join(codes)} ({entity}.{test['kwargs'].get('column_name')})")
        else:
            others.append(f"{node.get('name', result['unique_id'])} ({result.get('failures')} rows)")
    described = [f"unknown codes {'; '.join(unknown_codes)} flagged, not rejected"] if unknown_codes else []
    return described + others


def build_summary(run_results: Mapping[str, Any], warnings: list[str]) -> str:
    statuses = [result["status"] for result in run_results.get("results", [])]
    passed = sum(status in {"success", "pass"} for status in statuses)
    elapsed = run_results.get("elapsed_time", 0)
    text = f"{passed} models, seeds and tests passed"
    if warnings:
        count = statuses.count("warn")
        text += f", {count} warning{'s' if count != 1 else ''}: {'; '.join(warnings)}"
    return f"{text} ({elapsed:.0f}s)"


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
        context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource, config: DbtBuildConfig
    ) -> Iterator[Any]:
        target_path = warehouse.settings.dbt_target_dir
        fingerprint_path = warehouse.settings.build_dir / "incremental.fingerprint"
        fingerprint = build_fingerprint(warehouse)
        stale = not fingerprint_path.exists() or fingerprint_path.read_text() != fingerprint
        if stale and not config.full_refresh:
            context.log.info(
                "first build, the last build failed, or project, contract or reference deliveries changed: full refresh"
            )
        full_refresh = config.full_refresh or stale
        # What an incremental build changed is known only to that build (the rows it revisits carry its dbt
        # invocation id): one that fails or is interrupted leaves no fingerprint, so the next build is a full one.
        fingerprint_path.unlink(missing_ok=True)
        args = dbt_build_args(warehouse, full_refresh)
        with environment_for_dbt(warehouse.settings):
            invocation = dbt.cli(args, context=context, raise_on_error=False, target_path=target_path)
        yield from invocation.stream()
        if invocation.is_successful():
            fingerprint_path.write_text(fingerprint)
            run_results = invocation.get_artifact("run_results.json")
            with warehouse.connect_work_database() as con:
                warnings = describe_warnings(run_results, invocation.get_artifact("manifest.json"), con)
            context.log.info(BUILD_SUMMARY_PREFIX + build_summary(run_results, warnings))
        else:
            failures = failed_nodes(invocation.get_artifact("run_results.json"))
            raise dg.Failure(
                description="dbt build failed; the warehouse was not published. Failing: "
                + ("; ".join(failures) or f"see {target_path / 'dbt.log'}"),
                metadata={"failures": failures},
            )

    return observatory_dbt_assets
