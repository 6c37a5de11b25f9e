"""The weekly review as a one- or two-page PDF (or the first page as a PNG), rendered offline.

Page 1: the KPI tiles (value, status, change against the week before, target and bands) and the site × KPI heat
map of one ISO week; page 2 with a site: that site's last 12 weeks, every KPI's status by week and its trend
against target. Figures come from the same query functions the pages use (dashboards/queries/), so the PDF shows
what the dashboard shows; charts are Altair specs rendered to PNG by vl-convert (Vega bundled, no browser, no
external data allowed), the document is laid out by fpdf2 in its core Helvetica font (no font file, nothing
fetched). Helvetica covers Latin-1 only: '≥', '≤' and dashes are written as '>=', '<=' and '-' in the PDF.

Used by `observatory report` (orchestration/cli.py imports this module lazily) and by the download buttons on the
Network review and Site scorecard pages.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass
from pathlib import Path

import altair as alt
import pandas as pd
import streamlit as st
import vl_convert
from fpdf import FPDF

from dashboards import charts, components
from dashboards.queries import connection, network, reference, rollup, site

TREND_WEEKS = 12
TILE_COLUMNS = 4
TILE_WIDTH = 280  # px of the tiles chart per tile
TILE_HEIGHT = 92
IMAGE_SCALE = 2  # PNG pixels per chart pixel: sharp when printed
PAGE_MARGIN = 10  # mm
OUTPUT_SUFFIXES = {".pdf", ".png"}
ISO_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")
# Helvetica (an fpdf2 core font) is Latin-1: the few other characters our labels use, in Latin-1.
LATIN_1 = str.maketrans({"≥": ">=", "≤": "<=", "–": "-", "—": "-", "…": "...", "÷": "/", "×": "x"})


class ReportError(ValueError):
    """A report that cannot be made as asked (unknown site, week outside the data): one line for the user."""


@dataclass(frozen=True)
class ReviewScope:
    """What one report covers: an ISO week, the sites, and optionally the one site it is about."""

    week_start_date: dt.date
    site_ids: tuple[str, ...]
    site_id: str | None = None

    @property
    def week_end_date(self) -> dt.date:
        return self.week_start_date + dt.timedelta(days=6)

    @property
    def iso_week(self) -> str:
        year, week, _ = self.week_start_date.isocalendar()
        return f"{year}-W{week:02d}"

    @property
    def tile_sites(self) -> list[str]:
        return [self.site_id] if self.site_id else list(self.site_ids)


@dataclass(frozen=True)
class Chart:
    """A chart rendered to PNG, with its size in chart pixels (before IMAGE_SCALE)."""

    png: bytes
    width: float
    height: float


def parse_week(text: str) -> dt.date:
    """The Monday of an ISO week written YYYY-Www (2026-W14)."""
    match = ISO_WEEK.match(text.strip())
    try:
        if match is None:
            raise ValueError(text)
        return dt.date.fromisocalendar(int(match[1]), int(match[2]), 1)
    except ValueError:
        raise ReportError(f"--week {text!r} is not an ISO week: write it YYYY-Www, e.g. 2026-W14") from None


def resolve_scope(site_id: str | None = None, week: str | None = None) -> ReviewScope:
    """The scope of `observatory report`: every site, the given week or the latest full week in the warehouse."""
    site_ids = tuple(reference.sites()["site_id"])
    if site_id is not None and site_id not in site_ids:
        raise ReportError(f"unknown site {site_id!r}; sites in this warehouse: {', '.join(site_ids)}")
    first_date, _last_date, data_through_date = reference.kpi_date_range()
    if week is None:
        week_start = network.scorecard_week(list(site_ids), data_through_date)
        if week_start is None:
            raise ReportError("the warehouse has no weekly scorecard yet")
    else:
        week_start = parse_week(week)
        if week_start + dt.timedelta(days=6) < first_date or week_start > data_through_date:
            raise ReportError(
                f"week {week} has no data; the warehouse runs from {first_date:%G-W%V} to {data_through_date:%G-W%V}"
            )
    return ReviewScope(week_start, site_ids, site_id)


# --- frames, from the pages' own queries -------------------------------------------------------------------


def tiles_frame(scope: ReviewScope, catalogue: pd.DataFrame) -> pd.DataFrame:
    """One row per KPI over the week: value, status and change against the week before (as the Network review)."""
    sites = scope.tile_sites
    now = rollup.kpi_rollup(sites, scope.week_start_date, scope.week_end_date)
    before = rollup.kpi_rollup(sites, *rollup.previous_period(scope.week_start_date, scope.week_end_date))
    tiles = components.kpi_tiles(catalogue, now, before)
    return tiles.assign(
        label=[
            components.format_value(value, unit, suppressed)
            for value, unit, suppressed in zip(tiles["value"], tiles["unit"], tiles["is_suppressed"], strict=True)
        ],
        status=_status_keys(tiles),
        status_words=[
            "–" if suppressed else components.status_words(status)
            for status, suppressed in zip(tiles["rag_status"], tiles["is_suppressed"], strict=True)
        ],
        change_text=[
            "" if suppressed else (components.format_change(change, unit) or "")
            for change, unit, suppressed in zip(tiles["change"], tiles["unit"], tiles["is_suppressed"], strict=True)
        ],
        # Counts (backlogs) of several sites roll up as a mean per site (denominator 1 per site-day), as on the page
        bands=[
            ("per site · " if unit == "count" and len(sites) > 1 else "") + band
            for unit, band in zip(tiles["unit"], _bands(tiles), strict=True)
        ],
    )


def heatmap_frame(scope: ReviewScope, catalogue: pd.DataFrame, names: dict[str, str]) -> pd.DataFrame:
    """Site × KPI over the week with status and value label (as the Network review's heat map)."""
    cells = rollup.kpi_rollup(list(scope.site_ids), scope.week_start_date, scope.week_end_date, by_site=True)
    cells = cells.merge(catalogue[["kpi", "kpi_name", "unit", "display_order"]], on="kpi")
    cells = components.hide_suppressed(
        cells.sort_values(["display_order", "site_id"]), ["value", "numerator", "denominator"]
    )
    return cells.assign(
        site_name=cells["site_id"].map(names),
        label=[
            components.format_value(value, unit, bool(suppressed))
            for value, unit, suppressed in zip(cells["value"], cells["unit"], cells["is_suppressed"], strict=True)
        ],
        rag_status=_status_keys(cells),
    )


def trend_frame(site_id: str, scope: ReviewScope, catalogue: pd.DataFrame) -> pd.DataFrame:
    """The site's last TREND_WEEKS ISO weeks to the report's week, every KPI (marts.site_scorecard)."""
    first_week = scope.week_start_date - dt.timedelta(weeks=TREND_WEEKS - 1)
    weekly = site.site_weekly([site_id], catalogue["kpi"].tolist(), first_week, scope.week_end_date)
    weekly = weekly.merge(catalogue[["kpi", "kpi_name", "unit", "direction", "display_order"]], on="kpi")
    percent = weekly["unit"] == "ratio"
    return weekly.assign(
        week=weekly["iso_week"].str.split("-").str[-1],
        label=[
            components.format_value(value, unit, bool(suppressed))
            for value, unit, suppressed in zip(weekly["value"], weekly["unit"], weekly["is_suppressed"], strict=True)
        ],
        rag_status=_status_keys(weekly),
        # One axis per KPI in a small multiple, but one number format: rates as percent
        shown_value=weekly["value"].where(~percent, weekly["value"] * 100),
        shown_target=weekly["target"].where(~percent, weekly["target"] * 100),
        panel=[_panel(name, unit) for name, unit in zip(weekly["kpi_name"], weekly["unit"], strict=True)],
    )


def _status_keys(frame: pd.DataFrame) -> list[str]:
    """The heat maps' status keys (charts.RAG_ORDER): the marts' status, 'not live', or 'no target'."""
    return [
        "no target"
        if suppressed or not isinstance(status, str)
        else "not live"
        if status == components.NOT_LIVE
        else status
        for status, suppressed in zip(
            frame["rag_status"], frame["is_suppressed"].astype("boolean").fillna(False), strict=True
        )
    ]


def _bands(frame: pd.DataFrame) -> list[str]:
    return [
        components.band_text(direction, target, red, unit)
        for direction, target, red, unit in zip(
            frame["direction"], frame["target"], frame["red_threshold"], frame["unit"], strict=True
        )
    ]


def _panel(kpi_name: str, unit: str) -> str:
    """A small multiple's title: rates are drawn in percent, which the name does not say (hours it does)."""
    return f"{kpi_name} (%)" if unit == "ratio" else kpi_name


# --- charts --------------------------------------------------------------------------------------------------


def tiles_chart(tiles: pd.DataFrame) -> alt.LayerChart:
    """The tiles as one chart: a card per KPI with a status strip, its name, value, status and change, bands."""
    frame = tiles.reset_index(drop=True)
    frame = frame.assign(
        column=frame.index % TILE_COLUMNS,
        row=frame.index // TILE_COLUMNS,
        headline=[
            f"{words}  {change}".strip()
            for words, change in zip(frame["status_words"], frame["change_text"], strict=True)
        ],
    )
    rows = int(frame["row"].max()) + 1 if not frame.empty else 1
    x_scale = alt.Scale(domain=[0, TILE_COLUMNS], nice=False, zero=False)
    y_scale = alt.Scale(domain=[0, rows], nice=False, zero=False, reverse=True)
    base = alt.Chart(frame).encode(x=alt.X("x:Q", scale=x_scale, axis=None), y=alt.Y("y:Q", scale=y_scale, axis=None))

    def at(dx: float, dy: float) -> alt.Chart:
        return base.transform_calculate(x=f"datum.column + {dx}", y=f"datum.row + {dy}")

    card = at(0.01, 0.04).transform_calculate(x2="datum.column + 0.98", y2="datum.row + 0.96")
    cards = card.mark_rect(fill="white", stroke="#c8c8c8").encode(x2="x2:Q", y2="y2:Q")
    strip = (
        at(0.01, 0.04)
        .transform_calculate(x2="datum.column + 0.03", y2="datum.row + 0.96")
        .mark_rect()
        .encode(
            x2="x2:Q",
            y2="y2:Q",
            color=alt.Color("status:N", scale=charts.rag_scale(), legend=None),
        )
    )
    text = {"align": "left", "baseline": "middle", "limit": TILE_WIDTH - 30}
    name = at(0.06, 0.2).mark_text(fontSize=12, fontWeight="bold", **text).encode(text="kpi_name:N")
    value = at(0.06, 0.44).mark_text(fontSize=20, fontWeight="bold", **text).encode(text="label:N")
    headline = at(0.06, 0.66).mark_text(fontSize=11, **text).encode(text="headline:N")
    bands = at(0.06, 0.84).mark_text(fontSize=9.5, color="#555555", **text).encode(text="bands:N")
    return alt.layer(cards, strip, name, value, headline, bands).properties(
        width=TILE_WIDTH * TILE_COLUMNS, height=TILE_HEIGHT * rows
    )


def site_heatmap(cells: pd.DataFrame, catalogue: pd.DataFrame) -> alt.LayerChart:
    return charts.rag_heatmap(
        cells, x="site_name", y="kpi_name", y_sort=catalogue["kpi_name"].tolist(), tooltip=[]
    ).properties(width=alt.Step(max(60, min(110, 900 // max(cells["site_name"].nunique(), 1)))))


def week_strip(weekly: pd.DataFrame, catalogue: pd.DataFrame) -> alt.LayerChart:
    """Every KPI's status by week (as the Site scorecard's strip)."""
    weeks = sorted(weekly["iso_week"].unique())
    return charts.rag_heatmap(
        weekly,
        x="week",
        x_sort=[week.split("-")[-1] for week in weeks],
        y="kpi_name",
        y_sort=catalogue["kpi_name"].tolist(),
        tooltip=[],
    ).properties(width=alt.Step(66))


def trend_lines(weekly: pd.DataFrame, catalogue: pd.DataFrame) -> alt.FacetChart:
    """A small multiple per KPI: the weekly value, its status as the point's colour, the target dashed."""
    order = [_panel(name, unit) for name, unit in zip(catalogue["kpi_name"], catalogue["unit"], strict=True)]
    base = alt.Chart().encode(x=alt.X("week_start_date:T", title=None, axis=alt.Axis(format="%d %b", tickCount=4)))
    line = base.mark_line(color="#1f77b4").encode(y=alt.Y("shown_value:Q", title=None, scale=alt.Scale(zero=False)))
    points = base.mark_point(filled=True, size=30).encode(
        y="shown_value:Q", color=alt.Color("rag_status:N", scale=charts.rag_scale(), legend=None)
    )
    target = alt.Chart().mark_rule(color="#555555", strokeDash=[6, 4]).encode(y="mean(shown_target):Q")
    return (
        alt.layer(line, points, target, data=charts.guard(weekly))
        .properties(width=190, height=80)
        .facet(facet=alt.Facet("panel:N", title=None, sort=order, header=alt.Header(labelFontSize=11)), columns=5)
        .resolve_scale(y="independent")
    )


def render(chart: alt.TopLevelMixin) -> Chart:
    """PNG of a chart through vl-convert: bundled Vega, no data or font fetched (no external URL allowed)."""
    spec = chart.to_dict()
    png = vl_convert.vegalite_to_png(spec, scale=IMAGE_SCALE, allowed_base_urls=[])
    width, height = _png_size(png)
    return Chart(png, width / IMAGE_SCALE, height / IMAGE_SCALE)


def _png_size(png: bytes) -> tuple[int, int]:
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


# --- the document --------------------------------------------------------------------------------------------


def title(scope: ReviewScope) -> str:
    sites = reference.sites()
    names = dict(zip(sites["site_id"], sites["site_name"], strict=True))
    about = f"{names.get(scope.site_id, scope.site_id)} ({scope.site_id})" if scope.site_id else "Network review"
    return f"{about} – ISO week {scope.iso_week}"


def first_page_chart(scope: ReviewScope, titled: bool = True) -> alt.VConcatChart:
    """Page 1 as one chart: the tiles above the site × KPI heat map; titled for the PNG output (the PDF writes
    its title as text)."""
    catalogue = reference.kpi_catalogue()
    sites = reference.sites()
    names = dict(zip(sites["site_id"], sites["site_name"], strict=True))
    tiles = tiles_chart(tiles_frame(scope, catalogue)).properties(
        title=alt.TitleParams(
            f"{'The site' if scope.site_id else 'The network'}: every KPI over the week, change against the week "
            "before",
            anchor="start",
            fontSize=13,
        )
    )
    heatmap = site_heatmap(heatmap_frame(scope, catalogue, names), catalogue).properties(
        title=alt.TitleParams("Sites × KPIs over the week", anchor="start", fontSize=13)
    )
    page = alt.vconcat(tiles, heatmap, spacing=18).resolve_scale(color="independent").properties(background="white")
    if not titled:
        return page
    return page.properties(
        title=alt.TitleParams(title(scope), subtitle=_period_words(scope), anchor="start", fontSize=18)
    )


def second_page_chart(site_id: str, scope: ReviewScope) -> alt.VConcatChart:
    """Page 2 of a site's review: every KPI's status by week above a small multiple of its trends."""
    catalogue = reference.kpi_catalogue()
    weekly = trend_frame(site_id, scope, catalogue)
    return alt.vconcat(
        week_strip(weekly, catalogue).properties(
            title=alt.TitleParams(f"Every KPI by week, the last {TREND_WEEKS} ISO weeks", anchor="start", fontSize=13)
        ),
        trend_lines(weekly, catalogue).properties(
            title=alt.TitleParams("Trends: weekly value, status in colour, target dashed", anchor="start", fontSize=13)
        ),
        spacing=18,
    ).properties(background="white")


def _period_words(scope: ReviewScope) -> str:
    sites = f"site {scope.site_id}" if scope.site_id else f"{len(scope.site_ids)} sites"
    return (
        f"{scope.week_start_date:%a %d %b %Y} – {scope.week_end_date:%a %d %b %Y} · {sites} · status: on track at "
        "or better than target, at risk within the amber band, off track beyond it"
    )


def pdf_bytes(scope: ReviewScope) -> bytes:
    """The review as a PDF: page 1 tiles and heat map; page 2, with a site, its trends. A4 landscape."""
    document = FPDF(orientation="landscape", unit="mm", format="A4")
    document.set_title(_latin_1(title(scope)))
    document.set_author("Adoption Observatory")
    document.set_creator("observatory report")
    # Dated by its week, not by the clock: the same week of the same warehouse gives the same file.
    document.set_creation_date(dt.datetime.combine(scope.week_end_date, dt.time(), tzinfo=dt.UTC))
    document.set_auto_page_break(False)
    document.set_margins(PAGE_MARGIN, PAGE_MARGIN)
    pages = [first_page_chart(scope, titled=False)] + (
        [second_page_chart(scope.site_id, scope)] if scope.site_id else []
    )
    for number, chart in enumerate(pages, start=1):
        document.add_page()
        document.set_font("helvetica", "B", 14)
        document.cell(0, 7, _latin_1(title(scope)), new_x="LMARGIN", new_y="NEXT")
        document.set_font("helvetica", "", 8)
        document.cell(0, 5, _latin_1(_period_words(scope)), new_x="LMARGIN", new_y="NEXT")
        _place(document, render(chart), top=document.get_y() + 2)
        document.set_font("helvetica", "", 7)
        document.set_xy(PAGE_MARGIN, document.h - PAGE_MARGIN + 2)
        document.cell(
            0,
            4,
            _latin_1(f"Adoption Observatory · read from the published marts · page {number} of {len(pages)}"),
        )
    return bytes(document.output())


def _place(document: FPDF, chart: Chart, top: float) -> None:
    """The chart image as large as the page allows, keeping its proportions."""
    room_width = document.w - 2 * PAGE_MARGIN
    room_height = document.h - PAGE_MARGIN - top - 2
    scale = min(room_width / chart.width, room_height / chart.height)
    document.image(chart.png, x=PAGE_MARGIN, y=top, w=chart.width * scale, h=chart.height * scale)


def _latin_1(text: str) -> str:
    return text.translate(LATIN_1).encode("latin-1", "replace").decode("latin-1")


def png_bytes(scope: ReviewScope) -> bytes:
    """The first page as a PNG image (the same chart the PDF places on page 1, with its title)."""
    return render(first_page_chart(scope)).png


def write(scope: ReviewScope, out: Path) -> Path:
    """Write the review to out (.pdf or .png by its suffix)."""
    suffix = out.suffix.lower()
    if suffix not in OUTPUT_SUFFIXES:
        raise ReportError(f"--out {out} must end in .pdf or .png")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(pdf_bytes(scope) if suffix == ".pdf" else png_bytes(scope))
    return out


def file_name(scope: ReviewScope) -> str:
    return f"review_{scope.iso_week}" + (f"_{scope.site_id}" if scope.site_id else "") + ".pdf"


# --- the pages' download button ------------------------------------------------------------------------------


def page_scope(site_ids: list[str], end_date: dt.date, site_id: str | None = None) -> ReviewScope | None:
    """The review a page offers: the last full ISO week of its period (the week its worst movers and gates
    show), its sites; None while the warehouse has no weekly scorecard."""
    if "marts.site_scorecard" not in connection.relations():
        return None
    week_start = network.scorecard_week([site_id] if site_id else list(site_ids), end_date)
    return None if week_start is None else ReviewScope(week_start, tuple(site_ids), site_id)


def download_button(site_ids: list[str], end_date: dt.date, site_id: str | None = None) -> None:
    """A button for the week's review as a PDF, made only when clicked (a deferred download: no page run waits
    for the rendering)."""
    scope = page_scope(site_ids, end_date, site_id)
    if scope is None:
        return
    st.download_button(
        f"Download the review of {scope.iso_week} (PDF)",
        components.audited_download(functools.partial(pdf_bytes, scope), file_name(scope)),
        file_name=file_name(scope),
        mime="application/pdf",
        key="download_review_pdf",
        on_click="ignore",
        icon=":material/picture_as_pdf:",
        help=f"ISO week {scope.iso_week}, the last full week of the period: "
        + ("the site's tiles, the heat map and its last 12 weeks" if site_id else "the tiles and the heat map")
        + f" of {len(scope.site_ids)} site{'s' if len(scope.site_ids) != 1 else ''}; the same as `observatory report`.",
    )
