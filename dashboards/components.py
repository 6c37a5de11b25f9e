"""Pieces every page uses: header, missing-mart notice, value formatting, CSV download."""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable, Iterable

import pandas as pd
import streamlit as st
from pandas.io.formats.style import Styler

from dashboards import audit, charts, filters
from dashboards.filters import Filters
from dashboards.queries import connection, privacy, scope

RAG_BADGE_COLOURS = {"green": "green", "amber": "orange", "red": "red"}
RAG_WORDS = {"green": "On track", "amber": "At risk", "red": "Off track"}
# A KPI that needs the new system (adoption) at a site not live yet has no status (marts' rag_status 'not_live').
NOT_LIVE = "not_live"
NOT_LIVE_WORDS = "Not live"
NO_TARGET_WORDS = "No target"
# Words shown in status columns and their colours (RAG, wave gates, readiness, recovery).
STATUS_COLOURS = {
    **{RAG_WORDS[status]: charts.RAG_COLOURS[status] for status in RAG_WORDS},
    **charts.GATE_COLOURS,
    "ready": charts.RAG_COLOURS["green"],
    "at risk": charts.RAG_COLOURS["amber"],
    "not ready": charts.RAG_COLOURS["red"],
    **charts.RECOVERY_COLOURS,
    "fresh": charts.RAG_COLOURS["green"],
    "stale": charts.RAG_COLOURS["amber"],
    "not published": charts.RAG_COLOURS["red"],
    NOT_LIVE_WORDS: charts.RAG_COLOURS["not live"],
}
# Readers see what a table holds, not the warehouse's relation names.
RELATION_WORDS = {
    "marts.kpi_daily": "the daily KPIs",
    "marts.kpi_definitions": "the KPI dictionary",
    "marts.site_scorecard": "the weekly site scorecard",
    "marts.wave_gates": "the wave gates",
    "marts.wave_gate_sites": "the wave gates by site",
    "marts.hypercare_daily": "the hypercare days",
    "marts.wave_summary": "the wave summary",
    "marts.site_readiness": "site readiness",
    "marts.close_period": "the close periods",
    "marts.close_late_tasks": "the late close tasks",
    "marts.data_quality": "the data-quality report",
    "marts.alerts": "the alerts",
    "marts.exception_queue": "the exception queue",
    "marts.orders_at_risk": "the orders at risk",
    "marts.kpi_anomalies": "the KPI anomalies",
    "staging.stg_reference__kpi_targets": "the KPI targets",
    "staging.stg_reference__benchmark_bands": "the published benchmarks",
    "marts.kpi_detail_order_lines": "the order lines behind the fill rates",
    "marts.kpi_detail_orders": "the orders behind the fill and on-time rates",
    "marts.kpi_detail_picks": "the picks behind pick accuracy",
    "marts.kpi_detail_cases": "the cases behind process compliance",
    "marts.kpi_detail_exceptions": "the exceptions behind the backlogs",
    "marts.exception_backlog_breakdown": "the open exceptions by type and age",
    "marts.provisioned_users_by_role": "the provisioned users by role",
    "marts.helpdesk_tickets_by_category": "the help-desk tickets by category",
    "marts.helpdesk_themes_weekly": "the weekly help-desk themes",
    "marts.adoption_by_transaction": "the adoption by transaction",
    "marts.adoption_by_role": "the adoption by role",
    "marts.adoption_cohorts": "the weeks since go-live by site",
    "marts.adoption_depth": "the adoption depth scores",
    "marts.measure_definitions": "the project measures' definitions",
    "marts.process_variants": "the process variants",
    "marts.process_directly_follows": "the directly-follows graph",
    "marts.governed_compliance_daily": "governed process compliance",
    "marts.approved_variation_usage": "the approved variations",
}


def header(title: str, question: str, filters: Filters | None = None, scope: str | None = None) -> None:
    """Page title, the question it answers, and which filters apply."""
    st.title(title)
    st.caption(question)
    if filters is not None:
        st.caption(f"**Filters:** {filters.describe()}" + (f" — {scope}" if scope else ""))


def require(relations: Iterable[str], what: str) -> bool:
    """False (and a notice naming the missing marts) when the warehouse lacks a relation this section reads."""
    absent = connection.missing(relations)
    if absent:
        st.info(
            f"{what} needs {', '.join(relation_words(relation) for relation in absent)}, which this warehouse does "
            "not have yet. Re-publish it with `observatory run` once the model exists."
        )
    return not absent


