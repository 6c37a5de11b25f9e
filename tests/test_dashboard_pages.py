"""The scorecards in Streamlit's AppTest against the bundled sample warehouse: every page renders, filters change
the figures and travel in the URL, roll-ups are sum(numerator) / sum(denominator), hostile filter values and a
missing warehouse are harmless."""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import re
import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pytest
from streamlit.testing.v1 import AppTest

from dashboards import charts, components
from dashboards.queries import adoption, connection, hypercare, network, privacy, reference, rollup, signals, trends

APP = Path(__file__).resolve().parents[1] / "dashboards" / "app.py"
HOSTILE = "'; drop table x; --"

# page file -> (title, subheaders the page must show)
PAGES = {
    "attention": ("Attention", ["Alerts", "Exception queue", "Orders at risk"]),
    "network_review": ("Network review", ["Network KPIs", "Sites × KPIs", "Worst movers this week", "Wave gates"]),
    "site_scorecard": ("Site scorecard", ["Trends", "Every KPI by week", "Open exceptions by type and age"]),
    "hypercare_tracker": ("Hypercare tracker", ["Waves", "Recovery curves", "Recovered or not"]),
    "adoption": (
        "Adoption",
        [
            "Ramp by wave",
            "Adoption by transaction",
            "Adoption by role",
            "Depth of use",
            "Users by role",
            "Help-desk themes",
            "Readiness of sites not yet live",
        ],
    ),
    "finance_close": ("Finance close", ["Before and after go-live"]),
    "data_quality": ("Data quality", ["By entity", "By reason", "Freshness"]),
    "kpi_dictionary": ("KPI dictionary", ["Definitions", "Project measures", "Published benchmarks"]),
}


@pytest.fixture
def warehouse(sample_warehouse: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The app reads the sample warehouse (Settings.from_env reads OBSERVATORY_WAREHOUSE on every call)."""
    monkeypatch.setenv("OBSERVATORY_WAREHOUSE", str(sample_warehouse))
    return sample_warehouse


def open_page(page: str, query_params: dict[str, str | list[str]] | None = None) -> AppTest:
    app = AppTest.from_file(APP, default_timeout=60)
    app.query_params.update(query_params or {})
    app.run()
    if page != "network_review":
        app.switch_page(f"views/{page}.py").run()
    return app


def tiles(app: AppTest) -> dict[str, str]:
    return {metric.label: metric.value for metric in app.metric}


def period(warehouse: Path) -> tuple[dt.date, dt.date]:
    """The default period: the 28 days to the last day of the every-day (level) KPIs."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        (through,) = con.execute(
            """
            select max(kpi_date) from marts.kpi_daily
            where kpi in (select kpi from marts.kpi_definitions where is_level)
            """
        ).fetchone()
    return through - dt.timedelta(days=27), through


@pytest.mark.slow
@pytest.mark.parametrize("page", list(PAGES))
def test_page_renders_its_sections_without_exception(warehouse: Path, page: str) -> None:
    app = open_page(page)
    title, sections = PAGES[page]
    assert not app.exception, [error.message for error in app.exception]
    assert not app.error, [error.value for error in app.error]
    assert [element.value for element in app.title] == [title]
    shown = {element.value for element in app.subheader}
    assert set(sections) <= shown, f"missing {set(sections) - shown}"
    assert app.download_button, f"{page} offers no CSV download"


@pytest.mark.slow
def test_kpi_dictionary_names_the_contract_and_the_readings_kept_in_the_repository(warehouse: Path) -> None:
    captions = " ".join(element.value for element in open_page("kpi_dictionary").caption)
    for document in ("docs/contract/KPIS.md", "docs/kpis.md"):
        assert f"`{document}`" in captions
        assert (APP.parents[1] / document).is_file(), document


@pytest.mark.slow
def test_network_review_shows_a_tile_per_kpi_with_a_status(warehouse: Path) -> None:
    app = open_page("network_review")
    with duckdb.connect(str(warehouse), read_only=True) as con:
        names = {name for (name,) in con.execute("select kpi_name from marts.kpi_definitions").fetchall()}
    assert set(tiles(app)) == names
    assert {badge.proto.label for badge in app.get("badge")} <= {"On track", "At risk", "Off track", "No target"}


@pytest.mark.slow
def test_network_tile_is_sum_of_numerators_over_sum_of_denominators(warehouse: Path) -> None:
    start, end = period(warehouse)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        additive = con.execute(
            """
            select sum(numerator) / sum(denominator), avg(value)
            from marts.kpi_daily where kpi = 'line_fill_rate' and kpi_date between ? and ?
            """,
            [start, end],
        ).fetchone()
        # A level KPI adds across sites on each site's last day of the period.
        level = con.execute(
            """
            with last_days as (
                select site_id, max(kpi_date) as kpi_date from marts.kpi_daily
                where kpi = 'training_completion_rate' and kpi_date between ? and ? group by site_id
            )
            select sum(numerator) / sum(denominator), avg(value)
            from marts.kpi_daily inner join last_days using (site_id, kpi_date)
            where kpi = 'training_completion_rate'
            """,
            [start, end],
        ).fetchone()
    shown = tiles(open_page("network_review"))
    for name, (sum_over_sum, mean_of_ratios) in (("Line fill rate", additive), ("Training completion rate", level)):
        expected = components.format_value(sum_over_sum, "ratio")
        # The check can fail: on the sample the average of daily (or site) ratios reads differently.
        assert components.format_value(mean_of_ratios, "ratio") != expected
        assert shown[name] == expected


