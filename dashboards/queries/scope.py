"""Row-level scope: which sites the viewer may see, applied in every query of the query layer, never in the widgets.

Every query filters its rows with one of the predicates below, and connection.query binds the viewer's allowed
sites to their ``$allowed_sites`` (a list of site ids; NULL for a viewer who may see every site). A query that
forgets the predicate is refused (ScopeMissing) for a viewer limited to some sites, instead of showing them another
site's rows; a query that reads no site rows at all (the KPI catalogue, the warehouse's table list) says so with
``exempt_from_scope=<why>``.

The predicates below are the scope's one definition:

- ``site_in_scope(column)``: a row of a site (site_id) the viewer may see;
- ``wave_in_scope(column)``: a row about a whole rollout wave (wave gates and summaries): shown only to a viewer who
  may see every site of that wave, since its figures and site lists cover them all;
- ``NETWORK_ONLY``: rows of the whole network that name no site (data-quality issues by file, freshness): only for
  a viewer who may see every site.

Who the viewer is: inside the dashboard, the viewer app.py resolved from the sign-in (dashboards/access.py) for this
session; a download made after the page run (a deferred download, served outside it) runs as the viewer of the
page that offered it (components.audited_download, through ``viewing_as``). Outside a served dashboard
(``observatory report``, the benchmark, tests), every site unless a caller sets a viewer with ``viewing_as``: those
are operator tools that read the warehouse file directly anyway.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

import streamlit as st
from streamlit.runtime import Runtime
from streamlit.runtime.scriptrunner import get_script_run_ctx

PARAMETER = "allowed_sites"
_ALLOWED = f"cast(${PARAMETER} as varchar[])"
NETWORK_ONLY = f"({_ALLOWED} is null)"
_SESSION_KEY = "_observatory_viewer"

T = TypeVar("T")


class ScopeMissing(RuntimeError):
    """A query that applies no scope predicate, run for a viewer limited to some sites."""


@dataclass(frozen=True)
class Viewer:
    """Who is looking, and what they may see."""

    identity: str  # the signed-in e-mail address, or a description of an unsigned viewer
    roles: tuple[str, ...]  # dashboard_access roles: network, site, wave, finance
    site_ids: tuple[str, ...] | None  # the sites they may see; None: every site
    is_signed_in: bool = False

    @property
    def allowed_sites(self) -> list[str] | None:
        return None if self.site_ids is None else list(self.site_ids)

    @property
    def has_access(self) -> bool:
        return bool(self.roles) and (self.site_ids is None or len(self.site_ids) > 0)


# No sign-in configured: everyone who can reach the (loopback) address sees everything, as before sign-in existed.
OPEN = Viewer("anyone who can reach this address (no sign-in configured)", ("network",), None)
# Operator tools outside a served dashboard (observatory report, the benchmark): they read the file itself.
OPERATOR = Viewer("operator (outside the served dashboard)", ("network",), None)
# Sign-in configured, but nobody resolved for this run: nothing.
NOBODY = Viewer("nobody (not signed in)", (), ())

_acting: contextvars.ContextVar[Viewer | None] = contextvars.ContextVar("observatory_viewer", default=None)


def site_in_scope(column: str) -> str:
    """A row of a site the viewer may see. ``column`` is a column expression written in the query modules."""
    return f"({_ALLOWED} is null or list_contains({_ALLOWED}, {column}))"


def wave_in_scope(column: str) -> str:
    """A row about a whole rollout wave: only for a viewer who may see every site of the wave. ``column`` must be
    qualified by its relation's alias (``gates.rollout_wave``): unqualified, it would name the sites' own column."""
    if "." not in column:
        raise ValueError(f"wave_in_scope needs a qualified column (alias.column), not {column!r}")
    return f"""({_ALLOWED} is null or not exists (
            select 1 from staging.stg_erp__sites as scope_sites
            where scope_sites.rollout_wave = {column} and not list_contains({_ALLOWED}, scope_sites.site_id)
        ))"""


@contextmanager
def viewing_as(viewer: Viewer) -> Iterator[Viewer]:
    """Run the queries inside as ``viewer`` (tests, deferred downloads)."""
    token = _acting.set(viewer)
    try:
        yield viewer
    finally:
        _acting.reset(token)


def as_viewer(viewer: Viewer, function: Callable[..., T], *arguments: Any) -> Callable[[], T]:
    """``function(*arguments)`` to be called later (a deferred download runs outside the page's script run)
    as ``viewer``."""

    def call() -> T:
        with viewing_as(viewer):
            return function(*arguments)

    return call


def remember(viewer: Viewer) -> None:
    """The viewer of this session's runs (app.py, on every run, before any page query)."""
    st.session_state[_SESSION_KEY] = viewer


def sign_in_configured() -> bool:
    """Whether the served dashboard has an identity provider: an ``[auth]`` section in its Streamlit secrets
    (README "Sign-in and who sees what")."""
    # st.secrets rather than streamlit.auth_util's copy of it: Streamlit's AppTest replaces st.secrets.
    return bool(st.secrets.load_if_toml_exists() and st.secrets.get("auth"))


def current() -> Viewer:
    """The viewer the queries run for now (see the module's docstring); fails closed inside a served dashboard."""
    acting = _acting.get()
    if acting is not None:
        return acting
    if get_script_run_ctx(suppress_warning=True) is not None:
        remembered = st.session_state.get(_SESSION_KEY)
        if isinstance(remembered, Viewer):
            return remembered
        return NOBODY if sign_in_configured() else OPEN
    if Runtime.exists():
        # A served dashboard's thread without a page run or an explicit viewer (a callback Streamlit runs on its
        # own): nobody, unless the dashboard runs open.
        return NOBODY if sign_in_configured() else OPEN
    return OPERATOR


def allowed_sites() -> list[str] | None:
    return current().allowed_sites
