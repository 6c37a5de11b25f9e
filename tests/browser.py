"""Serve the dashboard as `observatory dashboard` does and drive it with Debian's Chromium (Playwright).

Used by tests/test_dashboard_browser.py; also refreshes the README screenshots (network_review.png,
attention.png, hypercare_tracker.png, adoption.png, drill_down.png):

    .venv/bin/python tests/browser.py --warehouse data/warehouse.duckdb --out docs
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playwright.sync_api import Page

PROJECT_ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WIDTH = 1280

# (url path, title in the navigation, text the page must show)
PAGES = (
    ("", "Network review", "Sites × KPIs"),
    ("attention", "Attention", "Exception queue"),
    ("site_scorecard", "Site scorecard", "Every KPI"),
    ("hypercare_tracker", "Hypercare tracker", "Recovery curves"),
    ("adoption", "Adoption", "Readiness of sites not yet live"),
    ("process_variants", "Process variants", "Directly-follows graph"),
    ("finance_close", "Finance close", "Before and after go-live"),
    ("data_quality", "Data quality", "Freshness"),
    ("kpi_dictionary", "KPI dictionary", "What exactly does each KPI count"),
)

# The drill-down link the README shows (docs/drill_down.png).
DRILL_DOWN_EXAMPLE = "site_scorecard?scorecard_site=NWK1&scorecard_kpi=pick_accuracy&from=2026-04-07&to=2026-05-04"

# The variant explorer the README shows (docs/process_variants.png): HAM1's approved customs step.
VARIANTS_EXAMPLE = "process_variants?variants_site=HAM1&from=2026-04-01&to=2026-05-04"

ERROR_SELECTORS = ('[data-testid="stException"]', '[data-testid="stAlertContentError"]')


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def served_dashboard(
    warehouse: Path,
    timeout: float = 60,
    port: int | None = None,
    extra_args: Sequence[str] = (),
    environment: Mapping[str, str] | None = None,
) -> Iterator[str]:
    """`observatory dashboard --warehouse W --host 127.0.0.1 --port P [extra_args]`; yields the base URL."""
    port = port or free_port()
    command = [
        sys.executable, "-m", "orchestration.cli", "dashboard",
        "--warehouse", str(warehouse), "--host", "127.0.0.1", "--port", str(port), *extra_args,
    ]  # fmt: skip
    # Its own process group, so stopping it also stops the streamlit process the command starts.
    server = subprocess.Popen(
        command,
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        env={**os.environ, **(environment or {}), "PYTHONUNBUFFERED": "1"},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if server.poll() is not None:
                output = server.stdout.read().decode() if server.stdout else ""
                raise RuntimeError(f"dashboard exited with {server.returncode}:\n{output}")
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                    if response.read() == b"ok":
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"dashboard not healthy on {url} after {timeout:.0f}s")
            time.sleep(0.3)
        yield url
    finally:
        stop_process_group(server)


def stop_process_group(server: subprocess.Popen) -> None:
    """SIGTERM the command's process group (the CLI and the streamlit it started), SIGKILL what outlives 10 s."""
    os.killpg(server.pid, signal.SIGTERM)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        server.poll()  # reap the CLI so the group empties
        try:
            os.killpg(server.pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.2)
    os.killpg(server.pid, signal.SIGKILL)
    server.wait()


@contextmanager
def chromium_page() -> Iterator[Page]:
    """A Playwright page in Debian's Chromium, 1280 px wide."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": WIDTH, "height": 900})
            page.set_default_timeout(30_000)
            yield page
        finally:
            browser.close()


def wait_until_rendered(page: Page, text: str) -> None:
    """Wait for the page's key text, the end of the script run and every chart drawn."""
    page.get_by_text(text, exact=False).first.wait_for(state="visible")
    page.wait_for_function(
        """() => {
            const status = document.querySelector('[data-testid="stStatusWidget"]');
            const running = status && /running/i.test(status.innerText);
            const charts = [...document.querySelectorAll('[data-testid="stVegaLiteChart"]')];
            const graphs = [...document.querySelectorAll('[data-testid="stGraphVizChart"]')];
            const drawn = charts.every(chart => chart.querySelector('canvas, svg'))
                && graphs.every(graph => graph.querySelector('svg g.node'));
            return !running && drawn;
        }"""
    )
    page.wait_for_timeout(500)


