"""Who sees what: the signed-in user (Streamlit's OpenID Connect sign-in, ``st.user``) matched against the reference
table dashboard_access (staging.stg_reference__dashboard_access), which gives roles and the sites they may see.

- A row's ``principal`` is an e-mail address (compared without case) or ``group:NAME``, matching a user whose
  groups claim (OBSERVATORY_GROUPS_CLAIM, default ``groups``) holds NAME.
- ``role`` ``network``: every site; ``site`` and ``finance``: the site id in ``scope``; ``wave``: every site of the
  rollout wave in ``scope``; ``scope`` ``*``: every site. A user with several rows sees the union.
- Pages: ``network``, ``site`` and ``wave`` every page, ``finance`` the Finance close and the KPI dictionary; Data
  quality (the whole delivery's files) only for a viewer who may see every site.
- A signed-in user with no row (or whose rows name no site of the warehouse) has no access: app.py shows a "no
  access" page and nothing else. So does an identity provider's account without a verified e-mail address.

The rows are read from the published warehouse; the scope itself is applied by the query layer
(dashboards/queries/scope.py). With no provider configured the dashboard is open (scope.OPEN).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from dashboards import settings
from dashboards.queries import connection
from dashboards.queries.scope import Viewer

ACCESS_RELATION = "staging.stg_reference__dashboard_access"
ROLES = ("network", "site", "wave", "finance")
EVERY_SITE = "*"

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
ALL_PAGES = tuple(file for file, _, _ in PAGES)
# Pages a role opens; Data quality (the whole delivery's files) only for a viewer of every site.
NETWORK_PAGES = ("data_quality.py",)
ROLE_PAGES = {
    "network": ALL_PAGES,
    "site": ALL_PAGES,
    "wave": ALL_PAGES,
    "finance": ("finance_close.py", "kpi_dictionary.py"),
}


def access_rows() -> pd.DataFrame:
    """Every dashboard_access row (principal lower-cased); none when the warehouse predates the table."""
    if connection.missing([ACCESS_RELATION]):
        return pd.DataFrame(columns=["principal", "role", "scope"])
    return connection.query(
        f"select lower(trim(principal)) as principal, role, trim(scope) as scope from {ACCESS_RELATION}",
        exempt_from_scope="who may see what: read to decide the viewer's scope",
    )


def all_sites() -> pd.DataFrame:
    return connection.query(
        "select site_id, rollout_wave from staging.stg_erp__sites",
        exempt_from_scope="the sites the access rows resolve against (site ids and waves only)",
    )


def principals(email: str | None, groups: Iterable[str]) -> set[str]:
    """The principals a user matches: their e-mail address and group:NAME for each of their groups."""
    names = {f"group:{group}".lower() for group in groups if group}
    if email:
        names.add(email.strip().lower())
    return names


def viewer_for(email: str | None, groups: Iterable[str], rows: pd.DataFrame, sites: pd.DataFrame) -> Viewer:
    """The viewer the access rows make of a user (pure: unit-tested in tests/test_access_scope.py)."""
    mine = rows[rows["principal"].isin(principals(email, groups))]
    every_site = sorted(sites["site_id"])
    allowed: set[str] = set()
    is_everywhere = False
    roles: list[str] = []
    for role, scope in zip(mine["role"], mine["scope"], strict=True):
        if role not in ROLES:
            continue
        roles.append(role)
        if role == "network" or scope == EVERY_SITE:
            is_everywhere = True
        elif role == "wave":
            allowed.update(sites.loc[sites["rollout_wave"] == scope, "site_id"])
        elif scope in every_site:
            allowed.add(scope)
    identity = email or "(no e-mail address)"
    site_ids = None if is_everywhere else tuple(sorted(allowed))
    return Viewer(identity, tuple(sorted(set(roles))), site_ids, is_signed_in=True)


def claims_of(user: Mapping[str, Any]) -> tuple[str | None, list[str]]:
    """E-mail address and groups from the ID token's claims (``st.user``). Entra ID may send the address as
    preferred_username; an address the provider says is not verified is not used."""
    if user.get("email_verified") is False:
        return None, []
    email = user.get("email") or user.get("preferred_username")
    groups = user.get(settings.groups_claim()) or []
    if isinstance(groups, str):
        groups = [groups]
    return (str(email) if email else None), [str(group) for group in groups]


def signed_in_viewer(user: Mapping[str, Any]) -> Viewer:
    email, groups = claims_of(user)
    if email is None and not groups:
        return Viewer("(no verified e-mail address)", (), (), is_signed_in=True)
    return viewer_for(email, groups, access_rows(), all_sites())


def pages_for(viewer: Viewer) -> tuple[str, ...]:
    """The page files the viewer may open, in the navigation's order."""
    allowed = {page for role in viewer.roles for page in ROLE_PAGES.get(role, ())}
    if viewer.site_ids is not None:
        allowed -= set(NETWORK_PAGES)
    return tuple(page for page in ALL_PAGES if page in allowed)
