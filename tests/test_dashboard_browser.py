"""The served dashboard in a real browser (Debian's Chromium through Playwright): every page renders without a
Streamlit error box, and the filters travel in the URL from page to page. Screenshots of every page at 1280 px
go to test-artifacts/dashboard/."""

from __future__ import annotations

import csv
import importlib.util
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import browser
import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Page

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts" / "dashboard"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not browser.CHROMIUM.exists(), reason=f"needs Debian's Chromium at {browser.CHROMIUM}"),
    pytest.mark.skipif(importlib.util.find_spec("playwright") is None, reason="needs playwright"),
]


@pytest.fixture(scope="module")
def dashboard_url(sample_warehouse: Path) -> Iterator[str]:
    with browser.served_dashboard(sample_warehouse) as url:
        yield url


@pytest.fixture(scope="module")
def page(dashboard_url: str) -> Iterator[Page]:
    with browser.chromium_page() as chromium:
        yield chromium


def filter_caption(page: Page) -> str:
    return page.get_by_test_id("stCaptionContainer").filter(has_text="Filters:").first.inner_text()


@pytest.mark.parametrize(("path", "title", "key_text"), browser.PAGES, ids=[title for _, title, _ in browser.PAGES])
def test_page_renders_in_the_browser_without_error(
    page: Page, dashboard_url: str, path: str, title: str, key_text: str
) -> None:
    page.goto(f"{dashboard_url}/{path}")
    browser.wait_until_rendered(page, key_text)
    browser.screenshot(page, ARTIFACTS / f"{path or 'network_review'}.png")
    assert page.get_by_role("heading", name=title, exact=True).first.is_visible()
    assert browser.error_texts(page) == []


def test_a_shared_link_keeps_its_filters_across_pages(page: Page, dashboard_url: str) -> None:
    # Opened first as a deep link, then navigated through the sidebar like a reader would.
    page.goto(f"{dashboard_url}/hypercare_tracker?region=Europe")
    browser.wait_until_rendered(page, "Recovery curves")
    assert "Europe" in filter_caption(page)
    page.get_by_test_id("stSidebarNav").get_by_text("Site scorecard", exact=True).click()
    browser.wait_until_rendered(page, "Every KPI")
    assert "/site_scorecard" in page.url
    assert "region=Europe" in page.url
    assert "Europe" in filter_caption(page)
    assert browser.error_texts(page) == []


def test_a_hand_written_link_with_a_site_id_and_from_to_dates_opens_that_view(page: Page, dashboard_url: str) -> None:
    page.goto(f"{dashboard_url}/?site=NWK1&from=2026-03-01&to=2026-03-31")
    browser.wait_until_rendered(page, "Sites × KPIs")
    caption = filter_caption(page)
    assert "1 site " in caption
    assert "01 Mar 2026 – 31 Mar 2026" in caption
    assert "from=" not in page.url  # rewritten into the widgets' own parameters
    assert browser.error_texts(page) == []


def test_network_tiles_show_their_status_with_target_and_bands(page: Page, dashboard_url: str) -> None:
    page.goto(dashboard_url)
    browser.wait_until_rendered(page, "Sites × KPIs")
    bands = page.get_by_test_id("stCaptionContainer").filter(has_text="· amber ")
    assert bands.count() >= 19
    assert "target ≥ 85.0% · amber 80.0%–85.0% · red < 80.0%" in " ".join(bands.all_inner_texts())


def test_a_heat_map_cell_drills_down_to_the_rows_behind_the_number(page: Page, dashboard_url: str) -> None:
    # A click on Newark's pick-accuracy cell of the network heat map, as a reader would (Vega's href link).
    page.goto(dashboard_url)
    browser.wait_until_rendered(page, "Sites × KPIs")
    cell = page.locator(
        '[data-testid="stVegaLiteChart"] g.mark-text text'
        '[aria-label*="site_name: Newark DC;"][aria-label*="kpi_name: Pick accuracy;"]'
    ).first
    cell.scroll_into_view_if_needed()
    page.mouse.wheel(0, 200)  # clear of the app's sticky header
    cell.click()
    page.wait_for_url("**/site_scorecard**")
    browser.wait_until_rendered(page, "Behind the number")
    assert "scorecard_kpi=Pick+accuracy" in page.url
    assert "NWK1" in page.url
    caption = page.get_by_test_id("stCaptionContainer").filter(has_text="picks counted").first.inner_text()
    counted, accurate = (
        int(number.replace(",", "")) for number in re.findall(r"([\d,]+) (?:picks counted|of them)", caption)
    )
    assert counted > accurate
    with page.expect_download() as download:
        page.get_by_role("button", name=re.compile(r"Download these [\d,]+ rows")).click()
    rows = list(csv.DictReader(Path(download.value.path()).read_text().splitlines()))
    assert len(rows) == counted - accurate
    assert {row["reason"] for row in rows} == {"picking error"}
    assert {row["site_id"] for row in rows} == {"NWK1"}
    browser.screenshot(page, ARTIFACTS / "drill_down.png")
    assert browser.error_texts(page) == []


