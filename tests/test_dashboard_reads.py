"""The dashboard reads, it does not compute: it imports nothing of the pipeline, counts nothing from staging, and
what it must not show (an example value of a personal column) is kept out by the mart, not filtered by the page."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
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


def test_no_dashboard_query_reads_an_event_or_user_relation_of_staging():
    """Pages count nothing from staging: what they show of exceptions, users and tickets comes from marts. What
    they may still read there is master and reference data: sites, KPI targets, published benchmarks, the process
    standard, who may see what (dashboard_access)."""
    allowed = {
        "staging.stg_erp__sites",
        "staging.stg_reference__kpi_targets",
        "staging.stg_reference__benchmark_bands",
        "staging.stg_reference__process_standard",  # the Process variants graph: the standard's steps in order
        "staging.stg_reference__dashboard_access",
    }
    read = {
        f"{path.relative_to(DASHBOARDS)}: {relation}"
        for path in sorted(DASHBOARDS.rglob("*.py"))
        for relation in re.findall(r"staging\.stg_\w+", path.read_text())
        if relation not in allowed
    }
    assert read == set()


@pytest.mark.slow
def test_the_adoption_marts_hold_what_the_page_counted_from_staging(sample_warehouse: Path):
    """Every site-day's users by role and every site's tickets by category in the marts equal a count straight
    from the staged users and tickets (the query the Adoption page used to run)."""
    users_differ = query(
        sample_warehouse,
        """
        with recounted as (
            select calendar.site_id, calendar.calendar_date, users.role, count(*) as provisioned_users
            from (select distinct site_id, calendar_date from marts.provisioned_users_by_role) as calendar
            inner join staging.stg_erp__users as users
                on calendar.site_id = users.site_id
                and users.provisioned_date <= calendar.calendar_date
                and (users.deactivated_date is null or users.deactivated_date > calendar.calendar_date)
            where not users.has_unknown_role
            group by all
        )
        select count(*) from (
            (select * from recounted except all
             select site_id, calendar_date, role, provisioned_users from marts.provisioned_users_by_role)
            union all
            (select site_id, calendar_date, role, provisioned_users from marts.provisioned_users_by_role
             except all select * from recounted)
        )
        """,
    )
    tickets = query(
        sample_warehouse,
        """
        select
            (select sum(tickets) from marts.helpdesk_tickets_by_category),
            (select count(*) from staging.stg_erp__helpdesk_tickets as tickets
             inner join staging.stg_erp__sites as sites using (site_id)
             where tickets.opened_at is not null),
            (select count(*) from marts.provisioned_users_by_role)
        """,
    )
    assert users_differ == [(0,)]
    (mart_tickets, staged_tickets, user_groups) = tickets[0]
    assert staged_tickets > 0 and user_groups > 0
    assert mart_tickets == staged_tickets
