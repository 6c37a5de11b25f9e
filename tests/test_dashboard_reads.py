"""The dashboard reads, it does not compute: it imports nothing of the pipeline, and what it must not show (an
example value of a personal column) is kept out by the mart, not filtered by the page."""

from __future__ import annotations

import ast
from pathlib import Path

from conftest import query

DASHBOARDS = Path(__file__).resolve().parents[1] / "dashboards"


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_no_dashboard_module_imports_the_pipeline_package():
    modules = sorted(DASHBOARDS.rglob("*.py"))
    assert len(modules) > 10
    importing = {
        str(path.relative_to(DASHBOARDS)): name
        for path in modules
        for name in imported_modules(path)
        if name.split(".")[0] == "orchestration"
    }
    assert importing == {}


def test_the_data_quality_mart_keeps_no_example_of_a_personal_column(sample_warehouse: Path):
    shown = query(
        sample_warehouse,
        """
        select entity, column_name, count(*) as issues, count(example_value) as examples
        from marts.data_quality
        where column_name = 'user_id'
        group by all
        """,
    )
    assert shown, "the sample has no issue on a user_id column: the test would prove nothing"
    assert [(entity, examples) for entity, _, _, examples in shown if examples] == []
