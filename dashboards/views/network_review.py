"""Network review (COO): where the network stands against target, who moved, whether waves may proceed."""

from __future__ import annotations

import html

import altair as alt
import pandas as pd
import streamlit as st

from dashboards import charts, components, filters, report
from dashboards.queries import connection, drill_down, network, reference, rollup, trends

TILES_PER_ROW = 5
GATE_BADGES = {"proceed": "green", "hold": "orange", "pause": "red", "live": "blue"}


def network_tiles(current: filters.Filters, catalogue: pd.DataFrame) -> pd.DataFrame:
    """One row per KPI: the network value over the period, its status, and the change against the previous period."""
    now = rollup.kpi_rollup(list(current.site_ids), current.start_date, current.end_date)
    previous_start, previous_end = rollup.previous_period(current.start_date, current.end_date)
    before = rollup.kpi_rollup(list(current.site_ids), previous_start, previous_end)
    return components.kpi_tiles(catalogue, now, before)


def _per_site(tile: pd.Series, site_count: int) -> bool:
    """Counts (backlogs) roll up as sum over sum with a denominator of 1 per site: a mean per site."""
    return tile["unit"] == "count" and site_count > 1


def show_tile(tile: pd.Series, previous_label: str, site_count: int, weekly: pd.DataFrame) -> None:
    suppressed = bool(tile["is_suppressed"])
    per_site = _per_site(tile, site_count)
    st.markdown(f'<div style="min-height: 3em"><b>{html.escape(tile["kpi_name"])}</b></div>', unsafe_allow_html=True)
    st.metric(
        tile["kpi_name"],
        components.format_value(tile["value"], tile["unit"], suppressed),
        None if suppressed else components.format_change(tile["change"], tile["unit"]),
        delta_color="inverse" if tile["direction"] == "lower" else "normal",
        label_visibility="collapsed",
        help=f"{tile['direction'].capitalize()} is better. Change against {previous_label}."
        + (f" {tile['numerator']:,.0f} in total across {site_count} sites." if per_site and not suppressed else ""),
    )
    st.caption(
        ("per site · " if per_site else "")
        + components.band_text(tile["direction"], tile["target"], tile["red_threshold"], tile["unit"])
    )
    components.rag_badge(None if suppressed else tile["rag_status"])
    show_sparkline(tile, weekly[weekly["kpi"] == tile["kpi"]])


def show_tiles(tiles: pd.DataFrame, previous_label: str, site_count: int, weekly: pd.DataFrame) -> None:
    """Rows of tiles in the dictionary's order (fulfilment, warehouse, exceptions, transactions, adoption)."""
    for start in range(0, len(tiles), TILES_PER_ROW):
        row = tiles.iloc[start : start + TILES_PER_ROW]
        for column, (_, tile) in zip(st.columns(TILES_PER_ROW), row.iterrows(), strict=False):
            with column, st.container(border=True):
                show_tile(tile, previous_label, site_count, weekly)


def site_cells(current: filters.Filters, catalogue: pd.DataFrame, names: dict[str, str]) -> pd.DataFrame:
    cells = rollup.kpi_rollup(list(current.site_ids), current.start_date, current.end_date, by_site=True)
    cells = cells.merge(catalogue[["kpi", "kpi_name", "unit", "display_order"]], on="kpi")
    cells["site_name"] = cells["site_id"].map(names)
    cells["bands"] = [
        components.band_text(direction, target, red, unit)
        for direction, target, red, unit in zip(
            cells["direction"], cells["target"], cells["red_threshold"], cells["unit"], strict=True
        )
    ]
    cells["label"] = [
        components.format_value(value, unit, bool(suppressed))
        for value, unit, suppressed in zip(cells["value"], cells["unit"], cells["is_suppressed"], strict=True)
    ]
    cells["rag_status"] = (
        cells["rag_status"]
        .replace({components.NOT_LIVE: "not live"})
        .fillna("no target")
        .where(~cells["is_suppressed"], "no target")
    )
    return components.hide_suppressed(
        cells.sort_values(["display_order", "site_id"]), ["value", "numerator", "denominator"]
    )


