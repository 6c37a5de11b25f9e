"""Sign-in through an OpenID Connect provider and site-scoped views, end to end: a throwaway provider on 127.0.0.1
(tests/oidc_provider.py), `observatory dashboard --secrets` configured for it, a warehouse built from the bundled
sample with a delivered dashboard_access table, and Debian's Chromium signing in through the provider's form.

A site lead sees only their site on every page, cannot reach another site by editing the link, downloads only their
site's rows; a member of a wave's group sees that wave's sites; a user with no dashboard_access row gets the "no
access" page and nothing else; signing out returns to the sign-in page; the audit log (outside the warehouse)
records each sign-in, page view and download. Screenshots go to test-artifacts/access/."""

from __future__ import annotations

import csv
import dataclasses
import importlib.util
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import browser
import duckdb
import oidc_provider
import pytest
from conftest import write_file

from dashboards import audit, report
from dashboards.queries import reference, scope
from orchestration.cli import run_pipeline
from orchestration.settings import SAMPLE_EXTRACTS_DIR, Settings

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts" / "access"
LEAD = "lead.nwk1@example.com"
WAVE_MEMBER = "wave2.member@example.com"
STRANGER = "stranger@example.com"
ACCESS_CSV = f"""principal,role,scope
{LEAD},site,NWK1
group:wave-2-leads,wave,wave-2
network@example.com,network,*
"""

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not browser.CHROMIUM.exists(), reason=f"needs Debian's Chromium at {browser.CHROMIUM}"),
    pytest.mark.skipif(importlib.util.find_spec("playwright") is None, reason="needs playwright"),
]


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled sample plus a delivered dashboard_access table, through the real pipeline."""
    root = tmp_path_factory.mktemp("access")
    extracts = root / "extracts"
    extracts.mkdir()
    for entity in SAMPLE_EXTRACTS_DIR.iterdir():
        (extracts / entity.name).symlink_to(entity, target_is_directory=True)
    write_file(extracts, "dashboard_access", "dashboard_access_20260105.csv", ACCESS_CSV)
    published = root / "published" / "warehouse.duckdb"
    run_pipeline(Settings.from_env(extracts, published), "ERROR")
    return published


@pytest.fixture(scope="module")
def sites(warehouse: Path) -> dict[str, str]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return dict(con.execute("select site_id, site_name from staging.stg_erp__sites").fetchall())


@pytest.fixture(scope="module")
def provider() -> Iterator[oidc_provider.Provider]:
    with oidc_provider.running_provider({WAVE_MEMBER: ["wave-2-leads"]}) as running:
        yield running


@pytest.fixture(scope="module")
def audit_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("audit")


@pytest.fixture(scope="module")
def dashboard_url(
    warehouse: Path, provider: oidc_provider.Provider, audit_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    port = browser.free_port()
    url = f"http://127.0.0.1:{port}"
    secrets_file = tmp_path_factory.mktemp("secrets") / "secrets.toml"
    secrets_file.write_text(oidc_provider.secrets_toml(provider, url))
    os.chmod(secrets_file, 0o600)
    with browser.served_dashboard(
        warehouse,
        port=port,
        extra_args=["--secrets", str(secrets_file)],
        environment={"OBSERVATORY_AUDIT_DIR": str(audit_dir)},
    ) as served:
        assert served == url
        yield url


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(browser.CHROMIUM), args=browser.CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


def new_page(chromium: Browser) -> Page:
    """A page in a browser context of its own (its own cookies: its own sign-in)."""
    page = chromium.new_context(viewport={"width": browser.WIDTH, "height": 900}, accept_downloads=True).new_page()
    page.set_default_timeout(30_000)
    return page


def sign_in(page: Page, dashboard_url: str, email: str) -> None:
    page.goto(dashboard_url)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label("E-mail").fill(email)  # the provider's form
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(f"{dashboard_url}/**")


def visible_text(page: Page) -> str:
    return page.locator("body").inner_text()


def others(sites: dict[str, str], allowed: set[str]) -> list[str]:
    """Ids and names of the sites outside ``allowed``: words the page must not show."""
    return [word for site_id, name in sites.items() if site_id not in allowed for word in (site_id, name)]


@pytest.fixture(scope="module")
def lead_page(chromium: Browser, dashboard_url: str) -> Iterator[Page]:
    page = new_page(chromium)
    sign_in(page, dashboard_url, LEAD)
    browser.wait_until_rendered(page, "Sites × KPIs")
    yield page
    page.context.close()


def test_a_visitor_sees_only_the_sign_in_page(chromium: Browser, dashboard_url: str, sites: dict[str, str]) -> None:
    page = new_page(chromium)
    for path in ("", "site_scorecard?site=NWK1", "attention"):
        page.goto(f"{dashboard_url}/{path}")
        page.get_by_role("button", name="Sign in").wait_for(state="visible")
        text = visible_text(page)
        assert "Sign in with your organisation's account" in text
        assert [word for word in others(sites, set()) if word in text] == []
        assert page.get_by_test_id("stSidebarNav").count() == 0
    browser.screenshot(page, ARTIFACTS / "sign_in.png")
    page.context.close()


def test_a_site_lead_signs_in_and_every_page_shows_only_their_site(
    lead_page: Page, dashboard_url: str, provider: oidc_provider.Provider, sites: dict[str, str]
) -> None:
    assert LEAD in provider.signed_in
    links = lead_page.get_by_test_id("stSidebarNav").get_by_role("link")
    titles = [text.strip().splitlines()[-1] for text in links.all_inner_texts()]
    assert "Data quality" not in titles and "Site scorecard" in titles
    for path, title, key_text in browser.PAGES:
        if title == "Data quality":
            continue
        lead_page.goto(f"{dashboard_url}/{path}")
        browser.wait_until_rendered(lead_page, key_text)
        text = visible_text(lead_page)
        assert f"{LEAD} · site · NWK1" in text
        assert [word for word in others(sites, {"NWK1"}) if word in text] == [], title
        assert browser.error_texts(lead_page) == [], title
    browser.screenshot(lead_page, ARTIFACTS / "site_lead_network_review.png")


@pytest.mark.parametrize(
    "link",
    [
        "?site=DAL1",
        "?site=Dallas%20DC%20(DAL1)&site=Newark%20DC%20(NWK1)",
        "?wave=wave-2&region=Europe",
        "site_scorecard?scorecard_site=DAL1&scorecard_kpi=pick_accuracy&from=2026-04-07&to=2026-05-04",
        "attention?site=HAM1",
        "data_quality",
    ],
)
def test_a_site_lead_cannot_reach_another_site_by_editing_the_link(
    lead_page: Page, dashboard_url: str, sites: dict[str, str], link: str
) -> None:
    lead_page.goto(f"{dashboard_url}/{link}")
    lead_page.get_by_text(f"{LEAD} · site · NWK1").wait_for(state="visible")
    browser.wait_until_rendered(lead_page, "NWK1")
    text = visible_text(lead_page)
    assert [word for word in others(sites, {"NWK1"}) if word in text] == []
    assert "Freshness" not in text  # Data quality is not one of a site lead's pages


def test_a_site_lead_downloads_only_their_site(
    lead_page: Page, dashboard_url: str, sites: dict[str, str], warehouse: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lead_page.goto(f"{dashboard_url}/attention?site=DAL1&site=HAM1")
    browser.wait_until_rendered(lead_page, "Orders at risk")
    for button in ("Download the queue (CSV)", "Download the alerts (CSV)", "Download the order lines (CSV)"):
        with lead_page.expect_download() as download:
            lead_page.get_by_role("button", name=button).click()
        text = Path(download.value.path()).read_text()
        rows = list(csv.DictReader(text.splitlines()))
        assert rows, button
        assert [word for word in others(sites, {"NWK1"}) if word in text] == [], button
    lead_page.goto(dashboard_url)
    browser.wait_until_rendered(lead_page, "Sites × KPIs")
    with lead_page.expect_download() as download:
        lead_page.get_by_role("button", name="(PDF)").click()
    pdf = Path(download.value.path()).read_bytes()
    # The review is the same file for the same week and warehouse: the downloaded one is the lead's review of
    # their site, made as the lead, not the network's.
    monkeypatch.setenv("OBSERVATORY_WAREHOUSE", str(warehouse))
    lead = scope.Viewer(LEAD, ("site",), ("NWK1",), is_signed_in=True)
    with scope.viewing_as(lead):
        _first, _last, through = reference.kpi_date_range()
        review = report.page_scope(["NWK1"], through)
        assert review is not None
        as_lead = report.pdf_bytes(review)
    with scope.viewing_as(scope.OPERATOR):
        network = report.pdf_bytes(dataclasses.replace(review, site_ids=tuple(sites)))
    assert pdf == as_lead != network


def test_a_member_of_a_wave_group_sees_the_sites_of_that_wave(
    chromium: Browser, dashboard_url: str, sites: dict[str, str]
) -> None:
    page = new_page(chromium)
    sign_in(page, dashboard_url, WAVE_MEMBER)
    browser.wait_until_rendered(page, "Sites × KPIs")
    text = visible_text(page)
    assert f"{WAVE_MEMBER} · wave · DAL1, HAM1" in text
    assert [word for word in others(sites, {"DAL1", "HAM1"}) if word in text] == []
    page.context.close()


def test_an_unknown_user_gets_the_no_access_page_and_nothing_else(
    chromium: Browser, dashboard_url: str, sites: dict[str, str]
) -> None:
    page = new_page(chromium)
    sign_in(page, dashboard_url, STRANGER)
    page.get_by_role("heading", name="No access").wait_for(state="visible")
    for path in ("", "attention", "site_scorecard?scorecard_site=NWK1"):
        page.goto(f"{dashboard_url}/{path}")
        page.get_by_role("heading", name="No access").wait_for(state="visible")
        text = visible_text(page)
        assert STRANGER in text
        assert [word for word in others(sites, set()) if word in text] == []
        assert page.get_by_test_id("stSidebarNav").count() == 0
        assert page.get_by_test_id("stDownloadButton").count() == 0
    browser.screenshot(page, ARTIFACTS / "no_access.png")
    page.context.close()


def test_signing_out_returns_to_the_sign_in_page(lead_page: Page, dashboard_url: str) -> None:
    lead_page.goto(dashboard_url)
    browser.wait_until_rendered(lead_page, "Sites × KPIs")
    lead_page.get_by_test_id("stSidebar").get_by_role("button", name="Sign out").click()
    lead_page.get_by_role("button", name="Sign in").wait_for(state="visible")
    lead_page.goto(f"{dashboard_url}/site_scorecard")
    lead_page.get_by_role("button", name="Sign in").wait_for(state="visible")
    assert "NWK1" not in visible_text(lead_page)


def test_the_audit_log_holds_each_sign_in_page_view_and_download(audit_dir: Path, warehouse: Path) -> None:
    events = audit.read(audit_dir)
    lead = [event for event in events if event["user"] == LEAD]
    kinds = {event["event"] for event in lead}
    assert {"sign_in", "page_view", "download", "sign_out"} <= kinds
    assert all(event["sites"] == ["NWK1"] and event["roles"] == ["site"] for event in lead)
    views = [event for event in lead if event["event"] == "page_view"]
    assert {"attention", "site_scorecard", "network_review"} <= {event["page"] for event in views}
    assert all({"regions", "waves", "sites", "from", "to"} <= set(event["detail"]) for event in views)
    downloads = {event["detail"]["file"] for event in lead if event["event"] == "download"}
    assert "exception_queue.csv" in downloads and any(name.endswith(".pdf") for name in downloads)
    assert any(event["event"] == "no_access" and event["user"] == STRANGER for event in events)
    assert not warehouse.is_relative_to(audit_dir)