@pytest.mark.slow
def test_region_filter_changes_the_network_figures_and_the_site_choice(warehouse: Path) -> None:
    app = open_page("network_review")
    everyone = tiles(app)
    app.multiselect(key="region").set_value(["Europe"]).run()
    europe = tiles(app)
    assert not app.exception
    assert europe != everyone
    assert "Europe" in " ".join(caption.value for caption in app.caption)
    app.switch_page("views/site_scorecard.py").run()
    assert app.multiselect(key="region").value == ["Europe"]
    assert set(app.selectbox(key="scorecard_site").options) == {"Hamburg DC (HAM1)", "Munich DC (MUC1)"}


@pytest.mark.slow
def test_filters_come_from_the_shared_link(warehouse: Path) -> None:
    start, end = period(warehouse)
    linked = open_page(
        "site_scorecard",
        # Streamlit keeps a bound option in the URL as it is shown: "Site name (SITE_ID)".
        {
            "region": "US East",
            "dates": [f"{start + dt.timedelta(days=14)}", f"{end}"],
            "scorecard_site": "Atlanta DC (ATL1)",
        },
    )
    assert not linked.exception
    assert linked.multiselect(key="region").value == ["US East"]
    assert linked.selectbox(key="scorecard_site").value == "ATL1"
    assert linked.date_input(key="dates").value == (start + dt.timedelta(days=14), end)


@pytest.mark.slow
def test_sql_injection_looking_filter_values_are_harmless(warehouse: Path) -> None:
    hostile = open_page("network_review", {"region": HOSTILE, "site": [HOSTILE, "Newark DC (NWK1)"], "wave": HOSTILE})
    assert not hostile.exception
    assert hostile.multiselect(key="region").value == []
    assert hostile.multiselect(key="site").value == ["NWK1"]
    # Straight to the data layer, past the widgets: the value is a bound parameter, never SQL.
    start, end = period(warehouse)
    assert rollup.kpi_rollup([HOSTILE], start, end).empty
    assert network.wave_gates([HOSTILE], start).empty
    assert hypercare.hypercare_curves([HOSTILE], HOSTILE, end)[0].empty
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select count(*) from marts.kpi_daily").fetchone()[0] > 0


@pytest.mark.slow
def test_user_groups_under_five_are_suppressed(warehouse: Path) -> None:
    _, end = period(warehouse)
    sites = reference.sites()["site_id"].tolist()
    users = adoption.users_by_role(sites, end)
    small = users[users["is_suppressed"]]
    assert not small.empty, "the sample should have roles with fewer than 5 users at a site"
    assert small["users"].isna().all()
    assert (users.loc[~users["is_suppressed"], "users"] >= privacy.MIN_GROUP_USERS).all()
    app = open_page("adoption")
    assert not app.exception
    assert privacy.SUPPRESSED_LABEL in " ".join(caption.value for caption in app.caption)
    assert not any("user_id" in str(frame.value.columns) for frame in app.dataframe)


@pytest.mark.slow
def test_adoption_by_role_never_shows_a_group_of_fewer_than_five_users(warehouse: Path) -> None:
    _, end = period(warehouse)
    week = adoption.last_whole_week(end)
    sites = reference.sites()["site_id"].tolist()
    roles = adoption.role_adoption(sites, week)
    small = roles[roles["is_suppressed"]]
    assert not small.empty, "the sample should have site-role groups of fewer than 5 users"
    assert small[["provisioned_users", "active_users", "active_rate"]].isna().all().all()
    shown = roles[~roles["is_suppressed"]]
    assert (shown["provisioned_users"] >= privacy.MIN_GROUP_USERS).all()
    # Over the selected sites a role can be shown that no site alone may show.
    combined = shown[shown["site_id"].isna()]
    per_site = set(shown.loc[shown["site_id"].notna(), "role"])
    assert set(combined["role"]) - per_site
    with duckdb.connect(str(warehouse), read_only=True) as con:
        small_in_mart = con.execute(
            "select count(*) from marts.adoption_by_role "
            "where week_start_date = ? and is_live and provisioned_users < 5",
            [week],
        ).fetchone()[0]
    assert small_in_mart == len(small[small["site_id"].notna()])
    app = open_page("adoption")
    assert not app.exception
    captions = " ".join(caption.value for caption in app.caption)
    assert f"fewer than {privacy.MIN_GROUP_USERS} provisioned users shows '{privacy.SUPPRESSED_LABEL}'" in captions
    role_cells = [frame for frame in chart_frames(app) if {"role", "label", "active_rate"} <= set(frame.columns)]
    assert role_cells, "no role heat map"
    cells = pd.concat(role_cells)
    assert privacy.SUPPRESSED_LABEL in set(cells["label"])
    hidden = cells[cells["label"] == privacy.SUPPRESSED_LABEL]
    assert hidden[["active_rate", "provisioned_users", "active_users"]].isna().all().all()