def relation_words(relation: str) -> str:
    """What a warehouse relation holds, in words (never its schema.table name)."""
    return RELATION_WORDS.get(relation, relation.rpartition(".")[2].removeprefix("stg_erp__").replace("_", " "))


def no_sites(filters: Filters) -> bool:
    if filters.site_ids:
        return False
    st.info("No site matches the filters. Clear a filter in the sidebar.")
    return True


def format_value(value: object, unit: str | None, suppressed: bool = False) -> str:
    """A KPI value in its unit: ratios as percentages, hours with 'h', counts as numbers."""
    if suppressed:
        return privacy.SUPPRESSED_LABEL
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return "–"
    number = float(value)
    if unit == "ratio":
        # Two decimals just below 100%, where targets such as 99.7% pick accuracy sit.
        return f"{number:.2%}" if 0.995 <= number < 1 else f"{number:.1%}"
    if unit == "hours":
        return f"{number:,.1f} h"
    if unit == "days":
        return f"{number:,.0f} days"
    if number == int(number):
        return f"{int(number):,}"
    return f"{number:,.1f}"


def format_change(change: object, unit: str | None) -> str | None:
    """A change in the KPI's unit (percentage points for ratios); None when there is nothing to compare."""
    if change is None or (isinstance(change, float) and math.isnan(change)) or change is pd.NA:
        return None
    number = float(change)
    if unit == "ratio":
        return f"{number * 100:+.1f} pp"
    if unit == "hours":
        return f"{number:+,.1f} h"
    return f"{number:+,.1f}" if number != int(number) else f"{int(number):+,}"


AUDIT_PAGE_KEY = "_audit_page"


def _made_and_recorded(viewer: scope.Viewer, page: str | None, detail: dict, make: Callable[[], bytes]) -> bytes:
    audit.record("download", viewer, page, detail)
    with scope.viewing_as(viewer):
        return make()


def audited_download(data: bytes | Callable[[], bytes], file_name: str) -> bytes | Callable[[], bytes]:
    """A download button's data. With sign-in configured: made when clicked (a deferred download), as the viewer of
    this page run (the click is served outside it) and recorded in the audit log with the page and its filters.
    Open: as given."""
    if not scope.sign_in_configured():
        return data
    viewer = scope.current()
    page = st.session_state.get(AUDIT_PAGE_KEY)
    current = st.session_state.get(filters.ACTIVE_KEY)
    detail = {"file": file_name, "filters": current.describe() if current else None}
    make = data if callable(data) else functools.partial(bytes, data)
    return functools.partial(_made_and_recorded, viewer, page, detail, make)


def csv_download(frame: pd.DataFrame, name: str, label: str = "Download CSV", key: str | None = None) -> None:
    """Offer exactly the rows and columns shown as a CSV file (no rerun on click)."""
    slug = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")
    st.download_button(
        label,
        audited_download(frame.to_csv(index=False).encode("utf-8"), f"{slug}.csv"),
        file_name=f"{slug}.csv",
        mime="text/csv",
        key=key or f"download_{slug}",
        on_click="ignore",
        icon=":material/download:",
    )


def status_words(status: object) -> str:
    """The words a page shows for a status of the marts' rule (macros/kpi/rag_status.sql)."""
    if status == NOT_LIVE:
        return NOT_LIVE_WORDS
    return RAG_WORDS.get(status, NO_TARGET_WORDS) if isinstance(status, str) else NO_TARGET_WORDS


def rag_badge(status: object) -> None:
    if isinstance(status, str) and status in RAG_BADGE_COLOURS:
        st.badge(RAG_WORDS[status], color=RAG_BADGE_COLOURS[status])  # type: ignore[arg-type]
    else:
        st.badge(status_words(status), color="gray")


def band_text(direction: object, target: object, red_threshold: object, unit: str | None) -> str:
    """The status bands of a KPI in words: 'target ≥ 85.0% · amber 80.0–85.0% · red < 80.0%' (the rule of
    macros/kpi/rag_status.sql: on track at or better than target, at risk up to the red threshold)."""
    if _missing(target) or _missing(red_threshold) or direction not in ("higher", "lower"):
        return "no target"
    goal, red = format_value(target, unit), format_value(red_threshold, unit)
    if direction == "higher":
        return f"target ≥ {goal} · amber {red}–{goal} · red < {red}"
    return f"target ≤ {goal} · amber {goal}–{red} · red > {red}"


