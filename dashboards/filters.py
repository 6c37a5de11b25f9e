"""Global filters (region, wave, site, date range) in the sidebar, kept in the URL's query parameters.

Each filter widget is bound to a query parameter (``bind="query-params"``, the widget key is the parameter
name), so the current view is a shareable link and the filters survive page switches. Values in a link that
are not options (an unknown site, ``'; drop table x; --``) are dropped by Streamlit before the app sees them.

Links written by hand may use these forms (they are rewritten to the widgets' own before the widgets read them):

- ``site=NWK1`` (a site id; repeat for several) as well as the shown ``site=Newark DC (NWK1)``; the same for the
  site scorecard's ``scorecard_site`` and the process variants' ``variants_site``;
- ``from=2026-03-01&to=2026-03-31`` (ISO dates; either alone runs from the first day of the data / to the day
  the data runs to) or ``from=2026-03&to=2026-04`` (whole months), as well as ``dates=2026-03-01&dates=2026-03-31``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
import streamlit as st

# Query parameter names (also the widget keys).
REGION = "region"
WAVE = "wave"
SITE = "site"
DATES = "dates"
LINK_FROM = "from"
LINK_TO = "to"
# Every site widget bound to the URL: the sidebar's, the site scorecard's (views/site_scorecard.py) and the
# variant explorer's (views/process_variants.py).
SITE_LINK_KEYS = (SITE, "scorecard_site", "variants_site")

DEFAULT_WINDOW_DAYS = 28
ACTIVE_KEY = "_active_filters"


@dataclass(frozen=True)
class Filters:
    regions: tuple[str, ...]
    waves: tuple[str, ...]
    sites: tuple[str, ...]
    start_date: dt.date
    end_date: dt.date
    site_ids: tuple[str, ...]  # the sites that pass region, wave and site together

    @property
    def period_label(self) -> str:
        return f"{self.start_date:%d %b %Y} – {self.end_date:%d %b %Y}"

    def describe(self) -> str:
        parts = [
            ", ".join(self.regions) if self.regions else "all regions",
            ", ".join(self.waves) if self.waves else "all waves",
            f"{len(self.site_ids)} site{'s' if len(self.site_ids) != 1 else ''}",
            self.period_label,
        ]
        return " · ".join(parts)


def matching_sites(sites: pd.DataFrame, regions: list[str], waves: list[str], chosen: list[str]) -> list[str]:
    selected = sites
    if regions:
        selected = selected[selected["region"].isin(regions)]
    if waves:
        selected = selected[selected["rollout_wave"].isin(waves)]
    if chosen:
        selected = selected[selected["site_id"].isin(chosen)]
    return selected["site_id"].tolist()


def default_period(first_date: dt.date, data_through_date: dt.date) -> tuple[dt.date, dt.date]:
    """The last four weeks of data."""
    return max(first_date, data_through_date - dt.timedelta(days=DEFAULT_WINDOW_DAYS - 1)), data_through_date


def site_label(site_id: str, names: dict[str, str]) -> str:
    """How a site option is shown, and kept in the URL by Streamlit: 'Newark DC (NWK1)'."""
    return f"{names.get(site_id, site_id)} ({site_id})"


def link_date(text: str, end: bool) -> dt.date | None:
    """A documented link date: YYYY-MM-DD, or YYYY-MM (its first day for ``from``, its last for ``to``)."""
    text = text.strip()
    try:
        if len(text) == 7:
            first = dt.date.fromisoformat(f"{text}-01")
            if not end:
                return first
            following = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
            return following - dt.timedelta(days=1)
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def normalise_link(names: dict[str, str], first_date: dt.date, last_date: dt.date, data_through_date: dt.date) -> None:
    """Rewrite hand-written link forms (site ids, from/to) into the widgets' own before the widgets read them;
    dates are clamped to the data's days. Reruns once when it rewrote something: a widget reads its
    parameter when it is first drawn, so the rewritten link must be in place before that run."""
    params = st.query_params
    rewritten = False
    for key in SITE_LINK_KEYS:
        given = params.get_all(key)
        shown = [site_label(value, names) if value in names else value for value in given]
        if shown != given:
            params[key] = shown
            rewritten = True
    if LINK_FROM in params or LINK_TO in params:
        rewritten = True
        start = link_date(params.get(LINK_FROM, ""), end=False) if params.get(LINK_FROM) else first_date
        end = link_date(params.get(LINK_TO, ""), end=True) if params.get(LINK_TO) else data_through_date
        for key in (LINK_FROM, LINK_TO):
            if key in params:
                del params[key]
        if start is not None and end is not None:
            start, end = (min(max(day, first_date), last_date) for day in sorted((start, end)))
            params[DATES] = [start.isoformat(), end.isoformat()]
    if rewritten:
        st.rerun()


def render_sidebar(sites: pd.DataFrame, first_date: dt.date, last_date: dt.date, data_through_date: dt.date) -> Filters:
    """Draw the filters and return (and remember for the page) the active selection."""
    names = dict(zip(sites["site_id"], sites["site_name"], strict=True))
    normalise_link(names, first_date, last_date, data_through_date)
    sidebar = st.sidebar
    sidebar.header("Filters")
    regions = sidebar.multiselect(
        "Region", sorted(sites["region"].dropna().unique()), key=REGION, bind="query-params", placeholder="All regions"
    )
    waves = sidebar.multiselect(
        "Rollout wave",
        sorted(sites["rollout_wave"].dropna().unique()),
        key=WAVE,
        bind="query-params",
        placeholder="All waves",
    )
    in_scope = sites[sites["site_id"].isin(matching_sites(sites, regions, waves, []))]
    chosen = sidebar.multiselect(
        "Site",
        in_scope["site_id"].tolist(),
        key=SITE,
        bind="query-params",
        format_func=lambda site_id: site_label(site_id, names),
        placeholder="All sites",
    )
    picked = sidebar.date_input(
        "Dates",
        value=default_period(first_date, data_through_date),
        min_value=first_date,
        max_value=last_date,
        key=DATES,
        bind="query-params",
        help="KPIs roll up over these days (site-local dates); changes compare with the days just before.",
    )
    start_date, end_date = _date_range(picked, first_date, data_through_date)
    filters = Filters(
        regions=tuple(regions),
        waves=tuple(waves),
        sites=tuple(chosen),
        start_date=start_date,
        end_date=end_date,
        site_ids=tuple(matching_sites(sites, regions, waves, chosen)),
    )
    st.session_state[ACTIVE_KEY] = filters
    return filters


def _date_range(picked: object, first_date: dt.date, data_through_date: dt.date) -> tuple[dt.date, dt.date]:
    """The picked range; while only a start is picked, run it to the day the data runs to."""
    if isinstance(picked, tuple | list):
        dates = [value for value in picked if value is not None]
    else:
        dates = [picked] if picked else []
    if not dates:
        return default_period(first_date, data_through_date)
    start_date = dates[0]
    end_date = dates[1] if len(dates) > 1 else max(start_date, data_through_date)
    return min(start_date, end_date), max(start_date, end_date)


def active() -> Filters:
    """The filters app.py drew for this run (pages run inside app.py's run)."""
    filters = st.session_state.get(ACTIVE_KEY)
    if filters is None:
        raise RuntimeError("pages run inside dashboards/app.py, which draws the filters first")
    return filters
