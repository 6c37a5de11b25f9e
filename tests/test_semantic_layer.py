"""The semantic layer (MetricFlow over the published warehouse): one metric per KPI of the dictionary, generated
from it, and for every KPI, by site and ISO week, the same numbers as the scorecards' roll-up of marts.kpi_daily
(sum over sum; level KPIs the week's last day with a row); `observatory query` and plain `mf query` read the
published file without changing it."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import jinja2
import pytest
import yaml

from orchestration.semantic_models import SEMANTIC_MODELS_PATH, kpi_dictionary, render_semantic_models
from orchestration.settings import DBT_PROJECT_DIR

OBSERVATORY = str(Path(sys.executable).with_name("observatory"))
MF = str(Path(sys.executable).with_name("mf"))


def period_total(column: str, day_rank_from_end: str) -> str:
    """The scorecards' roll-up rule of a period, from its one definition (macros/kpi/period_total.sql)."""
    template = jinja2.Environment().from_string((DBT_PROJECT_DIR / "macros" / "kpi" / "period_total.sql").read_text())
    return str(template.module.period_total(column, "is_level", day_rank_from_end))


def scorecard_rollup(warehouse: Path, kpi: str, start: dt.date, end: dt.date, by_region: bool = False) -> dict:
    """Per site (or region) and ISO week: the scorecards' value of the KPI over the week's days in [start, end]."""
    group = "sites.region" if by_region else "site_weeks.site_id"
    sql = f"""
    with days as (
        select
            kpi_daily.*,
            definitions.is_level,
            cast(date_trunc('week', kpi_daily.kpi_date) as date) as week_start_date,
            row_number() over (
                partition by kpi_daily.site_id, date_trunc('week', kpi_daily.kpi_date) order by kpi_daily.kpi_date desc
            ) as day_rank_from_week_end
        from marts.kpi_daily as kpi_daily
        inner join marts.kpi_definitions as definitions on kpi_daily.kpi = definitions.kpi
        where kpi_daily.kpi = $kpi and kpi_daily.kpi_date between $start and $end
    ),
    site_weeks as (
        select
            site_id,
            week_start_date,
            {period_total("numerator", "day_rank_from_week_end")} as numerator,
            {period_total("denominator", "day_rank_from_week_end")} as denominator
        from days
        group by site_id, week_start_date
    )
    select {group}, site_weeks.week_start_date,
        sum(site_weeks.numerator) / sum(site_weeks.denominator)
    from site_weeks
    inner join staging.stg_erp__sites as sites on site_weeks.site_id = sites.site_id
    group by all
    """
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(sql, {"kpi": kpi, "start": start, "end": end}).fetchall()
    return {(group_value, week): value for group_value, week, value in rows}


def metricflow_rows(table, group_column: str) -> dict:
    """MetricFlow's rows as {(group, week start): value}, leaving out groups where the KPI has no row."""
    columns = list(table.column_names)
    group_index, week_index, value_index = (
        columns.index(group_column),
        columns.index("metric_time__week"),
        len(columns) - 1,
    )
    return {
        (row[group_index], row[week_index].date()): row[value_index]
        for row in table.rows
        if row[value_index] is not None
    }


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_every_kpi_of_the_dictionary_has_a_ratio_metric_of_its_numerator_and_denominator_measures():
    document = yaml.safe_load(SEMANTIC_MODELS_PATH.read_text())
    metrics = {metric["name"]: metric for metric in document["metrics"]}
    measures = {
        measure["name"]: measure for model in document["semantic_models"] for measure in model.get("measures", [])
    }
    for kpi in kpi_dictionary():
        metric = metrics[kpi["kpi"]]
        assert metric["type"] == "ratio"
        assert metric["label"] == kpi["name"]
        assert " ".join(kpi["formula"].split()) in metric["description"]
        assert metric["type_params"] == {
            "numerator": f"{kpi['kpi']}_numerator",
            "denominator": f"{kpi['kpi']}_denominator",
        }
        for part in ("numerator", "denominator"):
            measure = measures[f"{kpi['kpi']}_{part}"]
            assert measure["agg"] == "sum" and f"kpi = '{kpi['kpi']}'" in measure["expr"]
            assert ("non_additive_dimension" in measure) == (kpi["aggregation"] == "level")
    assert len(metrics) == 3 * len(kpi_dictionary())


def test_the_semantic_yml_is_the_one_rendered_from_the_dictionary_as_it_stands():
    assert SEMANTIC_MODELS_PATH.read_text() == render_semantic_models(), "run: python -m orchestration.contract"


def test_a_kpi_added_to_the_dictionary_gets_its_metric_by_regeneration():
    new_kpi = {
        **kpi_dictionary()[0],
        "kpi": "governed_process_compliance",
        "name": "Governed process compliance",
        "aggregation": "level",
    }
    document = yaml.safe_load(render_semantic_models((*kpi_dictionary(), new_kpi)))
    metric = next(metric for metric in document["metrics"] if metric["name"] == "governed_process_compliance")
    assert metric["label"] == "Governed process compliance" and metric["type"] == "ratio"
    measure = next(
        measure
        for measure in document["semantic_models"][0]["measures"]
        if measure["name"] == "governed_process_compliance_numerator"
    )
    assert measure["non_additive_dimension"]["window_groupings"] == ["site", "kpi"]


@pytest.fixture(scope="module")
def metricflow(sample_warehouse: Path):
    from orchestration.semantic_query import engine

    return engine(sample_warehouse)


