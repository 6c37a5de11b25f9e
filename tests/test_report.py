"""`observatory report`: the weekly review as a PDF of one or two pages with its charts as images, titled by week
and site, or its first page as a PNG; rendered offline; an unknown site is one error line; the Network review and
Site scorecard pages offer the same PDF."""

from __future__ import annotations

import datetime as dt
import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from dashboards import report
from dashboards.queries import reference

APP = Path(__file__).resolve().parents[1] / "dashboards" / "app.py"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
OBSERVATORY = str(Path(sys.executable).with_name("observatory"))


def observatory(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([OBSERVATORY, *args], capture_output=True, text=True, timeout=300, env=os.environ.copy())


def pdf_pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type /Page\b(?!s)", pdf))


def pdf_images(pdf: bytes) -> int:
    return len(re.findall(rb"/Subtype /Image\b", pdf))


def pdf_title(pdf: bytes) -> str:
    match = re.search(rb"/Title \((.*)\)\r?\n", pdf)
    assert match, "the PDF has no title"
    return re.sub(r"\\(.)", r"\1", match[1].decode("latin-1"))


def png_size(png: bytes) -> tuple[int, int]:
    assert png.startswith(PNG_SIGNATURE)
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


def latest_full_week(warehouse: Path) -> str:
    """The ISO week a report defaults to: the last week of the scorecard that ends by the day the data runs to."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        (week_start,) = con.execute(
            """
            select max(week_start_date) from marts.site_scorecard
            where week_end_date <= (
                select max(kpi_date) from marts.kpi_daily
                where kpi in (select kpi from marts.kpi_definitions where is_level)
            )
            """
        ).fetchone()
    year, week, _ = week_start.isocalendar()
    return f"{year}-W{week:02d}"


def test_report_explains_itself_with_help() -> None:
    result = observatory("report", "--help")
    assert result.returncode == 0, result.stderr
    assert all(option in result.stdout for option in ("--warehouse", "--site", "--week", "--out"))


# --- fast: hand-made frames, no warehouse --------------------------------------------------------------------


def test_an_iso_week_is_read_as_its_monday_and_anything_else_is_refused() -> None:
    assert report.parse_week("2026-W14") == dt.date(2026, 3, 30)
    assert report.parse_week("2026-W01") == dt.date(2025, 12, 29)
    for text in ("2026W14", "2026-W54", "2026-14", "last week"):
        with pytest.raises(report.ReportError, match="YYYY-Www"):
            report.parse_week(text)


def test_hand_made_tiles_render_offline_to_a_png_of_one_card_per_kpi() -> None:
    tiles = pd.DataFrame(
        {
            "kpi_name": ["Line fill rate", "Pick accuracy", "Order cycle time (hours)", "Exception backlog", "Tickets"],
            "label": ["96.9%", "98.5%", "25.1 h", "2", "–"],
            "status": ["amber", "red", "green", "not live", "no target"],
            "status_words": ["At risk", "Off track", "On track", "Not live", "No target"],
            "change_text": ["+1.1 pp", "-0.6 pp", "-4.2 h", "", ""],
            "bands": ["target ≥ 97.0% · amber 92.0%–97.0% · red < 92.0%"] * 5,
        }
    )
    chart = report.render(report.tiles_chart(tiles))
    width, height = png_size(chart.png)
    assert (width, height) == (chart.width * report.IMAGE_SCALE, chart.height * report.IMAGE_SCALE)
    # five KPIs on rows of TILE_COLUMNS: two rows of cards, the whole width of the tiles chart
    assert chart.width >= report.TILE_COLUMNS * report.TILE_WIDTH
    assert 2 * report.TILE_HEIGHT <= chart.height < 3 * report.TILE_HEIGHT


def test_a_chart_that_would_fetch_data_is_refused_rather_than_fetched() -> None:
    import altair as alt

    remote = alt.Chart(alt.UrlData("https://example.invalid/kpis.csv")).mark_point().encode(x="value:Q")
    with pytest.raises(ValueError, match="External data url not allowed"):
        report.render(remote)


def test_pdf_text_in_the_core_font_spells_out_what_latin_1_lacks() -> None:
    assert report._latin_1("target ≥ 97.0% · amber 92.0%–97.0%") == "target >= 97.0% · amber 92.0%-97.0%"
    assert report._latin_1("Łódź DC") == "?ód? DC"


# --- slow: the sample warehouse ------------------------------------------------------------------------------


@pytest.fixture
def warehouse(sample_warehouse: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("OBSERVATORY_WAREHOUSE", str(sample_warehouse))
    return sample_warehouse


@pytest.mark.slow
def test_network_review_pdf_is_one_page_with_its_chart_titled_by_the_latest_full_week(
    warehouse: Path, tmp_path: Path
) -> None:
    out = tmp_path / "review.pdf"
    result = observatory("report", "--warehouse", str(warehouse), "--out", str(out))
    assert result.returncode == 0, result.stderr
    week = latest_full_week(warehouse)
    assert result.stdout.strip() == f"{out}: Network review – ISO week {week}, {out.stat().st_size / 1024:,.0f} KB"
    assert result.stderr == ""
    pdf = out.read_bytes()
    assert pdf.startswith(b"%PDF-")
    assert pdf_pages(pdf) == 1
    assert pdf_images(pdf) == 1  # the tiles and the heat map, one chart
    assert pdf_title(pdf) == f"Network review - ISO week {week}"


@pytest.mark.slow
def test_site_pdf_has_a_second_page_of_trends_and_names_the_site_and_the_week(warehouse: Path, tmp_path: Path) -> None:
    out = tmp_path / "nwk1.pdf"
    result = observatory(
        "report", "--warehouse", str(warehouse), "--site", "NWK1", "--week", "2026-W14", "--out", str(out)
    )
    assert result.returncode == 0, result.stderr
    pdf = out.read_bytes()
    assert pdf_pages(pdf) == 2
    assert pdf_images(pdf) == 2  # page 1: tiles and heat map; page 2: the site's weeks and trends
    assert pdf_title(pdf) == "Newark DC (NWK1) - ISO week 2026-W14"


@pytest.mark.slow
def test_png_output_is_the_first_page_as_an_image_of_sensible_size(warehouse: Path, tmp_path: Path) -> None:
    out = tmp_path / "review.png"
    result = observatory("report", "--warehouse", str(warehouse), "--week", "2026-W14", "--out", str(out))
    assert result.returncode == 0, result.stderr
    width, height = png_size(out.read_bytes())
    assert 1_500 <= width <= 4_000 and 1_000 <= height <= 4_000, (width, height)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        (("--site", "XX9"), "observatory report: error: unknown site 'XX9'; sites in this warehouse: "),
        (("--week", "2020-W01"), "observatory report: error: week 2020-W01 has no data; the warehouse runs from "),
        (("--week", "April"), "observatory report: error: --week 'April' is not an ISO week"),
    ],
    ids=["unknown site", "week without data", "not a week"],
)
def test_a_report_that_cannot_be_made_is_one_error_line(
    warehouse: Path, tmp_path: Path, arguments: tuple[str, ...], expected: str
) -> None:
    out = tmp_path / "review.pdf"
    result = observatory("report", "--warehouse", str(warehouse), *arguments, "--out", str(out))
    assert result.returncode == 1
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert result.stderr.startswith(expected), result.stderr
    if arguments[0] == "--site":
        assert "NWK1" in result.stderr  # the valid ids are listed
    assert not out.exists()


@pytest.mark.slow
@pytest.mark.parametrize("page", ["network_review", "site_scorecard"])
def test_the_review_page_offers_the_weeks_pdf_made_when_clicked(warehouse: Path, page: str) -> None:
    app = AppTest.from_file(APP, default_timeout=60)
    app.query_params.update({"scorecard_site": "NWK1"})
    app.run()
    if page != "network_review":
        app.switch_page(f"views/{page}.py").run()
    assert not app.exception, [error.message for error in app.exception]
    button = app.download_button(key="download_review_pdf")
    week = latest_full_week(warehouse)
    assert button.label == f"Download the review of {week} (PDF)"
    assert button.proto.deferred_file_id, "the PDF is made on click, not on every run"
    # What the click runs: the PDF of the page's week and sites (the site scorecard's: of its site, two pages).
    site_id = "NWK1" if page == "site_scorecard" else None
    _first_date, _last_date, data_through_date = reference.kpi_date_range()
    scope = report.page_scope(reference.sites()["site_id"].tolist(), data_through_date, site_id)
    assert scope is not None and scope.iso_week == week
    pdf = report.pdf_bytes(scope)
    assert pdf_pages(pdf) == (2 if site_id else 1)
    assert pdf_images(pdf) == pdf_pages(pdf)
    assert pdf_title(pdf).endswith(f"ISO week {week}")


@pytest.mark.slow
@pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="needs Debian's Chromium")
@pytest.mark.skipif(importlib.util.find_spec("playwright") is None, reason="needs playwright")
def test_clicking_the_site_scorecards_button_in_the_browser_downloads_the_two_page_pdf(
    sample_warehouse: Path, tmp_path: Path
) -> None:
    import browser

    with browser.served_dashboard(sample_warehouse) as url, browser.chromium_page() as page:
        page.goto(f"{url}/site_scorecard?scorecard_site=NWK1")
        browser.wait_until_rendered(page, "Every KPI")
        with page.expect_download(timeout=60_000) as download:
            page.get_by_role("button", name=re.compile(r"Download the review of \d{4}-W\d{2} \(PDF\)")).click()
        saved = tmp_path / download.value.suggested_filename
        download.value.save_as(saved)
        assert browser.error_texts(page) == []
    assert saved.name == f"review_{latest_full_week(sample_warehouse)}_NWK1.pdf"
    pdf = saved.read_bytes()
    assert pdf_pages(pdf) == 2 and pdf_images(pdf) == 2
    assert pdf_title(pdf).startswith("Newark DC (NWK1)")
