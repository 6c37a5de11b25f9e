"""Adoption Observatory scorecards: navigation and global filters; each page lives in views/.

Run with ``observatory dashboard`` (it sets OBSERVATORY_WAREHOUSE to the published file, which
dashboards/settings.py reads).
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from dashboards import filters
from dashboards.queries import connection, reference

PAGES_DIR = Path(__file__).resolve().parent / "views"
# Bundled: a Material icon as page_icon makes the browser fetch the favicon from fonts.gstatic.com.
ICON = Path(__file__).resolve().parent / "assets" / "icon.png"

# (file, title, icon): the order of the navigation menu. Attention comes first; the Network review stays the page
# the app opens on (its address is the bare URL, which shared links and the README use).
DEFAULT_PAGE = "network_review.py"
PAGES = (
    ("attention.py", "Attention", ":material/notification_important:"),
    ("network_review.py", "Network review", ":material/public:"),
    ("site_scorecard.py", "Site scorecard", ":material/warehouse:"),
    ("hypercare_tracker.py", "Hypercare tracker", ":material/monitor_heart:"),
    ("adoption.py", "Adoption", ":material/groups:"),
    ("process_variants.py", "Process variants", ":material/account_tree:"),
    ("finance_close.py", "Finance close", ":material/account_balance:"),
    ("data_quality.py", "Data quality", ":material/rule:"),
    ("kpi_dictionary.py", "KPI dictionary", ":material/menu_book:"),
)


def main() -> None:
    st.set_page_config(page_title="Adoption Observatory", page_icon=str(ICON), layout="wide")
    try:
        connection.check_warehouse()
    except connection.WarehouseUnavailable as problem:
        st.title("Adoption Observatory")
        st.warning(str(problem), icon=":material/database:")
        st.code("observatory run\nobservatory dashboard", language="bash")
        st.stop()

    navigation = st.navigation(
        [st.Page(PAGES_DIR / file, title=title, icon=icon, default=file == DEFAULT_PAGE) for file, title, icon in PAGES]
    )
    first_date, last_date, data_through_date = reference.kpi_date_range()
    filters.render_sidebar(reference.sites(), first_date, last_date, data_through_date)
    published = connection.publish_info()
    st.sidebar.caption(
        f"Data through {data_through_date:%d %b %Y}"
        + (f" · published {published['published_at_utc']:%d %b %Y %H:%M} UTC" if published else "")
    )
    navigation.run()


main()