@pytest.mark.slow
def test_every_kpi_by_site_and_iso_week_equals_the_scorecard_rollup_of_kpi_daily(sample_warehouse: Path, metricflow):
    from orchestration.semantic_query import query_metrics

    everything = (dt.date(2000, 1, 1), dt.date(2099, 12, 31))
    for kpi in kpi_dictionary():
        result = query_metrics(sample_warehouse, [kpi["kpi"]], by=["site", "week"], metricflow=metricflow)
        semantic = metricflow_rows(result.table, "site")
        expected = scorecard_rollup(sample_warehouse, kpi["kpi"], *everything)
        assert expected, kpi["kpi"]
        assert semantic.keys() == expected.keys(), kpi["kpi"]
        for key, value in expected.items():
            assert semantic[key] == pytest.approx(value, rel=1e-12, abs=1e-12), (kpi["kpi"], key)


@pytest.mark.slow
def test_the_semantic_layer_matches_the_site_scorecard_mart_on_every_week_it_shows_whole(
    sample_warehouse: Path, metricflow
):
    """marts.site_scorecard leaves out days after a site's last calendar day (a due date ahead); on every other
    site-week it is the same roll-up, and MetricFlow gives its value."""
    from orchestration.semantic_query import query_metrics

    with duckdb.connect(str(sample_warehouse), read_only=True) as con:
        scorecard = con.execute(
            """
            with site_last_days as (  -- every calendar day of a site has an exception_backlog row
                select site_id, max(kpi_date) as last_date from marts.kpi_daily
                where kpi = 'exception_backlog' group by site_id
            )
            select scorecard.kpi, scorecard.site_id, scorecard.week_start_date, scorecard.value
            from marts.site_scorecard as scorecard
            inner join site_last_days on scorecard.site_id = site_last_days.site_id
            where scorecard.week_end_date <= site_last_days.last_date
            """
        ).fetchall()
    compared = 0
    for kpi in kpi_dictionary():
        semantic = metricflow_rows(
            query_metrics(sample_warehouse, [kpi["kpi"]], by=["site", "week"], metricflow=metricflow).table, "site"
        )
        for _, site_id, week, value in (row for row in scorecard if row[0] == kpi["kpi"]):
            assert semantic[(site_id, week)] == pytest.approx(value, rel=1e-12, abs=1e-12), (kpi["kpi"], site_id, week)
            compared += 1
    assert compared > 1000


@pytest.mark.slow
def test_a_period_by_region_takes_each_sites_last_day_in_the_period_for_level_kpis(sample_warehouse: Path, metricflow):
    from orchestration.semantic_query import query_metrics

    start, end = dt.date(2026, 3, 4), dt.date(2026, 3, 25)  # weeks cut at both ends
    for kpi in ("exception_backlog", "active_user_rate", "line_fill_rate", "tickets_per_100_users"):
        result = query_metrics(
            sample_warehouse, [kpi], by=["region", "week"], start=start, end=end, metricflow=metricflow
        )
        semantic = metricflow_rows(result.table, "site__region")
        expected = scorecard_rollup(sample_warehouse, kpi, start, end, by_region=True)
        assert semantic.keys() == expected.keys(), kpi
        assert min(week for _, week in semantic) == dt.date(2026, 3, 2)
        for key, value in expected.items():
            assert semantic[key] == pytest.approx(value, rel=1e-12, abs=1e-12), (kpi, key)


@pytest.mark.slow
def test_observatory_query_prints_a_kpi_by_dimension_and_leaves_the_published_warehouse_unchanged(
    sample_warehouse: Path,
):
    before = file_digest(sample_warehouse)
    result = subprocess.run(
        [OBSERVATORY, "query", "pick_accuracy", "--by", "wave", "iso_week", "--warehouse", str(sample_warehouse)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    header = result.stdout.splitlines()[0].split()
    assert header == ["kpi_day__iso_week", "site__rollout_wave", "pick_accuracy"]
    assert "2026-W10" in result.stdout and "wave-1" in result.stdout
    assert file_digest(sample_warehouse) == before

    unknown = subprocess.run(
        [OBSERVATORY, "query", "fill_rate", "--warehouse", str(sample_warehouse)], capture_output=True, text=True
    )
    assert unknown.returncode == 1
    assert unknown.stderr.startswith("observatory query: error: unknown metric 'fill_rate'; metrics: line_fill_rate")
    assert len(unknown.stderr.splitlines()) == 1


@pytest.mark.slow
def test_plain_mf_query_reads_the_published_warehouse_through_the_published_target(
    sample_warehouse: Path, metricflow, tmp_path: Path
):
    from orchestration.semantic_query import query_metrics

    before = file_digest(sample_warehouse)
    csv = tmp_path / "exception_backlog.csv"
    environment = {**os.environ, "DBT_TARGET": "published", "OBSERVATORY_WAREHOUSE": str(sample_warehouse)}
    result = subprocess.run(
        [MF, "query", "--metrics", "exception_backlog", "--group-by", "site,metric_time__week", "--csv", str(csv)],
        cwd=DBT_PROJECT_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, (result.stdout + result.stderr)[-2000:]
    rows = [line.split(",") for line in csv.read_text().splitlines()]
    assert rows[0] == ["metric_time__week", "site", "exception_backlog"]
    printed = {(site, dt.date.fromisoformat(week[:10])): float(value) for week, site, value in rows[1:] if value}
    expected = metricflow_rows(
        query_metrics(sample_warehouse, ["exception_backlog"], by=["site", "week"], metricflow=metricflow).table, "site"
    )
    assert printed.keys() == expected.keys()
    assert all(printed[key] == pytest.approx(value) for key, value in expected.items())
    assert file_digest(sample_warehouse) == before
