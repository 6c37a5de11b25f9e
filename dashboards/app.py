"""Adoption Observatory scorecards: sign-in, navigation and global filters; each page lives in views/.

Run with ``observatory dashboard`` (it sets OBSERVATORY_WAREHOUSE to the published file, which
dashboards/settings.py reads, and passes the secrets file that may configure sign-in).

With an identity provider configured (Streamlit's ``[auth]`` secrets), a visitor signs in first; the account's
dashboard_access rows decide the pages and the sites (dashboards/access.py), the query layer applies the sites
(dashboards/queries/scope.py) and every sign-in, page view and download is appended to the audit log
(dashboards/audit.py). Without one the dashboard is open, as `observatory dashboard` serves it on loopback, and
says so on every page.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from dashboards import access, audit, components, filters
from dashboards.queries import connection, reference, scope

PAGES_DIR = Path(__file__).resolve().parent / "views"
# Bundled: a Material icon as page_icon makes the browser fetch the favicon from fonts.gstatic.com.
ICON = Path(__file__).resolve().parent / "assets" / "icon.png"

_LAST_VIEW_KEY = "_audited_view"
_SIGNED_IN_KEY = "_audited_sign_in"


def sign_in_page() -> None:
    st.title("Adoption Observatory")
    st.write("Sign in with your organisation's account to see the scorecards of your sites.")
    st.button("Sign in", icon=":material/login:", type="primary", on_click=st.login)
    st.stop()


def sign_out(viewer: scope.Viewer) -> None:
    audit.record("sign_out", viewer)
    st.logout()


def no_access_page(viewer: scope.Viewer) -> None:
    """An account dashboard_access gives no site: this page and nothing else."""
    audit.record("no_access", viewer)
    st.title("No access")
    st.write(
        f"You are signed in as **{viewer.identity}**, but this dashboard gives that account no sites. "
        "Ask the dashboard's administrator to add it (or one of its groups) to the dashboard_access table."
    )
    st.button("Sign out", icon=":material/logout:", on_click=sign_out, args=(viewer,))
    st.stop()


def resolve_viewer(is_sign_in_configured: bool) -> scope.Viewer:
    if not is_sign_in_configured:
        return scope.OPEN
    viewer = access.signed_in_viewer(st.user.to_dict())
    # Once per sign-in (its ID token's issue time), not per browser tab.
    signed_in = (viewer.identity, st.user.get("iat"))
    if st.session_state.get(_SIGNED_IN_KEY) != signed_in:
        st.session_state[_SIGNED_IN_KEY] = signed_in
        audit.record("sign_in", viewer, detail={"issued_at": signed_in[1]})
    return viewer


def viewer_caption(viewer: scope.Viewer, is_sign_in_configured: bool) -> None:
    """Who is looking, on every page: the signed-in account and its sites, or that the dashboard is open."""
    if not is_sign_in_configured:
        address = st.get_option("server.address") or "127.0.0.1"
        st.sidebar.caption(
            f":material/lock_open: Open dashboard: no sign-in configured, so anyone who can reach {address} sees "
            "every site (README: Sign-in and who sees what)."
        )
        return
    sites = "every site" if viewer.site_ids is None else ", ".join(viewer.site_ids)
    st.sidebar.caption(f":material/account_circle: {viewer.identity} · {', '.join(viewer.roles)} · {sites}")
    st.sidebar.button("Sign out", icon=":material/logout:", on_click=sign_out, args=(viewer,))


def audit_page_view(viewer: scope.Viewer, page: str, current: filters.Filters) -> None:
    """A page view: when the page or its filters change (not on every rerun of the same view)."""
    view = {
        "regions": list(current.regions),
        "waves": list(current.waves),
        "sites": list(current.sites),
        "from": current.start_date.isoformat(),
        "to": current.end_date.isoformat(),
    }
    if st.session_state.get(_LAST_VIEW_KEY) != (page, view):
        st.session_state[_LAST_VIEW_KEY] = (page, view)
        audit.record("page_view", viewer, page, view)


def main() -> None:
    st.set_page_config(page_title="Adoption Observatory", page_icon=str(ICON), layout="wide")
    is_sign_in_configured = scope.sign_in_configured()
    if is_sign_in_configured and not st.user.get("is_logged_in"):
        scope.remember(scope.NOBODY)
        sign_in_page()
    try:
        connection.check_warehouse()
    except connection.WarehouseUnavailable as problem:
        st.title("Adoption Observatory")
        st.warning(str(problem), icon=":material/database:")
        st.code("observatory run\nobservatory dashboard", language="bash")
        st.stop()

    viewer = resolve_viewer(is_sign_in_configured)
    scope.remember(viewer)
    if not viewer.has_access:
        no_access_page(viewer)
    allowed = access.pages_for(viewer)
    default = access.DEFAULT_PAGE if access.DEFAULT_PAGE in allowed else allowed[0]
    navigation = st.navigation(
        [
            st.Page(PAGES_DIR / file, title=title, icon=icon, default=file == default)
            for file, title, icon in access.PAGES
            if file in allowed
        ]
    )
    first_date, last_date, data_through_date = reference.kpi_date_range()
    current = filters.render_sidebar(reference.sites(), first_date, last_date, data_through_date)
    published = connection.publish_info()
    st.sidebar.caption(
        f"Data through {data_through_date:%d %b %Y}"
        + (f" · published {published['published_at_utc']:%d %b %Y %H:%M} UTC" if published else "")
    )
    viewer_caption(viewer, is_sign_in_configured)
    if is_sign_in_configured:
        page = navigation.url_path or default.removesuffix(".py")
        st.session_state[components.AUDIT_PAGE_KEY] = page
        audit_page_view(viewer, page, current)
    navigation.run()


main()
