"""Every environment variable of the project is read in a settings module, with its default documented there: the
pipeline's (orchestration/settings.py) or, for the variables the dashboard needs, the dashboard's
(dashboards/settings.py: the dashboard imports nothing of the pipeline). No other module reads one."""

from __future__ import annotations

import re

from dashboards import settings as dashboard_settings
from orchestration import settings
from orchestration.settings import PROJECT_ROOT

# A variable read by its name: os.getenv("X"), os.environ.get("X") or os.environ["X"] not followed by an assignment
# (setting one for dbt, or saving and restoring the environment around dbt, reads no setting).
ENVIRONMENT_READ = re.compile(r"(getenv|environ\.get)\(\s*[\"']|environ\[\s*[\"'][^\]]*\](?!\s*=[^=])")
SETTINGS_PATH = PROJECT_ROOT / "orchestration" / "settings.py"
DASHBOARD_SETTINGS_PATH = PROJECT_ROOT / "dashboards" / "settings.py"


def test_no_module_but_settings_reads_an_environment_variable():
    reads = [
        f"{path.relative_to(PROJECT_ROOT)}:{number}: {line.strip()}"
        for folder in ("orchestration", "dashboards", "simulator", "benchmarks")
        for path in sorted((PROJECT_ROOT / folder).rglob("*.py"))
        if path not in (SETTINGS_PATH, DASHBOARD_SETTINGS_PATH)
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if ENVIRONMENT_READ.search(line)
    ]
    assert not reads, reads


def test_every_variable_settings_reads_is_documented_in_its_docstring():
    names = re.findall(r'env\.get\("([A-Z_]+)"', SETTINGS_PATH.read_text())
    assert len(names) >= 10
    assert [name for name in names if name not in settings.__doc__] == []


def test_the_dashboard_documents_its_variables_and_reads_the_warehouse_with_the_pipeline_s_default():
    names = re.findall(r'environ\.get\("([A-Z_]+)"', DASHBOARD_SETTINGS_PATH.read_text())
    assert names[0] == "OBSERVATORY_WAREHOUSE"
    assert [name for name in names if name not in dashboard_settings.__doc__] == []
    assert dashboard_settings.DEFAULT_WAREHOUSE == settings.DEFAULT_WAREHOUSE
    assert dashboard_settings.DBT_PROJECT_DIR == settings.DBT_PROJECT_DIR
