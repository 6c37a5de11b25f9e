"""The project's contract copies agree with the shared contract, everything derived from them is current, and the
docs read whole without the shared folder."""

from __future__ import annotations

import re

import pytest
import yaml

from orchestration import contract as contract_module
from orchestration.contract import load_contract
from orchestration.settings import PROJECT_ROOT, SHARED_CONTRACT_DIR

# The project's own copy of the contract's text (KPIS.md, README.md), byte for byte the shared one.
CONTRACT_DOCS_DIR = PROJECT_ROOT / "docs" / "contract"
# A markdown link or image target: [text](target) or ![alt](target), without its #anchor.
LINK_TARGET = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


@pytest.mark.skipif(not (SHARED_CONTRACT_DIR / "extracts.yml").exists(), reason="shared contract not beside the repo")
def test_project_contract_matches_shared_contract_column_for_column():
    shared = yaml.safe_load((SHARED_CONTRACT_DIR / "extracts.yml").read_text())["entities"]
    ours = load_contract()
    assert [entity.name for entity in ours.extracts] == list(shared)
    for entity in ours.extracts:
        spec = shared[entity.name]
        assert list(entity.key) == spec["key"], entity.name
        assert entity.column_names == list(spec["columns"]), entity.name
        for column in entity.columns:
            shared_column = spec["columns"][column.name]
            assert column.type == shared_column["type"], (entity.name, column.name)
            assert column.required == shared_column.get("required", False), (entity.name, column.name)
            assert list(column.values) == shared_column.get("values", []), (entity.name, column.name)


def test_contract_has_nineteen_entities_and_six_reference_tables():
    contract = load_contract()
    assert len(contract.extracts) == 19
    assert [table.name for table in contract.reference_tables] == [
        "code_map",
        "process_standard",
        "training_requirements",
        "kpi_targets",
        "exception_sla",
        "approved_variations",
        "dashboard_access",
    ]


def test_files_derived_from_the_contract_are_up_to_date():
    assert contract_module.main(["--check"]) == 0, "run `python -m orchestration.contract`"


def test_user_docs_describe_every_entity_and_column():
    docs = contract_module.render_docs(load_contract())
    for entity in load_contract().entities:
        assert f"### `{entity.name}`" in docs
        for column in entity.columns:
            assert f"`{column.name}`" in docs


@pytest.mark.skipif(not SHARED_CONTRACT_DIR.is_dir(), reason="shared contract not beside the repo")
def test_docs_contract_is_a_byte_for_byte_copy_of_the_shared_contract_text():
    shared = sorted(path.name for path in SHARED_CONTRACT_DIR.glob("*.md"))
    assert shared, f"no contract text in {SHARED_CONTRACT_DIR}"
    drifted = [
        name
        for name in shared
        if not (CONTRACT_DOCS_DIR / name).exists()
        or (CONTRACT_DOCS_DIR / name).read_bytes() != (SHARED_CONTRACT_DIR / name).read_bytes()
    ]
    assert not drifted, f"{drifted} differ from the shared contract: cp {SHARED_CONTRACT_DIR}/*.md docs/contract/"


def test_docs_link_only_to_files_inside_the_repository():
    documents = [PROJECT_ROOT / "README.md", *sorted((PROJECT_ROOT / "docs").rglob("*.md"))]
    broken = []
    for document in documents:
        for target in LINK_TARGET.findall(document.read_text()):
            if re.match(r"[a-z]+:", target):  # https:, mailto: ...
                continue
            path = (document.parent / target).resolve()
            if not path.exists() or not path.is_relative_to(PROJECT_ROOT):
                broken.append(f"{document.relative_to(PROJECT_ROOT)}: {target}")
    assert not broken, broken
