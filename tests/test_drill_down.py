"""Behind the number: the drill-down marts re-count kpi_daily, and the Site scorecard shows and offers them.

The dbt tests beside the marts (recounts_kpi_daily, kpi_detail_exceptions_recount_the_backlogs,
exception_backlog_breakdown_recounts_the_backlogs) run in every build; here the same promise is checked from
outside dbt against the sample warehouse, and through the page.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from dashboards.queries import drill_down

APP = Path(__file__).resolve().parents[1] / "dashboards" / "app.py"

RATE_MARTS = {
    "marts.kpi_detail_order_lines": ["line_fill_rate"],
    "marts.kpi_detail_orders": ["order_fill_rate", "on_time_ship_rate"],
    "marts.kpi_detail_picks": ["pick_accuracy"],
    "marts.kpi_detail_cases": ["process_compliance"],
}


@pytest.fixture
def warehouse(sample_warehouse: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("OBSERVATORY_WAREHOUSE", str(sample_warehouse))
    return sample_warehouse


def open_scorecard(query_params: dict[str, str]) -> AppTest:
    app = AppTest.from_file(APP, default_timeout=60)
    app.query_params.update(query_params)
    app.run()
    app.switch_page("views/site_scorecard.py").run()
    assert not app.exception, [error.message for error in app.exception]
    return app


def recount_mismatches(warehouse: Path, relation: str, kpis: list[str]) -> tuple[int, list[tuple]]:
    """(site-days of kpi_daily checked, those whose drill-down rows do not re-count numerator and denominator)."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        checked = con.execute("select count(*) from marts.kpi_daily where list_contains($kpis, kpi)", {"kpis": kpis})
        (site_days,) = checked.fetchone()
        mismatches = con.execute(
            f"""
            with detail as (
                select site_id, kpi_date, kpi,
                    count(*) filter (where is_counted_in_numerator) as numerator,
                    count(*) filter (where is_counted_in_denominator) as denominator
                from {relation}
                group by all
            )
            select kpi_daily.site_id, kpi_daily.kpi_date, kpi_daily.kpi, kpi_daily.numerator, kpi_daily.denominator,
                detail.numerator, detail.denominator
            from marts.kpi_daily
            left join detail using (site_id, kpi_date, kpi)
            where list_contains($kpis, kpi_daily.kpi)
                and (detail.numerator is distinct from kpi_daily.numerator
                     or detail.denominator is distinct from kpi_daily.denominator)
            """,  # the relation is one of RATE_MARTS
            {"kpis": kpis},
        ).fetchall()
    return site_days, mismatches


@pytest.mark.slow
@pytest.mark.parametrize("relation", list(RATE_MARTS))
def test_the_drill_down_rows_of_every_site_day_recount_its_numerator_and_denominator(
    sample_warehouse: Path, relation: str
) -> None:
    site_days, mismatches = recount_mismatches(sample_warehouse, relation, RATE_MARTS[relation])
    assert site_days > 50
    assert mismatches == []