def error_texts(page: Page) -> list[str]:
    return [element.inner_text() for selector in ERROR_SELECTORS for element in page.query_selector_all(selector)]


def fit_viewport_to_page(page: Page) -> None:
    """Grow the viewport to the app's scroll height (the app scrolls inside its own container, so a full-page
    screenshot alone would stop at the first screen)."""
    height = 900
    for _ in range(5):
        needed = page.evaluate("() => Math.max(...[...document.querySelectorAll('*')].map(node => node.scrollHeight))")
        if needed <= height:
            break
        height = min(int(needed) + 40, 8000)
        page.set_viewport_size({"width": WIDTH, "height": height})
        page.wait_for_timeout(700)


def screenshot(page: Page, path: Path) -> None:
    """The whole page at 1280 px."""
    fit_viewport_to_page(page)
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size({"width": WIDTH, "height": 900})


def section_screenshot(page: Page, path: Path, first_text: str, last_text: str) -> None:
    """The main column of the page from the element showing first_text to the last one showing last_text."""
    fit_viewport_to_page(page)
    column = page.get_by_test_id("stMainBlockContainer").bounding_box()
    first = page.get_by_text(first_text, exact=False).first.bounding_box()
    last = page.get_by_text(last_text, exact=False).last.bounding_box()
    if column is None or first is None or last is None:
        raise RuntimeError(f"cannot find {first_text!r} to {last_text!r} on {page.url}")
    top = max(0.0, first["y"] - 12)
    bottom = last["y"] + last["height"] + 24
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), clip={"x": column["x"], "y": top, "width": column["width"], "height": bottom - top})
    page.set_viewport_size({"width": WIDTH, "height": 900})


def render_times(warehouse: Path) -> dict[str, float]:
    """Seconds from navigation to a fully drawn page, per page (the benchmark's browser figures)."""
    times = {}
    with served_dashboard(warehouse.resolve()) as url, chromium_page() as page:
        page.goto(url)
        wait_until_rendered(page, PAGES[0][2])
        for path, title, text in PAGES:
            started = time.perf_counter()
            page.goto(f"{url}/{path}")
            wait_until_rendered(page, text)
            times[title] = time.perf_counter() - started - 0.5  # less the settle pause of wait_until_rendered
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description="Save the README screenshots from a served dashboard.")
    parser.add_argument("--warehouse", type=Path, required=True)
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "docs")
    parser.add_argument(
        "--only",
        choices=["process_variants"],
        help="only this screenshot (process_variants.png: the variant explorer of HAM1, from a warehouse of the "
        "generator's process variations, see docs/generator.md)",
    )
    args = parser.parse_args()
    wanted = {
        "": "network_review",
        "attention": "attention",
        "hypercare_tracker": "hypercare_tracker",
        "adoption": "adoption",
    }
    with served_dashboard(args.warehouse.resolve()) as url, chromium_page() as page:
        if args.only == "process_variants":
            page.goto(f"{url}/{VARIANTS_EXAMPLE}")
            wait_until_rendered(page, "Directly-follows graph")
            screenshot(page, args.out / "process_variants.png")
            print(f"wrote {args.out / 'process_variants.png'}")
            return 0
        for path, _title, text in PAGES:
            if path in wanted:
                page.goto(f"{url}/{path}")
                wait_until_rendered(page, text)
                screenshot(page, args.out / f"{wanted[path]}.png")
                print(f"wrote {args.out / (wanted[path] + '.png')}")
        # The README's example of a drill-down link: the Site scorecard from the site's line to the rows.
        page.goto(f"{url}/{DRILL_DOWN_EXAMPLE}")
        wait_until_rendered(page, "Behind the number")
        section_screenshot(page, args.out / "drill_down.png", "live since", "Download these")
        print(f"wrote {args.out / 'drill_down.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