def test_attention_comes_first_in_the_sidebar_and_downloads_its_exception_queue(page: Page, dashboard_url: str) -> None:
    page.goto(dashboard_url)
    browser.wait_until_rendered(page, "Sites × KPIs")
    links = page.get_by_test_id("stSidebarNav").get_by_role("link")
    # Each link's text is its icon's ligature name, then its title.
    titles = [text.strip().splitlines()[-1] for text in links.all_inner_texts()]
    assert titles[:2] == ["Attention", "Network review"]
    links.first.click()
    page.wait_for_url("**/attention**")
    browser.wait_until_rendered(page, "Orders at risk")
    for section in ("Alerts", "Exception queue", "Orders at risk"):
        assert page.get_by_role("heading", name=section, exact=True).first.is_visible()
    caption = page.get_by_test_id("stCaptionContainer").filter(has_text="open exceptions, in the order").first
    shown, total = (int(number) for number in re.findall(r"The first (\d+) of (\d+)", caption.inner_text())[0])
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the queue (CSV)").click()
    rows = list(csv.DictReader(Path(download.value.path()).read_text().splitlines()))
    assert len(rows) == shown <= total
    assert [int(row["Rank"]) for row in rows] == list(range(1, shown + 1))
    browser.screenshot(page, ARTIFACTS / "attention.png")
    assert browser.error_texts(page) == []


def test_the_adoption_page_shows_adoption_in_depth_and_no_role_group_under_five(page: Page, dashboard_url: str) -> None:
    page.goto(f"{dashboard_url}/adoption")
    browser.wait_until_rendered(page, "Readiness of sites not yet live")
    for section in ("Ramp by wave", "Adoption by transaction", "Adoption by role", "Depth of use", "Help-desk themes"):
        assert page.get_by_role("heading", name=section, exact=True).first.is_visible()
    assert page.get_by_text("Rising themes", exact=True).first.is_visible()
    assert page.get_by_text("Themes by wave since go-live", exact=True).first.is_visible()
    with page.expect_download() as download:
        page.get_by_role("button", name="Download adoption by role (CSV)").click()
    rows = list(csv.DictReader(Path(download.value.path()).read_text().splitlines()))
    assert rows and {"role", "provisioned_users", "active_rate", "is_suppressed"} <= set(rows[0])
    hidden = [row for row in rows if row["is_suppressed"] == "True"]
    assert hidden, "the sample has site-role groups of fewer than 5 users"
    assert all(row["provisioned_users"] == row["active_users"] == row["active_rate"] == "" for row in hidden)
    assert all(int(float(row["provisioned_users"])) >= 5 for row in rows if row["is_suppressed"] == "False")
    browser.screenshot(page, ARTIFACTS / "adoption.png")
    assert browser.error_texts(page) == []


def test_the_served_dashboard_fetches_nothing_from_the_internet(page: Page, dashboard_url: str) -> None:
    """Every request the browser makes (favicon and icons included) goes to the dashboard's own server."""
    from urllib.parse import urlparse

    requested: list[str] = []
    page.context.on("request", lambda request: requested.append(request.url))
    for path, _, key_text in (browser.PAGES[0], browser.PAGES[-2]):  # Network review, Data quality
        page.goto(f"{dashboard_url}/{path}")
        browser.wait_until_rendered(page, key_text)
    own = urlparse(dashboard_url).netloc
    elsewhere = [url for url in requested if urlparse(url).scheme in ("http", "https") and urlparse(url).netloc != own]
    assert requested and elsewhere == []
