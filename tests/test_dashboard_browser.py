"""The served dashboard in a real browser (Debian's Chromium through Playwright): every page renders without a
Streamlit error box, and the filters travel in the URL from page to page. Screenshots of every page at 1280 px
go to test-artifacts/dashboard/."""

from __future__ import annotations

import importlib.util
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
