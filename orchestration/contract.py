"""The extract contract (orchestration/contract.yml) as Python objects, and the files derived from it.

contract.yml is the one source of truth. From it this module renders, and `python -m orchestration.contract`
writes (``--check`` only compares):

- dbt_project/models/staging/erp/_erp__sources.yml            the raw tables as dbt sources
- dbt_project/models/staging/erp/base/base_erp__<entity>.sql   the typed, validated rows (plain SQL written by
  orchestration/staging_models.py), described in base/_base__models.yml
- dbt_project/models/staging/erp/stg_erp__<entity>.sql         the staging models, described with their tests in
  _erp__models.yml (reference tables: staging/reference/stg_reference__<table>.sql, _reference__models.yml)
- dbt_project/macros/contract/contract_entities.sql           the contract as a dbt macro (types, codes, constraints)
- docs/extracts.md                                            what a user reads

and, from the KPI dictionary (meta.kpis of kpi_daily), the semantic layer's yml (orchestration/semantic_models.py):
- dbt_project/models/marts/semantic/_semantic__models.yml     MetricFlow semantic models, metrics, time spine
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from orchestration import semantic_models
from orchestration.settings import CONTRACT_PATH, DBT_PROJECT_DIR, PROJECT_ROOT
from orchestration.staging_models import (
    base_model,
    render_base_model,
    render_reference_model,
    render_staging_model,
    staging_model,
)

TYPES = ("text", "int", "decimal", "bool", "date", "timestamp")
# Columns every raw table carries besides the contract's own (all contract columns are loaded as text).
LINEAGE_COLUMNS = ("_file_name", "_file_hash", "_row_number", "_load_id")
# Tables the loader keeps about the deliveries themselves (raw.<name>).
LOADER_TABLES = {
    "_deliveries": "One row per delivered file: hash, load id, rows in/loaded/rejected, status.",
    "_folders": "One row per contract entity: whether its folder exists in the extracts (delivered).",
    "_file_rejects": "Whole files the loader refused (missing required column, unreadable file...).",
    "_line_rejects": "Lines the CSV reader could not split into the header's columns.",
}


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    required: bool = False
    values: tuple[str, ...] = ()
    constraint: str | None = None
    values_from: str | None = None  # "<reference table>.<column>" holding the canonical codes
    personal: bool = False  # pseudonymised at load (keyed hash); the raw value never reaches the warehouse
    references: str | None = None  # "<entity>.<column>" this key points to (an orphan is a warning)
    note: str | None = None


@dataclass(frozen=True)
class Entity:
    name: str
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    is_reference: bool = False
    note: str | None = None

    @property
    def column_names(self) -> list[str]:
        return [column.name for column in self.columns]

    @property
    def has_personal_columns(self) -> bool:
        return any(column.personal for column in self.columns)

    @property
    def required_columns(self) -> list[str]:
        return [column.name for column in self.columns if column.required]


@dataclass(frozen=True)
class Contract:
    version: int
    entities: tuple[Entity, ...]

    @property
    def extracts(self) -> list[Entity]:
        return [entity for entity in self.entities if not entity.is_reference]

    @property
    def reference_tables(self) -> list[Entity]:
        return [entity for entity in self.entities if entity.is_reference]

    def entity(self, name: str) -> Entity:
        for entity in self.entities:
            if entity.name == name:
                return entity
        raise KeyError(f"no entity {name!r} in the contract")


def _entity(name: str, spec: dict, is_reference: bool) -> Entity:
    columns = []
    for column_name, column_spec in spec["columns"].items():
        if column_spec["type"] not in TYPES:
            raise ValueError(f"{name}.{column_name}: unknown type {column_spec['type']!r}")
        columns.append(
            Column(
                name=column_name,
                type=column_spec["type"],
                required=bool(column_spec.get("required", False)),
                values=tuple(column_spec.get("values", ())),
                constraint=column_spec.get("constraint"),
                values_from=column_spec.get("values_from"),
                personal=bool(column_spec.get("personal", False)),
                references=column_spec.get("references"),
                note=column_spec.get("note"),
            )
        )
    return Entity(name, tuple(spec["key"]), tuple(columns), is_reference, spec.get("note"))


@cache
def load_contract(path: Path = CONTRACT_PATH) -> Contract:
    document = yaml.safe_load(path.read_text())
    entities = [_entity(name, spec, False) for name, spec in document["entities"].items()]
    entities += [_entity(name, spec, True) for name, spec in document["reference_tables"].items()]
    return Contract(version=document["version"], entities=tuple(entities))


GENERATED_NOTE = "# Generated from orchestration/contract.yml by `python -m orchestration.contract`; do not edit.\n"


def _dump(document: dict) -> str:
    return GENERATED_NOTE + yaml.safe_dump(document, sort_keys=False, width=120, allow_unicode=True)


def _column_description(column: Column) -> str:
    parts = [column.type, "required" if column.required else "optional"]
    if column.values:
        parts.append("codes: " + ", ".join(column.values))
    if column.values_from:
        parts.append(f"codes: {column.values_from}")
    if column.constraint:
        parts.append(f"constraint: {column.constraint}")
    if column.personal:
        parts.append("pseudonymised at load")
    if column.note:
        parts.append(str(column.note))
    return "; ".join(parts)


def render_sources(contract: Contract) -> str:
    tables = []
    for entity in contract.entities:
        kind = "reference table" if entity.is_reference else "ERP extract"
        tables.append(
            {
                "name": entity.name,
                "description": f"{kind} `{entity.name}` as delivered: every column text, plus lineage.",
                "meta": {"dagster": {"asset_key": ["raw", entity.name]}, "contract_key": list(entity.key)},
                "columns": [
                    {"name": column.name, "description": _column_description(column)} for column in entity.columns
                ],
            }
        )
    for name, description in LOADER_TABLES.items():
        tables.append(
            {
                "name": name,
                "description": description,
                "meta": {"dagster": {"asset_key": ["raw", name]}},
            }
        )
    document = {
        "version": 2,
        "sources": [
            {
                "name": "erp",
                "description": "Raw ERP extracts loaded by the Dagster ingest assets (orchestration/ingest.py).",
                "schema": "raw",
                "tables": tables,
            }
        ],
    }
    return _dump(document)


def _delivered_data_checks(entity: Entity) -> list[dict]:
    checks = []
    for column in entity.columns:
        tests: list[dict] = []
        if column.values:
            arguments = {"values": list(column.values)}
            tests.append({"accepted_values": {"arguments": arguments, "config": {"severity": "warn"}}})
        if column.references:
            target, field = column.references.split(".")
            arguments = {"to": f"ref('stg_erp__{target}')", "field": field}
            tests.append({"relationships": {"arguments": arguments, "config": {"severity": "warn"}}})
        if tests:
            checks.append({"name": column.name, "data_tests": tests})
    return checks


def _staging_columns(entity: Entity) -> list[dict]:
    """Every column of a staging model, described, with the tests the contract asks for."""
    tests: dict[str, list] = {}
    for key in entity.key:
        tests[key] = ["unique", "not_null"] if len(entity.key) == 1 else ["not_null"]
    if entity.is_reference:
        # A reference table is configuration: an unknown code there would silently skew every KPI.
        for column in entity.columns:
            if column.values:
                tests.setdefault(column.name, []).append(
                    {"accepted_values": {"arguments": {"values": list(column.values)}}}
                )
    else:
        # Delivered data the contract says to flag, not to stop on: warnings for the data-quality report.
        for check in _delivered_data_checks(entity):
            tests.setdefault(check["name"], []).extend(check["data_tests"])
    columns = []
    for column in entity.columns:
        described: dict = {"name": column.name, "description": _column_description(column)}
        if column.name in tests:
            described["data_tests"] = tests[column.name]
        columns.append(described)
        if not entity.is_reference and (column.values or column.values_from):
            columns.append(
                {
                    "name": f"has_unknown_{column.name}",
                    "description": f"`{column.name}` is neither a canonical code nor mapped by code_map.",
                }
            )
    if not entity.is_reference:
        columns += [
            {"name": "is_flagged", "description": "An optional value broke the contract or a code is unknown."},
            {"name": "source_file_name", "description": "The delivered file this version of the row came from."},
            {"name": "source_row_number", "description": "Its row in that file (1 = first row after the header)."},
            {"name": "load_id", "description": "The run that loaded the file."},
            {
                "name": "staged_in",
                "description": "The dbt invocation that last staged this row (every row in a full build, the "
                "restaged keys in an incremental one): the data tests of this layer check these rows.",
            },
        ]
    return columns


def _staging_model(entity: Entity) -> dict:
    model: dict = {
        "name": staging_model(entity),
        "description": (
            f"`{entity.name}`: the latest valid version of each key, typed, codes harmonised."
            + (" The delivered table if any, else the shipped seed." if entity.is_reference else "")
        ),
        "columns": _staging_columns(entity),
    }
    if len(entity.key) > 1:
        model["data_tests"] = [{"unique_combination": {"arguments": {"columns": list(entity.key)}}}]
    return model


def render_models(contract: Contract) -> str:
    """The staging models of the ERP extracts."""
    return _dump({"version": 2, "models": [_staging_model(entity) for entity in contract.extracts]})


def render_reference_models(contract: Contract) -> str:
    """The staging models of the reference tables."""
    return _dump({"version": 2, "models": [_staging_model(entity) for entity in contract.reference_tables]})


def render_base_models(contract: Contract) -> str:
    """The typed, validated layer: every delivered row with its faults (base_erp__<entity>)."""
    models = []
    for entity in contract.entities:
        columns: list[dict] = [
            {"name": "_file_name", "description": "The delivered file."},
            {"name": "_file_hash", "description": "Its content hash (SHA-256)."},
            {"name": "_row_number", "description": "The row in that file (1 = first row after the header)."},
            {"name": "_load_id", "description": "The run that loaded the file."},
        ]
        columns += [
            {"name": f"_key_{key}", "description": f"`{key}` as text, or file hash and row when it is unreadable."}
            for key in entity.key
        ]
        for column in entity.columns:
            columns += [
                {
                    "name": column.name,
                    "description": _column_description(column) + "; null when the value breaks the contract",
                },
                {"name": f"_raw_{column.name}", "description": f"`{column.name}` as delivered (text)."},
                {
                    "name": f"_fault_{column.name}",
                    "description": f"Why `{column.name}` breaks the contract ('<reason>: <detail>'), or null.",
                },
            ]
        columns += [
            {"name": "_is_rejected", "description": "A required column has a fault: the row is rejected."},
            {"name": "_is_flagged", "description": "An optional column has a fault: its value is nulled."},
            {
                "name": "_was_latest",
                "description": "Incremental runs: this row was the latest version of its key before the run "
                "that last revisited it (_changed_in).",
            },
            {"name": "_is_current", "description": "The row's delivery is current (its file is in the folder now)."},
            {
                "name": "_is_latest",
                "description": "This row is the latest version of its key among the current deliveries (file "
                "name, then row).",
            },
            {
                "name": "_changed_in",
                "description": "The dbt invocation that last wrote this row: in an incremental run, the rows of "
                "every key that gained a version or whose delivery changed currency.",
            },
        ]
        kind = "reference table" if entity.is_reference else "extract"
        models.append(
            {
                "name": base_model(entity),
                "description": (
                    f"The {kind} `{entity.name}` typed and validated: every row of the deliveries (those no "
                    "longer current until the next full build), each value with the reason it breaks the "
                    "contract, the latest version of each key among the current deliveries marked."
                ),
                "columns": columns,
            }
        )
    return _dump({"version": 2, "models": models})


def render_macro(contract: Contract) -> str:
    spec = {
        entity.name: {
            "key": list(entity.key),
            "is_reference": entity.is_reference,
            "columns": [
                {
                    "name": column.name,
                    "type": column.type,
                    "required": column.required,
                    "values": list(column.values),
                    "constraint": column.constraint,
                    "values_from": column.values_from,
                    "personal": column.personal,
                }
                for column in entity.columns
            ],
        }
        for entity in contract.entities
    }
    # JSON is a Jinja literal once null is spelled none; one entity a line keeps diffs readable.
    body = ",\n".join(f"  {json.dumps(name)}: {json.dumps(value)}" for name, value in spec.items())
    body = "{\n" + body.replace(": null", ": none") + "\n}"
    return (
        "{# Generated from orchestration/contract.yml by `python -m orchestration.contract`; do not edit. #}\n"
        "{% macro contract_entities() %}\n"
        f"{{% set entities = {body} %}}\n"
        "{{ return(entities) }}\n"
        "{% endmacro %}\n"
    )


def render_docs(contract: Contract) -> str:
    lines = [
        "<!-- Generated from orchestration/contract.yml by `python -m orchestration.contract`; do not edit. -->",
        "# Extract contract",
        "",
        "Put one folder per entity under an extracts folder (`<extracts>/<entity>/*.csv` or `*.parquet`); every",
        "file is one delivery. When a key arrives more than once, the row from the file that sorts last by name",
        "wins, and within a file the last row. CSV is UTF-8 (BOM allowed), comma-separated, one header row;",
        "column names are case-insensitive, order is free, extra columns are ignored and reported.",
        "",
        "What happens to a bad value (see [KPIS.md](contract/KPIS.md), general rules):",
        "",
        "| fault | in a required column | in an optional column |",
        "|---|---|---|",
        "| missing (empty) | row rejected | fine |",
        "| unreadable as its type, impossible or implausible date, broken constraint | row rejected "
        "| value nulled, row flagged |",
        "| code outside the list and not mapped by `code_map` | row kept and flagged | row kept and flagged |",
        "| header lacks the column | whole file rejected | column is null |",
        "",
        "Rejected rows and files are kept in `staging.stg_erp__rejects` with file, row, column and reason.",
        "",
        "Types: `text`; `int` (whole number); `decimal` (`.` separator, exact); `bool` (true/false, 1/0, yes/no);",
        "`date` (YYYY-MM-DD); `timestamp` (ISO-8601 date and time; `Z` or an offset is that instant, none is",
        "UTC). Dates outside 1970-01-01 .. 2099-12-31 are invalid.",
        "",
    ]
    for title, entities in (("Entities", contract.extracts), ("Reference tables", contract.reference_tables)):
        lines += [f"## {title}", ""]
        for entity in entities:
            lines += [f"### `{entity.name}`", "", f"Key: `{', '.join(entity.key)}`."]
            if entity.note:
                lines += ["", entity.note]
            lines += ["", "| column | type | required | codes / constraint | note |", "|---|---|---|---|---|"]
            for column in entity.columns:
                codes = ", ".join(f"`{value}`" for value in column.values) or (column.constraint or "")
                if column.personal:
                    codes = "pseudonymised at load (keyed hash)"
                lines.append(
                    f"| `{column.name}` | {column.type} | {'yes' if column.required else ''} | {codes} "
                    f"| {column.note or ''} |"
                )
            lines.append("")
    return "\n".join(lines)


def render_model_files(contract: Contract) -> dict[Path, str]:
    """The base and staging model of every entity, as plain SQL (orchestration/staging_models.py)."""
    staging = DBT_PROJECT_DIR / "models" / "staging"
    files = {}
    for entity in contract.entities:
        files[staging / "erp" / "base" / f"{base_model(entity)}.sql"] = render_base_model(entity)
        if entity.is_reference:
            files[staging / "reference" / f"{staging_model(entity)}.sql"] = render_reference_model(entity)
        else:
            files[staging / "erp" / f"{staging_model(entity)}.sql"] = render_staging_model(entity)
    return files


def derived_files(contract: Contract) -> dict[Path, str]:
    staging = DBT_PROJECT_DIR / "models" / "staging"
    return render_model_files(contract) | {
        staging / "erp" / "_erp__sources.yml": render_sources(contract),
        staging / "erp" / "_erp__models.yml": render_models(contract),
        staging / "erp" / "base" / "_base__models.yml": render_base_models(contract),
        staging / "reference" / "_reference__models.yml": render_reference_models(contract),
        DBT_PROJECT_DIR / "macros" / "contract" / "contract_entities.sql": render_macro(contract),
        PROJECT_ROOT / "docs" / "extracts.md": render_docs(contract),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Write (or --check) the files derived from contract.yml and the KPI dictionary."
    )
    parser.add_argument("--check", action="store_true", help="only report files that are out of date")
    args = parser.parse_args(argv)
    stale = []
    for path, text in (derived_files(load_contract()) | semantic_models.derived_files()).items():
        if path.exists() and path.read_text() == text:
            continue
        stale.append(path)
        if not args.check:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
    for path in stale:
        print(("out of date: " if args.check else "wrote ") + str(path.relative_to(PROJECT_ROOT)))
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
