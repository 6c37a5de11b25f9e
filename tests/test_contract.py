"""The project's contract copy agrees with the shared contract, and everything derived from it is current."""

from __future__ import annotations

import pytest
import yaml

from orchestration import contract as contract_module
from orchestration.contract import load_contract
from orchestration.settings import SHARED_CONTRACT_DIR


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


def test_contract_has_nineteen_entities_and_four_reference_tables():
    contract = load_contract()
    assert len(contract.extracts) == 19
    assert [table.name for table in contract.reference_tables] == [
        "code_map",
        "process_standard",
        "training_requirements",
        "kpi_targets",
    ]


def test_files_derived_from_the_contract_are_up_to_date():
    assert contract_module.main(["--check"]) == 0, "run `python -m orchestration.contract`"


def test_user_docs_describe_every_entity_and_column():
    docs = contract_module.render_docs(load_contract())
    for entity in load_contract().entities:
        assert f"### `{entity.name}`" in docs
        for column in entity.columns:
            assert f"`{column.name}`" in docs
