"""The dashboard reads, it does not compute: it imports nothing of the pipeline, and what it must not show (an
example value of a personal column) is kept out by the mart, not filtered by the page."""

from __future__ import annotations

import ast
from pathlib import Path

from conftest import Run, query, write_file

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


def test_the_data_quality_mart_keeps_no_example_of_a_personal_column(extracts: Path, run: Run):
    users = "user_id,site_id,role,provisioned_date\nU1,S1,picker,2026-01-01\n"
    write_file(extracts, "users", "users_20260105.csv", users)
    write_file(
        extracts,
        "helpdesk_tickets",
        "helpdesk_tickets_20260105.csv",
        "ticket_id,site_id,user_id,category,priority,opened_at\nT1,S1,U9,login,p2,2026-01-05T10:00:00Z\n",
    )
    shown = query(
        run(extracts),
        """
        select entity, issue_category, example_value
        from marts.data_quality
        where column_name = 'user_id'
        """,
    )
    assert ("helpdesk_tickets", "orphan", None) in shown  # U9 is no user: counted, never shown
    assert [row for row in shown if row[2] is not None] == []