@pytest.mark.slow
def test_the_wave_ramp_sums_the_active_user_rate_of_the_wave_sites_on_each_week_last_day(warehouse: Path) -> None:
    sites = reference.sites()
    ramp = adoption.wave_ramp(sites["site_id"].tolist())
    assert {"wave-1-pilot", "wave-2"} <= set(ramp["rollout_wave"])  # both waves on one axis
    assert set(ramp.loc[ramp["rollout_wave"] == "wave-2", "weeks_since_go_live"]) <= set(
        ramp.loc[ramp["rollout_wave"] == "wave-1-pilot", "weeks_since_go_live"]
    )
    with duckdb.connect(str(warehouse), read_only=True) as con:
        # Week 1 of wave 1 ends 13 days after its go-live: active_user_rate of kpi_daily there, summed over the wave.
        expected = con.execute(
            """
            select sum(kpi_daily.numerator) / sum(kpi_daily.denominator)
            from marts.kpi_daily
            inner join staging.stg_erp__sites as sites on kpi_daily.site_id = sites.site_id
            where
                kpi_daily.kpi = 'active_user_rate'
                and sites.rollout_wave = 'wave-1-pilot'
                and kpi_daily.kpi_date = sites.go_live_date + 13
            """
        ).fetchone()[0]
    week_one = ramp[(ramp["rollout_wave"] == "wave-1-pilot") & (ramp["weeks_since_go_live"] == 1)]
    assert week_one["active_user_rate"].iloc[0] == pytest.approx(expected)
    app = open_page("adoption")
    ramps = [
        spec for spec in chart_specs(app) if any(x.get("field") == "weeks_since_go_live" for x in x_encodings(spec))
    ]
    assert len(ramps) == 1


@pytest.mark.slow
def test_transaction_shares_and_depth_scores_come_from_their_marts_and_small_sites_are_suppressed(
    warehouse: Path,
) -> None:
    _, end = period(warehouse)
    week = adoption.last_whole_week(end)
    assert week.weekday() == 0 and week + dt.timedelta(days=6) <= end
    sites = reference.sites()["site_id"].tolist()
    shares = adoption.transaction_adoption(sites, week)
    assert not shares.empty
    shown = shares[~shares["is_suppressed"]]
    assert (shown["active_users"] >= privacy.MIN_GROUP_USERS).all()
    assert (shown["user_share"] == shown["transaction_users"] / shown["active_users"]).all()
    assert shares.loc[shares["is_suppressed"], "user_share"].isna().all()
    volume = adoption.transaction_volume(sites, week - dt.timedelta(days=21), end)
    assert volume["new_erp_share"].between(0, 1).all()
    assert (volume["new_erp_events"] + volume["spreadsheet_events"] == volume["events"]).all()
    depth = adoption.depth_scores(sites, week - dt.timedelta(days=28), end)
    assert (depth["new_erp_users"] >= privacy.MIN_GROUP_USERS).all()
    assert depth["depth_score"].between(0, 1).all()
    latest = depth[depth["week_start_date"].dt.date == week].set_index("site_id")
    # Newark adopts poorly: the shallowest use of the live sites.
    assert latest["depth_score"].idxmin() == "NWK1"


@pytest.mark.slow
def test_the_depth_score_is_defined_in_the_dictionary_as_a_project_measure_not_a_kpi(warehouse: Path) -> None:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        kpis = {kpi for (kpi,) in con.execute("select kpi from marts.kpi_definitions").fetchall()}
        measures = con.execute("select measure, relation, column_name from marts.measure_definitions").fetchall()
        in_kpi_daily = con.execute("select count(distinct kpi) from marts.kpi_daily").fetchone()[0]
    assert len(kpis) == 19 and in_kpi_daily <= 19
    assert measures == [("adoption_depth_score", "marts.adoption_depth", "depth_score")]
    assert "adoption_depth_score" not in kpis
    dictionary = open_page("kpi_dictionary")
    assert not dictionary.exception
    assert any(expander.label.startswith("Adoption depth score") for expander in dictionary.expander)
    depth = open_page("adoption")
    assert "breadth × frequency" in " ".join(caption.value for caption in depth.caption)


@pytest.mark.slow
def test_help_desk_themes_show_category_names_and_the_rising_themes_of_the_week(warehouse: Path) -> None:
    sites = reference.sites()["site_id"].tolist()
    rising = adoption.rising_themes(sites, dt.date(2026, 4, 13))
    assert not rising.empty
    assert (rising["tickets"] >= 3).all()
    assert (rising["share"] - rising["previous_4_weeks_share"].fillna(0) >= 0.10).all()
    assert "Wrong or missing data" in set(rising["category_name"])  # data_issue, named
    by_wave = adoption.themes_since_go_live(sites)
    assert {"wave-1-pilot", "wave-2"} <= set(by_wave["rollout_wave"])
    app = open_page("adoption", {"dates": ["2026-03-23", "2026-04-19"]})
    assert not app.exception
    tables = [frame.value for frame in app.dataframe if "Theme" in frame.value.columns]
    assert tables and "Wrong or missing data" in set(tables[0]["Theme"])
    names = {name for frame in chart_frames(app) if "category_name" in frame for name in frame["category_name"]}
    assert "Access and log-in" in names
    assert not names & {"access", "data_issue", "how_to"}  # codes never shown where a name exists


@pytest.mark.slow
@pytest.mark.parametrize("content", [None, b"", b"not a database"], ids=["missing", "empty", "not-duckdb"])
def test_without_a_warehouse_the_app_says_how_to_create_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: bytes | None
) -> None:
    path = tmp_path / "warehouse.duckdb"
    if content is not None:
        path.write_bytes(content)
    monkeypatch.setenv("OBSERVATORY_WAREHOUSE", str(path))
    app = AppTest.from_file(APP, default_timeout=30).run()
    assert not app.exception
    message = " ".join(warning.value for warning in app.warning)
    assert "observatory run" in message
    assert str(path) in message