def show_movers(movers: pd.DataFrame) -> None:
    shown = pd.DataFrame(
        {
            "Site": movers["site_name"],
            "KPI": movers["kpi_name"],
            "Last week": [
                components.format_value(value, unit)
                for value, unit in zip(movers["previous_week_value"], movers["unit"], strict=True)
            ],
            "This week": [
                components.format_value(value, unit)
                for value, unit in zip(movers["value"], movers["unit"], strict=True)
            ],
            "Change": [
                components.format_change(change, unit)
                for change, unit in zip(movers["change_vs_previous_week"], movers["unit"], strict=True)
            ],
            "Status": [components.status_words(status) for status in movers["rag_status"]],
            "Bands": [
                components.band_text(direction, target, red, unit)
                for direction, target, red, unit in zip(
                    movers["direction"], movers["target"], movers["red_threshold"], movers["unit"], strict=True
                )
            ],
        }
    )
    st.dataframe(components.style_status(shown, "Status"), hide_index=True, width="stretch")


def main() -> None:
    current = filters.active()
    components.header(
        "Network review",
        "Where does the network stand against target, what moved most this week, and may the next wave go live?",
        current,
    )
    if components.no_sites(current) or not components.require(
        ["marts.kpi_definitions", "staging.stg_reference__kpi_targets"], "The network review"
    ):
        return
    report.download_button(list(current.site_ids), current.end_date)
    catalogue = reference.kpi_catalogue()
    sites = reference.sites()
    names = dict(zip(sites["site_id"], sites["site_name"], strict=True))
    previous_start, previous_end = rollup.previous_period(current.start_date, current.end_date)
    previous_label = f"{previous_start:%d %b} – {previous_end:%d %b}"

    st.subheader("Network KPIs")
    st.caption(
        f"{current.period_label}: sum of numerators over sum of denominators across the selected sites and days; "
        f"backlogs and other level KPIs on the period's last day. Changes against {previous_label}; green is better. "
        "Status: on track at or better than target, at risk within the amber band, off track beyond it; adoption "
        "KPIs read 'Not live' until a selected site has gone live. " + SPARKLINE_HINT
    )
    tiles = network_tiles(current, catalogue)
    weekly = network_weeks(current)
    show_tiles(tiles, previous_label, len(current.site_ids), weekly)
    tile_columns = ["kpi", "kpi_name", "unit", "numerator", "denominator", "value", "previous_value", "change",
                    "rag_status", "direction", "target", "red_threshold", "is_suppressed"]  # fmt: skip
    components.csv_download(
        tiles[tile_columns].assign(start_date=current.start_date, end_date=current.end_date),
        "network_review_kpis",
        "Download network KPIs (CSV)",
    )

    st.subheader("Sites × KPIs")
    cells = site_cells(current, catalogue, names).assign(drill_link=lambda frame: cell_links(frame, current))
    st.caption(DRILL_DOWN_HINT)
    st.altair_chart(
        charts.rag_heatmap(
            cells,
            x="site_name",
            y="kpi_name",
            y_sort=catalogue["kpi_name"].tolist(),
            href="drill_link",
            tooltip=[
                alt.Tooltip("site_name:N", title="Site"),
                alt.Tooltip("kpi_name:N", title="KPI"),
                alt.Tooltip("label:N", title="Value"),
                alt.Tooltip("rag_status:N", title="Status"),
                alt.Tooltip("bands:N", title="Bands"),
                alt.Tooltip("numerator:Q", title="Numerator", format=",.1f"),
                alt.Tooltip("denominator:Q", title="Denominator", format=",.1f"),
            ],
        ),
        width="stretch",
    )
    cell_columns = ["site_id", "site_name", "kpi", "kpi_name", "numerator", "denominator", "value", "rag_status",
                    "target", "red_threshold", "is_suppressed"]  # fmt: skip
    components.csv_download(
        cells[cell_columns].assign(start_date=current.start_date, end_date=current.end_date),
        "network_review_site_kpis",
        "Download sites × KPIs (CSV)",
    )

    if not components.require(["marts.site_scorecard", "marts.wave_gates"], "Worst movers and wave gates"):
        return
    week_start = network.scorecard_week(list(current.site_ids), current.end_date)
    if week_start is None:
        st.info("No weekly scorecard for the selected sites yet.")
        return
    movers = network.worst_movers(list(current.site_ids), week_start).merge(
        catalogue[["kpi", "kpi_name", "unit"]], on="kpi", how="left"
    )
    gates = network.wave_gates(list(current.waves), week_start)
    week_label = gates["iso_week"].iloc[0] if not gates.empty else f"of {week_start:%d %b %Y}"
    st.subheader("Worst movers this week")
    st.caption(
        f"ISO week {week_label} (the last full week of the period) against the week before: the largest "
        "worsening relative to last week's value."
    )
    if movers.empty:
        st.success("No KPI worsened against the previous week.")
    else:
        show_movers(movers)

    st.subheader("Wave gates")
    st.caption(
        f"May the wave go live? Judged on the previous wave's live sites in week {week_label}; a wave whose sites "
        "are all live shows LIVE and whether it is still in hypercare."
    )
    if gates.empty:
        st.info("No wave gate for this week.")
    for column, gate in zip(st.columns(max(len(gates), 3)), gates.itertuples(), strict=False):
        with column, st.container(border=True):
            show_gate(gate)


