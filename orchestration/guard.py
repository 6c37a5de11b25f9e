"""The publish guard: never replace a published warehouse with one that lost its history.

"Only the files present are current" is right for one file; for a whole folder it is never taken on trust. Before
a build replaces a published warehouse, what it would publish is compared with what that warehouse holds, and the
publish is refused (the published file stays byte-identical) when

- the extracts folder holds no delivery at all (often: the folder one level too deep or too high, or a network
  share that is not mounted);
- an entity that was delivered before has no current file now;
- a core relation (``marts.kpi_daily``, each ``staging.stg_erp__*``) would lose more than a share of its rows
  (``OBSERVATORY_MAX_SHRINK``, default 10 %).

``observatory run --allow-shrink`` (Dagster: ``allow_shrink: true`` in the publish step's config) publishes anyway.
A first run into a new warehouse path has nothing to protect, so it needs no guard.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from orchestration.contract import Entity
from orchestration.deliveries import FILE_SUFFIXES, discover_files

# What every published warehouse carries about the deliveries it was built from (written by the publish).
DELIVERIES_TABLE = "meta.deliveries"
OVERRIDE_HINT = "use --allow-shrink (Dagster: allow_shrink in the publish step's config) to publish anyway"


class PublishRefused(Exception):
    """The new build would lose history; the message is one line saying what shrank and how to override."""


@dataclass(frozen=True)
class ExtractsSurvey:
    """What an extracts folder holds: delivery files per entity folder, and files where no entity folder is."""

    folder: Path
    files_per_entity: dict[str, int]
    stray_files: tuple[str, ...]  # delivery-like files lying directly in the folder
    nested_entity_folders: tuple[str, ...]  # entity folders one level further down (the folder is too high)

    @property
    def delivered_entities(self) -> set[str]:
        return {entity for entity, files in self.files_per_entity.items() if files}

    @property
    def has_delivery(self) -> bool:
        return bool(self.delivered_entities)

    def why_empty(self) -> str:
        """Why the folder holds no delivery, naming where the files are if they are somewhere else."""
        if not self.folder.is_dir():
            return f"extracts folder {self.folder} does not exist (or is not mounted)"
        reason = f"extracts folder {self.folder} holds no delivery (no <entity>/ folder with a .csv or .parquet file)"
        if self.stray_files:
            reason += f"; files lie directly in it ({_first(self.stray_files)}): point at the folder above"
        if self.nested_entity_folders:
            reason += f"; entity folders lie one level deeper ({_first(self.nested_entity_folders)})"
        return reason


def _first(names: tuple[str, ...], count: int = 3) -> str:
    shown = ", ".join(names[:count])
    return shown + (f" and {len(names) - count} more" if len(names) > count else "")


def survey_extracts(folder: Path, entities: list[Entity]) -> ExtractsSurvey:
    names = {entity.name for entity in entities}
    files_per_entity = {entity.name: len(discover_files(folder / entity.name)) for entity in entities}
    stray: list[str] = []
    nested: list[str] = []
    if folder.is_dir():
        for path in sorted(folder.iterdir(), key=lambda path: path.name):
            if path.name.startswith("."):
                continue
            if path.is_file() and path.suffix.lower() in FILE_SUFFIXES:
                stray.append(path.name)
            elif path.is_dir() and path.name not in names:
                nested += [f"{path.name}/{child.name}/" for child in sorted(path.iterdir()) if child.name in names]
    return ExtractsSurvey(folder, files_per_entity, tuple(stray), tuple(nested))


@dataclass(frozen=True)
class WarehouseState:
    """What a warehouse holds that the guard compares: entities delivered, rows of the core relations."""

    delivered_entities: frozenset[str]
    core_rows: dict[str, int]


def is_core_relation(schema: str, name: str) -> bool:
    return (schema, name) == ("marts", "kpi_daily") or (schema == "staging" and name.startswith("stg_erp__"))


def core_row_counts(con: duckdb.DuckDBPyConnection, catalog: str) -> dict[str, int]:
    tables = con.execute(
        "select schema_name, table_name from duckdb_tables() where database_name = ? order by all", [catalog]
    ).fetchall()
    return {
        f"{schema}.{name}": con.execute(f'select count(*) from "{catalog}"."{schema}"."{name}"').fetchone()[0]
        for schema, name in tables
        if is_core_relation(schema, name) and name != "stg_erp__rejects"
    }


def read_published_state(warehouse: Path) -> WarehouseState | None:
    """The published warehouse's state, or None when there is none yet (a first run)."""
    if not warehouse.exists():
        return None
    with duckdb.connect(str(warehouse), read_only=True) as con:
        catalog = con.execute("select current_database()").fetchone()[0]
        rows = core_row_counts(con, catalog)
        has_deliveries = con.execute(
            "select count(*) from duckdb_tables() where schema_name = 'meta' and table_name = 'deliveries'"
        ).fetchone()[0]
        if has_deliveries:
            query = f"select entity from {DELIVERIES_TABLE} where files > 0"
            delivered = {row[0] for row in con.execute(query).fetchall()}
        else:  # published before the guard existed: an entity with staged rows was delivered
            staged = {name: count for name, count in rows.items() if name.startswith("staging.stg_erp__")}
            delivered = {name.removeprefix("staging.stg_erp__") for name, count in staged.items() if count}
    return WarehouseState(frozenset(delivered), rows)


def refusal(
    published: WarehouseState,
    survey: ExtractsSurvey,
    new_rows: dict[str, int] | None = None,
    max_shrink: float = 0.10,
) -> str | None:
    """Why publishing would lose history (one line), or None when it would not.

    Without ``new_rows`` (before a build) only the deliveries are compared.
    """
    if not survey.has_delivery:
        rows = sum(published.core_rows.values())
        return (
            f"refused to publish: {survey.why_empty()}; publishing would empty the warehouse's {rows:,} rows in "
            f"{len(published.core_rows)} core relations; {OVERRIDE_HINT}"
        )
    missing = sorted(published.delivered_entities - survey.delivered_entities)
    if missing:
        return (
            f"refused to publish: {len(missing)} entit{'y' if len(missing) == 1 else 'ies'} delivered before "
            f"ha{'s' if len(missing) == 1 else 've'} no current file in {survey.folder}: {', '.join(missing)}; "
            f"{OVERRIDE_HINT}"
        )
    shrunk = []
    for relation, before in sorted(published.core_rows.items() if new_rows is not None else []):
        after = new_rows.get(relation, 0)
        if before and (before - after) / before > max_shrink:
            shrunk.append(f"{relation} {before:,} -> {after:,} rows (-{(before - after) / before:.0%})")
    if shrunk:
        return (
            f"refused to publish: {len(shrunk)} core relation(s) would lose more than {max_shrink:.0%} of their rows: "
            f"{'; '.join(shrunk[:3])}{f' and {len(shrunk) - 3} more' if len(shrunk) > 3 else ''}; {OVERRIDE_HINT}"
        )
    return None