@pytest.mark.slow
def test_a_newly_published_warehouse_shows_on_the_next_query(
    sample_warehouse: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    published = tmp_path / "warehouse.duckdb"
    shutil.copyfile(sample_warehouse, published)
    monkeypatch.setenv("OBSERVATORY_WAREHOUSE", str(published))
    before = connection.query("select count(*) as n from marts.kpi_daily")["n"].iloc[0]
    replacement = tmp_path / "next.duckdb"
    with duckdb.connect(str(replacement)) as con:
        con.execute("create schema marts")
        con.execute("create table marts.kpi_daily as select 'S1' as site_id, current_date as kpi_date, 1 as n")
    os.replace(replacement, published)  # what publish does: an atomic rename over the old file
    after = connection.query("select count(*) as n from marts.kpi_daily")["n"].iloc[0]
    assert before > 1
    assert after == 1


def test_charts_refuse_frames_over_the_altair_row_limit() -> None:
    charts.guard(pd.DataFrame({"x": range(charts.MAX_CHART_ROWS)}))
    with pytest.raises(charts.ChartTooLarge):
        charts.guard(pd.DataFrame({"x": range(charts.MAX_CHART_ROWS + 1)}))


@pytest.mark.slow
def test_hypercare_curves_thin_out_days_in_sql_instead_of_raising_the_limit(
    warehouse: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sites = reference.sites()["site_id"].tolist()
    _, end = period(warehouse)
    every_day, step = hypercare.hypercare_curves(sites, "line_fill_rate", end)
    assert step == 1
    limit = len(every_day) // 3
    monkeypatch.setattr(hypercare, "HYPERCARE_MAX_POINTS", limit)
    thinned, step = hypercare.hypercare_curves(sites, "line_fill_rate", end)
    assert step == -(-len(every_day) // limit) > 1
    assert len(thinned) <= limit + len(sites)  # at most one extra day per site from rounding
    assert (thinned["day_offset"] % step == 0).all()


def test_values_read_in_their_unit() -> None:
    assert components.format_value(0.9551, "ratio") == "95.5%"
    assert components.format_value(0.9973, "ratio") == "99.73%"
    assert components.format_value(28.44, "hours") == "28.4 h"
    assert components.format_value(3.0, "count") == "3"
    assert components.format_value(0.2, "ratio", suppressed=True) == privacy.SUPPRESSED_LABEL
    assert components.format_change(0.013, "ratio") == "+1.3 pp"
    assert components.format_change(float("nan"), "ratio") is None


# A status shown beside a KPI and the bands shown with it: "target ≥ 97.0% · amber 92.0%–97.0% · red < 92.0%".
BANDS = re.compile(r"target (?P<sign>[≥≤]) (?P<target>.+?) · amber .+? · red [<>] (?P<red>.+)$")
BADGE = re.compile(r"^:(?P<colour>[a-z]+)-badge\[(?P<words>[^\]]+)\]$")


def shown_number(text: str) -> float | None:
    """A value as a page shows it (97.0%, 24.0 h, 1,234) back to a number; None for '–' or '< 5 users'."""
    cleaned = text.replace(",", "").replace(" h", "").strip()
    try:
        return float(cleaned.rstrip("%")) / (100 if cleaned.endswith("%") else 1)
    except ValueError:
        return None


def status_by_the_rule(value: str, bands: str) -> set[str]:
    """The documented rule (docs/kpis.md "Targets and status") recomputed from what the page shows: on track at or
    better than target, at risk at or better than the red threshold, off track beyond. Where the shown value equals a
    shown threshold, rounding hides which side it is on: either neighbouring status agrees."""
    match = BANDS.search(bands)
    assert match, bands
    number, target, red = shown_number(value), shown_number(match["target"]), shown_number(match["red"])
    assert number is not None and target is not None and red is not None, (value, bands)
    higher = match["sign"] == "≥"

    def at_or_better(left: float, right: float) -> bool:
        return left >= right if higher else left <= right

    if math.isclose(number, target, abs_tol=1e-9):
        return {"On track", "At risk"}
    if math.isclose(number, red, abs_tol=1e-9):
        return {"At risk", "Off track"}
    if at_or_better(number, target):
        return {"On track"}
    return {"At risk"} if at_or_better(number, red) else {"Off track"}


@pytest.mark.slow
def test_every_network_tile_status_agrees_with_the_rule_and_the_bands_on_the_tile(warehouse: Path) -> None:
    app = open_page("network_review")
    values = [metric.value for metric in app.metric]
    bands = [caption.value for caption in app.caption if BANDS.search(caption.value)]
    badges = [match["words"] for element in app.markdown if (match := BADGE.match(element.value))]
    assert len(values) == len(bands) == len(badges) == 19, (len(values), len(bands), len(badges))
    judged = 0
    for value, band, status in zip(values, bands, badges, strict=True):
        if status in ("No target", "Not live") or shown_number(value) is None:
            continue
        assert status in status_by_the_rule(value, band), (value, band, status)
        judged += 1
    assert judged >= 15
    assert {"On track", "Off track"} <= set(badges), "the sample should show both sides of the rule"


@pytest.mark.slow
@pytest.mark.parametrize("site", ["NWK1", "DAL1", "ATL1"])
def test_every_site_scorecard_status_agrees_with_the_rule_and_adoption_kpis_are_not_live_before_go_live(
    warehouse: Path, site: str
) -> None:
    app = open_page("site_scorecard", {"scorecard_site": site})
    assert not app.exception
    table = app.dataframe[0].value
    table = getattr(table, "data", table)  # a Styler arrives as its frame
    with duckdb.connect(str(warehouse), read_only=True) as con:
        adoption = {
            name for (name,) in con.execute("select kpi_name from marts.kpi_definitions where needs_go_live").fetchall()
        }
        (go_live,) = con.execute("select go_live_date from staging.stg_erp__sites where site_id = ?", [site]).fetchone()
    _, end = period(warehouse)
    is_live = go_live is not None and go_live <= end
    judged = 0
    for row in table.to_dict("records"):
        kpi, value, status, bands = row["KPI"], row["Value"], row["Status"], row["Target and bands"]
        if kpi in adoption and not is_live:
            assert status == "Not live", (kpi, status)
            continue
        if status in ("–", "No target", "No data") or shown_number(value) is None:
            continue
        assert status in status_by_the_rule(value, bands), (kpi, value, bands, status)
        judged += 1
    assert judged >= 10


@pytest.mark.slow
def test_live_waves_show_live_and_a_gate_names_only_the_sites_whose_own_verdict_it_is(warehouse: Path) -> None:
    app = open_page("network_review")
    cards = [element.value for element in app.markdown if "-badge[" in element.value and "**" in element.value]
    held_by = [element.value for element in app.markdown if element.value.startswith("Held by ")]
    _, end = period(warehouse)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        (week,) = con.execute(
            "select max(week_start_date) from marts.site_scorecard where week_end_date <= ?", [end]
        ).fetchone()
        gates = con.execute(
            """
            select gates.rollout_wave, gates.gate_status, count(sites.site_id) = count(sites.go_live_date)
                and max(sites.go_live_date) <= gates.week_end_date as is_live
            from marts.wave_gates as gates
            inner join staging.stg_erp__sites as sites on gates.rollout_wave = sites.rollout_wave
            where gates.week_start_date = ?
            group by gates.rollout_wave, gates.gate_status, gates.week_end_date
            order by gates.rollout_wave
            """,
            [week],
        ).fetchall()
        blocking = dict(
            con.execute(
                """
                select gates.rollout_wave, string_agg(sites.site_name, ', ' order by sites.site_id)
                from marts.wave_gates as gates
                inner join marts.wave_gate_sites as sites
                    on gates.previous_rollout_wave = sites.rollout_wave
                    and gates.week_start_date = sites.week_start_date
                    and gates.gate_status = sites.site_verdict
                where gates.week_start_date = ?
                group by all
                """,
                [week],
            ).fetchall()
        )
    assert any(is_live for _, _, is_live in gates), "the sample has live waves"
    for wave, status, is_live in gates:
        card = next(text for text in cards if f"**{wave}**" in text)
        assert (status == "live") == bool(is_live), (wave, status)
        assert f"[{status.upper()}]" in card
    assert sorted(held_by) == sorted(f"Held by **{names}**" for names in blocking.values())


@pytest.mark.slow
def test_a_hand_written_link_with_a_site_id_and_from_to_dates_is_applied(warehouse: Path) -> None:
    app = open_page("network_review", {"site": "NWK1", "from": "2026-03-01", "to": "2026-03-31"})
    assert not app.exception
    assert app.multiselect(key="site").value == ["NWK1"]
    assert app.date_input(key="dates").value == (dt.date(2026, 3, 1), dt.date(2026, 3, 31))
    month = open_page("site_scorecard", {"scorecard_site": "HAM1", "from": "2026-03", "to": "2026-03"})
    assert month.selectbox(key="scorecard_site").value == "HAM1"
    assert month.date_input(key="dates").value == (dt.date(2026, 3, 1), dt.date(2026, 3, 31))


@pytest.mark.slow
@pytest.mark.parametrize("page", list(PAGES))
def test_no_page_shows_a_literal_none_or_a_relation_name(warehouse: Path, page: str) -> None:
    app = open_page(page)
    texts = [str(element.value) for kind in ("markdown", "caption", "info", "success", "warning") for element in
             getattr(app, kind)]  # fmt: skip
    for frame in app.dataframe:
        table = getattr(frame.value, "data", frame.value)
        assert not table.isna().any().any(), f"{page}: a table with an empty cell shows 'None': {list(table.columns)}"
        texts.extend(table.astype(str).to_numpy().ravel().tolist())
    assert not [text for text in texts if "None" in text]
    assert not [text for text in texts if re.search(r"\b(marts|staging|meta)\.[a-z_]+", text)]


# --- Trends and context: sparklines, go-live markers, published benchmarks -----------------------------------


def chart_specs(app: AppTest) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in app.get("vega_lite_chart")]


def chart_frames(app: AppTest) -> list[pd.DataFrame]:
    """The data of every chart of the page (Streamlit sends it beside the spec, as Arrow)."""
    return [
        pa.ipc.open_stream(dataset.data.data).read_all().to_pandas()
        for chart in app.get("vega_lite_chart")
        for dataset in chart.proto.datasets
    ]


def x_encodings(spec: dict) -> list[dict]:
    """The x encoding of every layer of a (layered) Vega-Lite spec."""
    found = [x for layer in spec.get("layer", []) for x in x_encodings(layer)]
    if "x" in spec.get("encoding", {}):
        found.append(spec["encoding"]["x"])
    return found


def marks_of(spec: dict) -> list[str]:
    """Every mark type in a (layered) Vega-Lite spec."""
    found = []
    for layer in spec.get("layer", []):
        found += marks_of(layer)
    if "mark" in spec:
        found.append(spec["mark"] if isinstance(spec["mark"], str) else spec["mark"]["type"])
    return found


@pytest.mark.slow
def test_every_network_review_tile_has_a_sparkline_with_its_target_band(warehouse: Path) -> None:
    app = open_page("network_review")
    with duckdb.connect(str(warehouse), read_only=True) as con:
        kpis = {kpi for (kpi,) in con.execute("select kpi from marts.kpi_definitions").fetchall()}
        targeted = {kpi for (kpi,) in con.execute("select kpi from staging.stg_reference__kpi_targets").fetchall()}
    sparklines = {
        spec["description"].removeprefix("sparkline: "): spec
        for spec in chart_specs(app)
        if spec.get("description", "").startswith("sparkline: ")
    }
    assert set(sparklines) == kpis
    assert len(sparklines) == len(app.metric) == len(kpis)  # one per tile
    for kpi, spec in sparklines.items():
        marks = marks_of(spec)
        assert "line" in marks, kpi
        if kpi in targeted:
            assert {"rect", "rule"} <= set(marks), f"{kpi}: no target band"


@pytest.mark.slow
def test_network_weekly_values_are_the_tiles_sum_over_sum_of_kpi_daily(warehouse: Path) -> None:
    sites = reference.sites()["site_id"].tolist()
    _, end = period(warehouse)
    last_week = network.scorecard_week(sites, end)
    weekly = trends.network_weekly(sites, last_week)
    assert len(weekly["week_start_date"].unique()) == trends.SPARKLINE_WEEKS
    week_start = last_week - dt.timedelta(weeks=2)
    week_end = week_start + dt.timedelta(days=6)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        sum_over_sum, mean_of_ratios = con.execute(
            """
            select sum(numerator) / sum(denominator), avg(value)
            from marts.kpi_daily where kpi = 'line_fill_rate' and kpi_date between ? and ?
            """,
            [week_start, week_end],
        ).fetchone()
    shown = weekly[(weekly["kpi"] == "line_fill_rate") & (weekly["week_start_date"].dt.date == week_start)]
    assert shown["value"].iloc[0] == pytest.approx(sum_over_sum, rel=1e-12)
    assert shown["value"].iloc[0] != pytest.approx(mean_of_ratios, rel=1e-6)  # the check can fail
    # Every KPI of that week, level KPIs included, equals the tiles' own roll-up over the same seven days.
    tiles = rollup.kpi_rollup(sites, week_start, week_end).set_index("kpi")
    week = weekly[weekly["week_start_date"].dt.date == week_start].set_index("kpi")
    assert set(week.index) == set(tiles.index)
    for kpi in week.index:
        expected = tiles.loc[kpi, "value"] if not tiles.loc[kpi, "is_suppressed"] else None
        if expected is None or pd.isna(expected):
            assert pd.isna(week.loc[kpi, "value"]), kpi
        else:
            assert week.loc[kpi, "value"] == pytest.approx(expected, rel=1e-12), kpi


def test_time_charts_carry_the_go_live_markers_inside_their_days() -> None:
    weekly = pd.DataFrame(
        {
            "week_start_date": pd.to_datetime(["2026-02-02", "2026-02-09", "2026-02-16", "2026-02-23"]),
            "value": [0.91, 0.93, 0.88, 0.90],
            "site_name": ["Newark DC"] * 4,
        }
    )
    go_lives = pd.DataFrame(
        {
            "marker_date": pd.to_datetime(["2026-02-16", "2026-03-23"]),
            "label": ["wave-1-pilot go-live: CHI1, NWK1", "wave-2 go-live: DAL1, HAM1"],
        }
    )
    chart = charts.trend(weekly, x="week_start_date", y="value", series="site_name", y_title="Fill rate",
                         y_format=".0%", tooltip=["value:Q"], go_lives=go_lives)  # fmt: skip
    spec = chart.to_dict()
    layers = [layer for layer in spec["layer"] if layer.get("description") == "go-live markers"]
    assert len(layers) == 1
    assert marks_of(layers[0]) == ["rule", "text", "text"]  # the rule, the label's halo, the label
    labels = [row["label"] for dataset in spec["datasets"].values() for row in dataset if "label" in row]
    assert labels == ["wave-1-pilot go-live: CHI1, NWK1"]  # 23 Mar lies after the chart's last week
    without = charts.trend(weekly, x="week_start_date", y="value", series="site_name", y_title="Fill rate",
                           y_format=".0%", tooltip=["value:Q"])  # fmt: skip
    assert "go-live markers" not in json.dumps(without.to_dict())
    curves = pd.DataFrame({"site_name": ["Newark DC"] * 2, "day_offset": [-1, 1], "relative_to_baseline": [1.0, 0.9],
                           "kpi_date": pd.to_datetime(["2026-02-15", "2026-02-17"]), "trailing_7_day_value": [1, 1],
                           "baseline": [1, 1], "recovered_on": [None, None]})  # fmt: skip
    hypercare = charts.hypercare_lines(curves, tolerance=0.05, direction="higher").to_dict()
    assert "go-live markers" in json.dumps(hypercare)


@pytest.mark.slow
@pytest.mark.parametrize("page", ["site_scorecard", "adoption", "finance_close", "hypercare_tracker"])
def test_every_time_chart_of_a_page_shows_the_go_live_markers(warehouse: Path, page: str) -> None:
    specs = chart_specs(open_page(page, {"scorecard_site": "NWK1"} if page == "site_scorecard" else None))
    timed = [
        spec
        for spec in specs
        if any(x.get("type") == "temporal" or x.get("field") == "day_offset" for x in x_encodings(spec))
    ]
    assert timed, f"{page} has no time chart"
    for spec in timed:
        assert "go-live markers" in json.dumps(spec), f"{page}: a time chart without go-live markers"


def test_benchmark_bands_read_as_the_publication_says() -> None:
    bands = pd.DataFrame(
        {
            "kpi": ["pick_accuracy", "days_to_close", "days_to_close", "days_to_close", "line_fill_rate"],
            "band": ["best_in_class", "median", "top_quartile", "bottom_quartile", "best_in_class"],
            "value": [0.999, 6.4, 4.8, 10.0, None],
            "source": ["WERC DC Measures 2020, top 12 metrics summary: ..."] + ["APQC Open Standards, x: ..."] * 3
            + ["WERC DC Measures member report only"],
            "year": [2020, 2018, 2018, 2018, 2020],
        }
    )  # fmt: skip
    assert components.benchmark_text(bands, "pick_accuracy", "higher", "ratio") == (
        "best in class > 99.90% (WERC DC Measures 2020)"
    )
    assert components.benchmark_text(bands, "days_to_close", "lower", "days") == (
        "top quartile ≤ 4.8 days, median 6.4 days, bottom quartile ≥ 10 days (APQC Open Standards 2018)"
    )
    assert components.benchmark_text(bands, "line_fill_rate", "higher", "ratio") == ""


@pytest.mark.slow
def test_the_published_benchmark_shows_beside_the_kpi_on_the_scorecard_and_in_the_dictionary(warehouse: Path) -> None:
    werc = "best in class > 99.90% (WERC DC Measures 2020)"
    scorecard = open_page("site_scorecard", {"scorecard_site": "NWK1", "scorecard_kpi": "pick_accuracy"})
    assert not scorecard.exception
    assert any(werc in caption.value for caption in scorecard.caption)
    table = scorecard.dataframe[0].value
    table = getattr(table, "data", table)
    assert table.set_index("KPI").loc["Pick accuracy", "Published benchmark"] == werc
    dictionary = open_page("kpi_dictionary")
    overview = dictionary.dataframe[0].value
    assert overview.set_index("KPI").loc["Pick accuracy", "Published benchmark"] == werc
    listed = dictionary.dataframe[1].value
    assert {"pick_accuracy", "on_time_ship_rate", "days_to_close"} <= set(listed["KPI"])
    assert (listed.loc[listed["Verified"] == "no", "Value"] == "–").all()


def stroke_dash_scales(spec: dict) -> list[dict]:
    """The strokeDash scales of every layer of a (layered) Vega-Lite spec."""
    found = [scale for layer in spec.get("layer", []) for scale in stroke_dash_scales(layer)]
    dash = spec.get("encoding", {}).get("strokeDash")
    if dash and "scale" in dash:
        found.append(dash["scale"])
    return found


@pytest.mark.slow
def test_finance_close_draws_target_and_red_threshold_with_the_reference_dashes_of_every_chart(warehouse: Path) -> None:
    scales = [scale for spec in chart_specs(open_page("finance_close")) for scale in stroke_dash_scales(spec)]
    assert scales, "the days-to-close chart has no reference lines"
    for scale in scales:
        assert scale["range"] == [charts.REFERENCE_DASHES[label] for label in scale["domain"]]
    assert {"target", "red threshold"} <= {label for scale in scales for label in scale["domain"]}


# --- Attention: alerts, exception queue, orders at risk; anomaly markers on the KPI charts ----------------------


@pytest.mark.slow
def test_attention_lists_the_active_alerts_newest_first_and_the_queue_and_risks_in_their_order(warehouse: Path) -> None:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        active = con.execute("select count(*) from marts.alerts where is_active").fetchone()[0]
        ranked = [
            exception_id
            for (exception_id,) in con.execute(
                "select exception_id from marts.exception_queue order by network_rank"
            ).fetchall()
        ]
        likeliest = con.execute(
            "select order_id, line_number from marts.orders_at_risk order by miss_probability desc, "
            "value_at_risk desc nulls last, order_id, line_number limit 1"
        ).fetchone()
    assert active and ranked, "the sample has alerts and open exceptions"
    app = open_page("attention")
    assert not app.exception
    alerts, queue, risks = (getattr(frame.value, "data", frame.value) for frame in app.dataframe)
    assert len(alerts) == active
    assert queue["Exception"].tolist() == ranked[: len(queue)]
    assert (risks["Order"].iloc[0], risks["Line"].iloc[0]) == likeliest
    assert risks["Chance of missing"].iloc[0].endswith("%")
    assert {button.proto.label for button in app.get("download_button")} >= {
        "Download the queue (CSV)",
        "Download the order lines (CSV)",
    }


@pytest.mark.slow
def test_attention_leaves_out_cleared_alerts_and_lists_the_newest_first(
    sample_warehouse: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    changed = tmp_path / "warehouse.duckdb"
    shutil.copyfile(sample_warehouse, changed)
    with duckdb.connect(str(changed)) as con:
        keys = [
            key for (key,) in con.execute("select alert_key from marts.alerts order by alert_key limit 2").fetchall()
        ]
        con.execute(
            "update marts.alerts set cleared_at = last_seen_at, is_active = false where alert_key = ?", [keys[0]]
        )
        con.execute(
            "update marts.alerts set first_raised_at = first_raised_at + interval 1 hour where alert_key = ?", [keys[1]]
        )
        active = con.execute("select count(*) from marts.alerts where is_active").fetchone()[0]
    monkeypatch.setenv("OBSERVATORY_WAREHOUSE", str(changed))
    listed = signals.active_alerts(reference.sites()["site_id"].tolist())
    assert len(listed) == active
    assert listed["first_raised_at"].is_monotonic_decreasing
    assert listed["first_raised_at"].iloc[0] > listed["first_raised_at"].iloc[1]


@pytest.mark.slow
def test_attention_says_in_words_when_there_is_nothing_to_attend_to(
    sample_warehouse: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    quiet = tmp_path / "warehouse.duckdb"
    shutil.copyfile(sample_warehouse, quiet)
    with duckdb.connect(str(quiet)) as con:
        con.execute("update marts.alerts set cleared_at = last_seen_at, is_active = false")
        for relation in ("marts.exception_queue", "marts.orders_at_risk"):
            con.execute(f"delete from {relation}")
    monkeypatch.setenv("OBSERVATORY_WAREHOUSE", str(quiet))
    app = open_page("attention")
    assert not app.exception
    assert [element.value for element in app.success] == [
        "No active alert at the selected sites.",
        "No exception is open at the selected sites.",
        "No open order line is due to ship within the next days at the selected sites.",
    ]
    assert not app.dataframe


def anomaly_rows(site_name: str = "Newark DC", **columns) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "site_id": ["NWK1"],
            "site_name": [site_name],
            "kpi_date": pd.to_datetime(["2026-02-20"]),
            "day_offset": [4],
            "kind": ["level_shift"],
            "direction": ["worse"],
            "observed_value": [0.91],
            "expected_value": [0.99],
            "lower_bound": [0.97],
            "upper_bound": [1.0],
            "score": [-6.0],
            **columns,
        }
    )


def tooltip_titles(spec: dict) -> list[str]:
    found = [title for layer in spec.get("layer", []) for title in tooltip_titles(layer)]
    tooltip = spec.get("encoding", {}).get("tooltip", [])
    return found + [item.get("title") for item in (tooltip if isinstance(tooltip, list) else [tooltip])]


def test_anomalies_are_marked_on_the_trend_and_the_hypercare_curves_with_observed_expected_and_band() -> None:
    weekly = pd.DataFrame(
        {
            "week_start_date": pd.to_datetime(["2026-02-09", "2026-02-16", "2026-02-23"]),
            "value": [0.99, 0.95, 0.96],
            "kpi_name": ["Pick accuracy"] * 3,
        }
    )
    chart = charts.trend(weekly, x="week_start_date", y="value", series="kpi_name", y_title="Pick accuracy",
                         y_format=".0%", tooltip=["value:Q"], anomalies=anomaly_rows()).to_dict()  # fmt: skip
    [layer] = [layer for layer in chart["layer"] if layer.get("description") == "anomaly markers"]
    assert marks_of(layer) == ["rule", "point"]
    assert {"Observed", "Expected", "Band from", "Band to"} <= set(tooltip_titles(layer))
    outside = anomaly_rows(kpi_date=pd.to_datetime(["2026-04-01"]))
    later = charts.trend(weekly, x="week_start_date", y="value", series="kpi_name", y_title="Pick accuracy",
                         y_format=".0%", tooltip=["value:Q"], anomalies=outside).to_dict()  # fmt: skip
    assert "anomaly markers" not in json.dumps(later)
    curves = pd.DataFrame({"site_name": ["Newark DC"] * 2, "day_offset": [-1, 10], "relative_to_baseline": [1.0, 0.9],
                           "kpi_date": pd.to_datetime(["2026-02-15", "2026-02-26"]), "trailing_7_day_value": [1, 1],
                           "baseline": [1, 1], "recovered_on": [None, None]})  # fmt: skip
    hypercare_chart = charts.hypercare_lines(curves, tolerance=0.05, direction="higher", anomalies=anomaly_rows())
    assert "anomaly markers" in json.dumps(hypercare_chart.to_dict())


@pytest.mark.slow
def test_a_published_anomaly_shows_on_the_site_scorecard_and_hypercare_charts(
    sample_warehouse: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    flagged = tmp_path / "warehouse.duckdb"
    shutil.copyfile(sample_warehouse, flagged)
    with duckdb.connect(str(flagged)) as con:
        con.execute(
            """
            insert into marts.kpi_anomalies (site_id, kpi, kpi_date, kind, anomaly_start_date, observed_value,
                expected_value, lower_bound, upper_bound, score, direction, kpi_direction, in_go_live_window, detector)
            select 'NWK1', 'pick_accuracy', max(kpi_date) - 3, 'spike', max(kpi_date) - 3, 0.9, 0.99, 0.98, 1.0,
                -7.5, 'worse', 'higher', false, 'robust_baseline_cusum'
            from marts.kpi_daily where site_id = 'NWK1' and kpi = 'pick_accuracy'
            """
        )
    monkeypatch.setenv("OBSERVATORY_WAREHOUSE", str(flagged))
    scorecard = open_page("site_scorecard", {"scorecard_site": "NWK1", "scorecard_kpi": "pick_accuracy"})
    assert not scorecard.exception
    assert any("anomaly markers" in json.dumps(spec) for spec in chart_specs(scorecard))
    assert any("left its expected band" in caption.value for caption in scorecard.caption)
    tracker = open_page("hypercare_tracker")
    tracker.selectbox(key="hypercare_kpi").set_value("pick_accuracy").run()
    assert not tracker.exception
    assert any("anomaly markers" in json.dumps(spec) for spec in chart_specs(tracker))