@pytest.mark.slow
def test_a_drill_down_row_lost_or_flagged_wrongly_is_caught_by_the_recount(
    sample_warehouse: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "warehouse.duckdb"
    shutil.copyfile(sample_warehouse, copy)
    with duckdb.connect(str(copy)) as con:
        con.execute(
            "delete from marts.kpi_detail_picks where pick_id = "
            "(select min(pick_id) from marts.kpi_detail_picks where is_counted_in_denominator)"
        )
        con.execute(
            "update marts.kpi_detail_cases set is_counted_in_numerator = not is_counted_in_numerator "
            "where case_id = (select min(case_id) from marts.kpi_detail_cases)"
        )
    assert len(recount_mismatches(copy, "marts.kpi_detail_picks", ["pick_accuracy"])[1]) == 1
    assert len(recount_mismatches(copy, "marts.kpi_detail_cases", ["process_compliance"])[1]) == 1


@pytest.mark.slow
def test_the_open_exceptions_of_every_site_day_recount_both_backlogs(sample_warehouse: Path) -> None:
    with duckdb.connect(str(sample_warehouse), read_only=True) as con:
        rows = con.execute(
            """
            select kpi_daily.kpi, kpi_daily.numerator, count(exceptions.exception_id) as open_exceptions
            from marts.kpi_daily
            left join marts.kpi_detail_exceptions as exceptions
                on kpi_daily.site_id = exceptions.site_id
                and exceptions.open_from_date <= kpi_daily.kpi_date
                and coalesce(exceptions.open_until_date > kpi_daily.kpi_date, true)
                and (kpi_daily.kpi = 'exception_backlog' or exceptions.aged_from_date <= kpi_daily.kpi_date)
            where kpi_daily.kpi in ('exception_backlog', 'exception_backlog_aged')
            group by kpi_daily.site_id, kpi_daily.kpi_date, kpi_daily.kpi, kpi_daily.numerator
            """
        ).fetchall()
    assert len(rows) > 100
    assert any(numerator > 0 for kpi, numerator, _ in rows if kpi == "exception_backlog_aged")
    assert [row for row in rows if row[1] != row[2]] == []


@pytest.mark.slow
def test_the_exception_backlog_breakdown_of_every_site_day_sums_to_both_backlogs(sample_warehouse: Path) -> None:
    with duckdb.connect(str(sample_warehouse), read_only=True) as con:
        rows = con.execute(
            """
            with breakdown as (
                select site_id, kpi_date, sum(open_exceptions) as open_exceptions,
                    sum(open_exceptions) filter (where is_aged) as aged_exceptions
                from marts.exception_backlog_breakdown
                group by all
            )
            select kpi_daily.kpi, kpi_daily.numerator,
                case kpi_daily.kpi when 'exception_backlog' then coalesce(breakdown.open_exceptions, 0)
                    else coalesce(breakdown.aged_exceptions, 0) end as recounted
            from marts.kpi_daily
            full outer join breakdown using (site_id, kpi_date)
            where kpi_daily.kpi is null or kpi_daily.kpi in ('exception_backlog', 'exception_backlog_aged')
            """
        ).fetchall()
        bands = {
            band
            for (band,) in con.execute("select distinct age_band from marts.exception_backlog_breakdown").fetchall()
        }
    assert len(rows) > 100
    assert any(numerator > 0 for kpi, numerator, _ in rows if kpi == "exception_backlog_aged")
    assert [row for row in rows if row[1] != row[2]] == []
    assert bands == {"< 1 day", "1–3 days", "3–7 days", "> 7 days"}


@pytest.mark.slow
def test_the_site_scorecard_breaks_down_as_many_open_exceptions_as_the_backlog_kpi_counts(warehouse: Path) -> None:
    app = open_scorecard({"scorecard_site": "NWK1", "from": "2026-04-01", "to": "2026-04-15"})
    with duckdb.connect(str(warehouse), read_only=True) as con:
        (backlog,) = con.execute(
            "select numerator from marts.kpi_daily where site_id = 'NWK1' and kpi = 'exception_backlog' "
            "and kpi_date = date '2026-04-15'"
        ).fetchone()
    assert backlog > 0
    captions = " ".join(element.value for element in app.caption)
    assert (
        f"Open at the end of 15 Apr 2026 (site-local): {int(backlog)}; the exception backlog KPI that day" in captions
    )


@pytest.mark.slow
def test_a_link_with_site_and_kpi_ids_opens_the_picks_in_error_behind_pick_accuracy(warehouse: Path) -> None:
    app = open_scorecard({"scorecard_site": "NWK1", "scorecard_kpi": "pick_accuracy", "from": "2026-01-05",
                          "to": "2026-05-09"})  # fmt: skip
    assert app.selectbox(key="scorecard_site").value == "NWK1"
    assert app.selectbox(key="scorecard_kpi").value == "pick_accuracy"
    assert "Behind the number" in [element.value for element in app.subheader]
    picks = next(frame.value for frame in app.dataframe if "Pick" in frame.value.columns)
    assert len(picks) > 0
    assert set(picks["Reason"]) == {"picking error"}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        (numerator, denominator) = con.execute(
            "select sum(numerator), sum(denominator) from marts.kpi_daily "
            "where site_id = 'NWK1' and kpi = 'pick_accuracy'"
        ).fetchone()
    assert len(picks) == denominator - numerator
    assert f"{int(denominator):,} picks counted, {int(numerator):,} of them accurate" in " ".join(
        element.value for element in app.caption
    )
    app.toggle(key="behind_the_number_all").set_value(True).run()
    every = next(frame.value for frame in app.dataframe if "Pick" in frame.value.columns)
    assert len(every) == denominator
    assert any(button.proto.label.startswith("Download these") for button in app.download_button)


@pytest.mark.slow
def test_the_exception_backlog_drill_down_lists_as_many_open_exceptions_as_the_kpi_counts(warehouse: Path) -> None:
    app = open_scorecard({"scorecard_site": "NWK1", "scorecard_kpi": "exception_backlog", "to": "2026-04-15",
                          "from": "2026-04-01"})  # fmt: skip
    exceptions = next(frame.value for frame in app.dataframe if "Exception" in frame.value.columns)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        (backlog,) = con.execute(
            "select numerator from marts.kpi_daily where site_id = 'NWK1' and kpi = 'exception_backlog' "
            "and kpi_date = date '2026-04-15'"
        ).fetchone()
    assert backlog > 0
    assert len(exceptions) == backlog
    assert {"Type", "Severity", "Age (hours)", "Order"} <= set(exceptions.columns)


def test_a_drill_down_link_names_the_site_the_kpi_and_the_days() -> None:
    link = drill_down.scorecard_link("NWK1", "pick_accuracy", dt.date(2026, 3, 1), dt.date(2026, 3, 31))
    assert link == "site_scorecard?scorecard_site=NWK1&scorecard_kpi=pick_accuracy&from=2026-03-01&to=2026-03-31"
    assert drill_down.has_drill_down("exception_backlog_aged")
    assert not drill_down.has_drill_down("active_user_rate")


@pytest.mark.slow
def test_the_process_compliance_drill_down_lists_non_conforming_cases_with_their_variant(warehouse: Path) -> None:
    app = open_scorecard({"scorecard_site": "NWK1", "scorecard_kpi": "process_compliance", "from": "2026-01-05",
                          "to": "2026-05-09"})  # fmt: skip
    cases = next(frame.value for frame in app.dataframe if "Case" in frame.value.columns)
    assert len(cases) > 0
    assert "conforms" not in set(cases["Reason"])
    assert all(" → " in variant for variant in cases["Variant (activities in order)"])
    assert all(variant.split(" → ")[-1] != "" for variant in cases["Variant (activities in order)"])
