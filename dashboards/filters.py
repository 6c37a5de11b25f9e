"""Global filters (region, wave, site, date range) in the sidebar, kept in the URL's query parameters.

Each filter widget is bound to a query parameter (``bind="query-params"``, the widget key is the parameter
name), so the current view is a shareable link and the filters survive page switches. Values in a link that
are not options (an unknown site, ``'; drop table x; --``) are dropped by Streamlit before the app sees them.
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

DEFAULT_WINDOW_DAYS = 28
_ACTIVE_KEY = "_active_filters"


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


def render_sidebar(sites: pd.DataFrame, first_date: dt.date, last_date: dt.date, data_through_date: dt.date) -> Filters:
    """Draw the filters and return (and remember for the page) the active selection."""
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
    names = dict(zip(sites["site_id"], sites["site_name"], strict=True))
    chosen = sidebar.multiselect(
        "Site",
        in_scope["site_id"].tolist(),
        key=SITE,
        bind="query-params",
        format_func=lambda site_id: f"{names.get(site_id, site_id)} ({site_id})",
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
    st.session_state[_ACTIVE_KEY] = filters
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
    filters = st.session_state.get(_ACTIVE_KEY)
    if filters is None:
        raise RuntimeError("pages run inside dashboards/app.py, which draws the filters first")
    return filters