def show_gate(gate: object) -> None:
    """A wave's gate: its status, the sites that block it and what must improve there (marts.wave_gates)."""
    status = str(gate.gate_status)
    badge = GATE_BADGES.get(status, "gray")
    state = f" · {gate.exit_state}" if status == "live" and isinstance(gate.exit_state, str) else ""
    st.markdown(f"**{gate.rollout_wave}** &nbsp; :{badge}-badge[{status.upper()}]{state}")
    if isinstance(gate.blocking_sites, str):
        st.markdown(f"Held by **{gate.blocking_sites}**")
    st.caption(str(gate.gate_reason))


# --- Drill-down: a heat-map cell opens the site's KPI on the Site scorecard, with the rows behind it ---------

DRILL_DOWN_HINT = (
    "Click a cell to open that site's KPI on the Site scorecard, with the orders, picks, cases or exceptions "
    "behind the number."
)


def cell_links(cells: pd.DataFrame, current: filters.Filters) -> list[str]:
    """Per site × KPI cell, the Site scorecard with that site, KPI and the same days selected."""
    return [
        drill_down.scorecard_link(site_id, kpi, current.start_date, current.end_date)
        for site_id, kpi in zip(cells["site_id"], cells["kpi"], strict=True)
    ]


# --- Trends: a 12-week sparkline on each tile, the same roll-up by ISO week, with the status bands behind it ---

SPARKLINE_HINT = (
    f"Under each tile, its last {trends.SPARKLINE_WEEKS} ISO weeks to the period's last full week (same roll-up, "
    "by week) over the bands: green at or better than target, amber up to the red threshold."
)


def network_weeks(current: filters.Filters) -> pd.DataFrame:
    """The selected sites' KPIs by week over the sparkline's weeks (empty before the first full week)."""
    if connection.missing(["marts.site_scorecard"]):
        return pd.DataFrame(columns=["kpi", "week_start_date", "iso_week", "value"])
    week_start = network.scorecard_week(list(current.site_ids), current.end_date)
    if week_start is None:
        return pd.DataFrame(columns=["kpi", "week_start_date", "iso_week", "value"])
    return trends.network_weekly(list(current.site_ids), week_start)


def show_sparkline(tile: pd.Series, weeks: pd.DataFrame) -> None:
    if weeks["value"].notna().sum() == 0:
        st.caption("no weekly values")
        return
    st.altair_chart(
        charts.sparkline(
            weeks,
            x="week_start_date",
            y="value",
            direction=tile["direction"],
            target=tile["target"],
            red_threshold=tile["red_threshold"],
            y_format=".2%" if tile["unit"] == "ratio" else ",.1f",
            description=f"sparkline: {tile['kpi']}",
        ),
        width="stretch",
    )


main()