# A published band's words and its comparison, by the KPI's direction (seeds/reference/benchmark_bands.csv).
BENCHMARK_WORDS = {
    "best_in_class": ("best in class", {"higher": ">", "lower": "<"}),
    "top_quartile": ("top quartile", {"higher": "≥", "lower": "≤"}),
    "median": ("median", {"higher": "", "lower": ""}),
    "bottom_quartile": ("bottom quartile", {"higher": "≤", "lower": "≥"}),
}


def benchmark_text(bands: pd.DataFrame, kpi: str, direction: object, unit: str | None) -> str:
    """The published benchmark bands of a KPI in words, e.g. 'best in class > 99.90% (WERC DC Measures 2020)';
    '' when none is public. ``bands``: stg_reference__benchmark_bands' rows (kpi, band, value, source, year)."""
    rows = bands[(bands["kpi"] == kpi) & bands["value"].notna()]
    rows = rows.assign(order=rows["band"].map({band: index for index, band in enumerate(BENCHMARK_WORDS)}))
    by_publication: dict[str, list[str]] = {}
    for band, value, source, year in rows.sort_values("order")[["band", "value", "source", "year"]].itertuples(
        index=False
    ):
        words, comparisons = BENCHMARK_WORDS.get(band, (band.replace("_", " "), {}))
        comparison = comparisons.get(str(direction), "")
        figure = f"{float(value):.2%}" if unit == "ratio" else f"{float(value):g}" + (" days" if unit == "days" else "")
        publication = str(source).split(",")[0].split(":")[0].removesuffix(f" {year}") + f" {year}"
        by_publication.setdefault(publication, []).append(
            " ".join(part for part in (words, comparison, figure) if part)
        )
    return " · ".join(f"{', '.join(parts)} ({publication})" for publication, parts in by_publication.items())


def _missing(value: object) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def blanks_as_dashes(frame: pd.DataFrame) -> pd.DataFrame:
    """Text columns with '–' where a value is missing (a table would print a literal 'None')."""
    frame = frame.copy()
    for column in frame.columns:
        if frame[column].dtype == object:
            frame[column] = frame[column].map(lambda value: "–" if _missing(value) else value)
    return frame


def axis_format(unit: str | None) -> str:
    """d3 format for a chart axis in the KPI's unit."""
    return ".0%" if unit == "ratio" else ",.1f"


def hide_suppressed(frame: pd.DataFrame, value_columns: Iterable[str]) -> pd.DataFrame:
    """Blank every figure of a suppressed row (value, numerator, denominator...) so no download carries it."""
    hidden = frame["is_suppressed"].astype("boolean").fillna(False).astype(bool)
    frame = frame.assign(is_suppressed=hidden)
    for column in value_columns:
        frame[column] = frame[column].astype("float64").mask(hidden)
    return frame


def style_status(frame: pd.DataFrame, column: str) -> Styler:
    """Colour a column of status words (On track / At risk / Off track / Not live) or gate and readiness words."""

    def colour(word: object) -> str:
        background = STATUS_COLOURS.get(str(word))
        if background is None:
            return ""
        text = "black" if background in (charts.RAG_COLOURS["amber"], charts.RAG_COLOURS["not live"]) else "white"
        return f"background-color: {background}; color: {text}"

    return frame.style.map(colour, subset=[column])


def kpi_tiles(catalogue: pd.DataFrame, now: pd.DataFrame, before: pd.DataFrame) -> pd.DataFrame:
    """One row per KPI: the period's roll-up (now), its status, and the change against the previous period's
    roll-up (before), with suppressed groups hidden. The Network review's tiles and the review report use it."""
    tiles = catalogue.merge(
        now[["kpi", "numerator", "denominator", "value", "rag_status", "is_suppressed"]], on="kpi", how="inner"
    ).merge(
        before[["kpi", "value", "is_suppressed"]].rename(
            columns={"value": "previous_value", "is_suppressed": "previous_suppressed"}
        ),
        on="kpi",
        how="left",
    )
    tiles["change"] = (tiles["value"] - tiles["previous_value"]).where(
        ~tiles["previous_suppressed"].astype("boolean").fillna(False).astype(bool)
    )
    return hide_suppressed(tiles.sort_values("display_order"), ["value", "numerator", "denominator", "change"])
