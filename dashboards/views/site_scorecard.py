"""Site scorecard: one site's every KPI against target, its own pre-go-live baseline and its peers."""

from __future__ import annotations

import datetime as dt

import altair as alt
import pandas as pd
import streamlit as st

from dashboards import charts, components, filters, report
from dashboards.queries import connection, drill_down, privacy, quality, reference, rollup, signals, site, trends

SITE_PARAMETER = "scorecard_site"
KPI_PARAMETER = "scorecard_kpi"
WEEKS_IN_STRIP = 12


def kpi_table(site_id: str, current: filters.Filters, catalogue: pd.DataFrame, is_live: bool) -> pd.DataFrame:
    """Every KPI of the site over the period with its status and bands, baseline and the peer band."""
    values = rollup.kpi_rollup([site_id], current.start_date, current.end_date, by_site=True)
    table = catalogue.merge(
        values[["kpi", "numerator", "denominator", "value", "rag_status", "is_suppressed"]], on="kpi", how="left"
    )
    if "marts.hypercare_daily" in connection.relations():
        table = table.merge(site.baselines([site_id])[["kpi", "baseline"]], on="kpi", how="left")
    else:
        table["baseline"] = float("nan")
    table = table.merge(rollup.peer_bands(current.start_date, current.end_date), on="kpi", how="left")
    table["is_suppressed"] = table["is_suppressed"].astype("boolean").fillna(False).astype(bool)
    table["vs_baseline"] = table["value"] - table["baseline"]
    table["vs_peers"] = [
        _against_band(value, low, high, direction)
        for value, low, high, direction in zip(
            table["value"], table["band_low"], table["band_high"], table["direction"], strict=True
        )
    ]
    # A KPI that needs the new system has no status before go-live, also where it has no value at all.
    table.loc[table["needs_go_live"].astype(bool) & (not is_live), "rag_status"] = components.NOT_LIVE
    hidden = table["is_suppressed"]
    table.loc[hidden, "rag_status"] = None
    table.loc[hidden, "vs_peers"] = ""
    return components.hide_suppressed(table, ["value", "numerator", "denominator", "vs_baseline"])


def _against_band(value: float, low: float, high: float, direction: str) -> str:
    if pd.isna(value) or pd.isna(low) or pd.isna(high):
        return ""
    if low <= value <= high:
        return "within band"
    better = value > high if direction == "higher" else value < low
    return "better" if better else "worse"


def shown_table(table: pd.DataFrame) -> pd.DataFrame:
    def formatted(column: str) -> list[str]:
        return [
            components.format_value(value, unit, suppressed)
            for value, unit, suppressed in zip(table[column], table["unit"], table["is_suppressed"], strict=True)
        ]

    return pd.DataFrame(
        {
            "KPI": table["kpi_name"],
            "Value": formatted("value"),
            "Status": [
                "–"
                if suppressed
                else "No data"
                if pd.isna(value) and status != components.NOT_LIVE
                else components.status_words(status)
                for status, suppressed, value in zip(
                    table["rag_status"], table["is_suppressed"], table["value"], strict=True
                )
            ],
            "Target and bands": [
                components.band_text(direction, target, red, unit)
                for direction, target, red, unit in zip(
                    table["direction"], table["target"], table["red_threshold"], table["unit"], strict=True
                )
            ],
            "Baseline": [
                components.format_value(value, unit)
                for value, unit in zip(table["baseline"], table["unit"], strict=True)
            ],
            "vs baseline": [
                components.format_change(change, unit) or ""
                for change, unit in zip(table["vs_baseline"], table["unit"], strict=True)
            ],
            "Peer band": [
                "" if pd.isna(low) else f"{components.format_value(low, unit)} – {components.format_value(high, unit)}"
                for low, high, unit in zip(table["band_low"], table["band_high"], table["unit"], strict=True)
            ],
            "vs peers": table["vs_peers"],
        }
    )


def main() -> None:
    current = filters.active()
    components.header(
        "Site scorecard",
        "How is one site doing on every KPI: against target, against its own pre-go-live baseline, and "
        "against the other sites?",
        current,
    )
    if components.no_sites(current) or not components.require(
        ["marts.kpi_definitions", "marts.site_scorecard"], "The site scorecard"
    ):
        return
    sites = reference.sites().set_index("site_id")
    in_scope = list(current.site_ids)
    site_id = st.selectbox(
        "Site",
        in_scope,
        key=SITE_PARAMETER,
        bind="query-params",
        format_func=lambda option: f"{sites.loc[option, 'site_name']} ({option})",
        help="The sites that pass the sidebar filters.",
    )
    if site_id is None:
        return
    chosen = sites.loc[site_id]
    live = pd.notna(chosen["go_live_date"]) and chosen["go_live_date"].date() <= current.end_date
    st.markdown(
        f"**{chosen['site_name']}** · {chosen['region']} · {chosen['legal_entity']} · {chosen['rollout_wave']} · "
        + (
            f"live since {chosen['go_live_date']:%d %b %Y}"
            if live
            else (
                f"go-live planned {chosen['go_live_date']:%d %b %Y}" if pd.notna(chosen["go_live_date"]) else "not live"
            )
        )
    )
    report.download_button(in_scope, current.end_date, site_id)
    catalogue = reference.kpi_catalogue()

    st.subheader(f"Every KPI, {current.period_label}")
    table = kpi_table(site_id, current, catalogue, live)
    shown = shown_table(table)
    shown.insert(3, ROWS_COLUMN, behind_the_number_links(site_id, table["kpi"], current))
    bands = trends.benchmark_bands()
    shown.insert(shown.columns.get_loc("Target and bands") + 1, BENCHMARK_COLUMN, benchmark_column(table, bands))
    st.dataframe(
        components.style_status(shown, "Status"),
        hide_index=True,
        width="stretch",
        height=38 + 35 * len(shown),
        column_config={
            "KPI": st.column_config.TextColumn(width="medium"),
            "Target and bands": st.column_config.TextColumn(width="large"),
            BENCHMARK_COLUMN: st.column_config.TextColumn(width="medium", help=BENCHMARK_HELP),
            **ROWS_COLUMN_CONFIG,
        },
    )
    st.caption(
        "Value: sum of numerators over sum of denominators over the period (level KPIs: its last day). Status: "
        "on track at or better than target, at risk within the amber band, off track beyond it; adoption KPIs "
        "read 'Not live' before the site's go-live. Baseline: the 28 days before go-live (vs baseline in the KPI's "
        "unit, percentage points for rates). Peer band: the middle half (25th–75th percentile) of all sites' values "
        f"over the same days. User KPIs of fewer than {privacy.MIN_GROUP_USERS} users: '{privacy.SUPPRESSED_LABEL}'."
    )
    components.csv_download(
        table[
            [
                "kpi",
                "kpi_name",
                "unit",
                "numerator",
                "denominator",
                "value",
                "rag_status",
                "direction",
                "target",
                "red_threshold",
                "baseline",
                "vs_baseline",
                "band_low",
                "band_high",
                "vs_peers",
            ]
        ].assign(site_id=site_id, start_date=current.start_date, end_date=current.end_date),
        f"site_scorecard_{site_id}",
        "Download the scorecard (CSV)",
    )

    st.subheader("Trends")
    names = dict(zip(catalogue["kpi"], catalogue["kpi_name"], strict=True))
    kpi_link_to_name(names)
    kpi = st.selectbox("KPI", catalogue["kpi"].tolist(), key=KPI_PARAMETER, bind="query-params", format_func=names.get)
    weekly = site.site_weekly([site_id], catalogue["kpi"].tolist(), reference.kpi_date_range()[0], current.end_date)
    chosen = weekly[weekly["kpi"] == kpi].assign(kpi_name=names.get(kpi))
    chosen = chosen.assign(status=[components.status_words(status) for status in chosen["rag_status"]])
    details = catalogue.set_index("kpi").loc[kpi]
    baseline = table.set_index("kpi").loc[kpi, "baseline"]
    axis = components.axis_format(details["unit"])
    anomalies = (
        None if connection.missing(["marts.kpi_anomalies"]) else signals.kpi_anomalies([site_id], kpi, current.end_date)
    )
    st.altair_chart(
        charts.trend(
            chosen,
            x="week_start_date",
            y="value",
            series="kpi_name",
            x_title="ISO week (starting Monday)",
            y_title=names.get(kpi, kpi),
            y_format=axis,
            tooltip=[
                alt.Tooltip("iso_week:N", title="Week"),
                alt.Tooltip("value:Q", title="Value", format=axis),
                alt.Tooltip("status:N", title="Status"),
            ],
            references={"target": details["target"], "red threshold": details["red_threshold"], "baseline": baseline},
            highlight=(current.start_date, current.end_date),
            go_lives=trends.go_live_markers([site_id]),
            anomalies=anomalies,
        ),
        width="stretch",
    )
    if anomalies is not None and not anomalies.empty:
        st.caption(
            f"Triangles: {len(anomalies)} day(s) on which the daily {names.get(kpi, kpi)} left its expected band "
            "(red worse, green better); hover one for the observed value, the expected value and the band."
        )
    show_benchmark(bands, kpi, details)
    show_behind_the_number(site_id, kpi, names.get(kpi, kpi), details["unit"], current)

    st.subheader("Every KPI by week")
    strip = weekly.merge(catalogue[["kpi", "kpi_name", "unit", "direction"]], on="kpi")
    strip["rag_status"] = strip["rag_status"].replace({components.NOT_LIVE: "not live"}).fillna("no target")
    strip["bands"] = [
        components.band_text(direction, target, red, unit)
        for direction, target, red, unit in zip(
            strip["direction"], strip["target"], strip["red_threshold"], strip["unit"], strict=True
        )
    ]
    strip["drill_link"] = [
        drill_down.scorecard_link(site_id, kpi, week_start, week_start + dt.timedelta(days=6))
        if drill_down.has_drill_down(kpi)
        else None
        for kpi, week_start in zip(strip["kpi"], strip["week_start_date"].dt.date, strict=True)
    ]
    strip["label"] = [
        components.format_value(value, unit, bool(suppressed))
        for value, unit, suppressed in zip(strip["value"], strip["unit"], strip["is_suppressed"], strict=True)
    ]
    recent_weeks = sorted(strip["iso_week"].unique())[-WEEKS_IN_STRIP:]
    st.caption(f"Weekly value and status of every KPI, the last {WEEKS_IN_STRIP} ISO weeks to the end of the period.")
    st.altair_chart(
        charts.rag_heatmap(
            strip[strip["iso_week"].isin(recent_weeks)].assign(week=strip["iso_week"].str.split("-").str[-1]),
            x="week",
            x_sort=[week.split("-")[-1] for week in recent_weeks],
            y="kpi_name",
            y_sort=catalogue["kpi_name"].tolist(),
            href="drill_link",
            tooltip=[
                alt.Tooltip("kpi_name:N", title="KPI"),
                alt.Tooltip("iso_week:N", title="Week"),
                alt.Tooltip("label:N", title="Value"),
                alt.Tooltip("rag_status:N", title="Status"),
                alt.Tooltip("bands:N", title="Bands"),
            ],
        ),
        width="stretch",
    )

    left, right = st.columns(2)
    with left:
        st.subheader("Open exceptions by type and age")
        if components.require(["marts.exception_backlog_breakdown"], "Open exceptions by type and age"):
            exceptions = site.exception_backlog_breakdown(site_id, current.end_date)
            backlog = site.kpi_on_day(site_id, "exception_backlog", current.end_date)
            open_count = int(exceptions["open_exceptions"].sum())
            st.caption(
                f"Open at the end of {current.end_date:%d %b %Y} (site-local): {open_count}"
                + ("" if backlog is None else f"; the exception backlog KPI that day: {backlog:,.0f}")
                + "."
            )
            if exceptions.empty:
                st.success("No exception open at the end of the period.")
            else:
                st.altair_chart(
                    charts.bars(
                        exceptions,
                        value="open_exceptions",
                        category="exception_type",
                        value_title="Open exceptions",
                        colour="age_band",
                        colours=dict(zip(site.AGE_BANDS, ["#9ecae1", "#4292c6", "#f0a202", "#c62828"], strict=True)),
                        tooltip=[
                            alt.Tooltip("exception_type:N", title="Type"),
                            alt.Tooltip("age_band:N", title="Age"),
                            alt.Tooltip("open_exceptions:Q", title="Open"),
                        ],
                    ),
                    width="stretch",
                )
            components.csv_download(
                exceptions.assign(site_id=site_id, as_of=current.end_date), f"open_exceptions_{site_id}"
            )
    with right:
        st.subheader("Top data-quality issues")
        if components.require(["marts.data_quality"], "Data-quality issues"):
            issues = quality.site_data_quality_issues(site_id)
            if issues is None:
                st.caption(
                    "The data-quality report does not attribute issues to sites yet: the network's largest issues."
                )
                issues = quality.data_quality_issues()
            top = issues.head(10)
            if top.empty:
                st.success("No open data-quality issue.")
            else:
                st.dataframe(
                    components.blanks_as_dashes(
                        top[["issue_count", "entity", "column_name", "reason", "issue_category", "file_name"]]
                    ).rename(
                        columns={
                            "issue_count": "Rows",
                            "entity": "Entity",
                            "column_name": "Column",
                            "reason": "Reason",
                            "issue_category": "Category",
                            "file_name": "File",
                        }
                    ),
                    hide_index=True,
                    width="stretch",
                )


# --- Behind the number (drill-down): the rows of marts.kpi_detail_* behind the selected KPI -------------------

ROWS_COLUMN = "Rows"
ROWS_COLUMN_CONFIG = {
    ROWS_COLUMN: st.column_config.LinkColumn(
        ROWS_COLUMN, display_text="Show rows", help="Behind the number: the rows this number counts, with CSV"
    )
}
DRILL_DOWN_HEADINGS = {
    "order_id": "Order", "line_number": "Line", "item_id": "Item", "ordered_qty": "Ordered",
    "shipped_qty_on_first_shipment_date": "Shipped on first shipment day", "first_shipment_date": "First shipment day",
    "shipped_complete_at": "Shipped complete at (UTC)", "completed_at": "Completed at (UTC)", "line_count": "Lines",
    "kpi_date": "Day", "reason": "Reason", "pick_id": "Pick", "location_id": "Location",
    "requested_qty": "Requested", "picked_qty": "Picked", "picked_at": "Picked at (UTC)", "error_code": "Error",
    "case_id": "Case", "invoiced_at": "Invoiced at (UTC)", "variant": "Variant (activities in order)",
    "event_count": "Events", "exception_id": "Exception", "exception_type": "Type", "severity": "Severity",
    "age_hours": "Age (hours)", "opened_at": "Opened at (UTC)", "is_aged": "Aged (> 72 h)",
}  # fmt: skip


def behind_the_number_links(site_id: str, kpis: pd.Series, current: filters.Filters) -> list[str]:
    """Per KPI a link to this page with the KPI selected, where it has rows to show."""
    return [
        drill_down.scorecard_link(site_id, kpi, current.start_date, current.end_date)
        if drill_down.has_drill_down(kpi)
        else ""
        for kpi in kpis
    ]


def drill_down_display(table: pd.DataFrame) -> pd.DataFrame:
    """The rows as read: flags as yes / no, instants to the minute, '–' where a value is missing."""
    shown = table.copy()
    for column in shown.columns:
        if pd.api.types.is_bool_dtype(shown[column]):
            shown[column] = shown[column].map({True: "yes", False: "no"})
        elif column.endswith("_date"):
            shown[column] = pd.to_datetime(shown[column]).dt.strftime("%Y-%m-%d")
        elif pd.api.types.is_datetime64_any_dtype(shown[column]):
            shown[column] = shown[column].dt.strftime("%Y-%m-%d %H:%M")
    return shown.astype(object).where(shown.notna(), "–")


def kpi_link_to_name(names: dict[str, str]) -> None:
    """A link may name the KPI by its id (?scorecard_kpi=pick_accuracy); the widget keeps its name in the URL."""
    given = st.query_params.get(KPI_PARAMETER)
    if given in names and names[given] != given:
        st.query_params[KPI_PARAMETER] = names[given]
        st.rerun()


def show_behind_the_number(site_id: str, kpi: str, kpi_name: str, unit: str, current: filters.Filters) -> None:
    st.subheader("Behind the number")
    if not drill_down.has_drill_down(kpi):
        st.caption(f"{kpi_name} has no drill-down yet: the rows are shown for the fulfilment, pick accuracy, "
                   "exception backlog and process compliance KPIs.")  # fmt: skip
        return
    relation = drill_down.relation_for(kpi)
    if relation is None or not components.require([relation], "Behind the number"):
        return
    detail = drill_down.drill_down(site_id, kpi, current.start_date, current.end_date)
    if detail is None:
        return
    if detail.is_level:
        st.caption(
            f"{kpi_name} at the end of {current.end_date:%d %b %Y} (site-local), the period's last day: "
            f"{detail.numerator:,} {detail.row_noun}, the KPI's value that day. Age: elapsed hours at the day's end."
        )
        shown = detail.rows
    else:
        st.caption(
            f"{kpi_name}, {current.period_label}: {detail.denominator:,} {detail.row_noun} counted, "
            f"{detail.numerator:,} of them {detail.numerator_words} (the numerator and denominator of the value "
            f"above); the {len(detail.outside_numerator):,} that were not are listed first."
        )
        everything = st.toggle(
            f"All {detail.denominator:,} counted {detail.row_noun}", key="behind_the_number_all", value=False
        )
        shown = detail.rows if everything else detail.outside_numerator
    table = shown[list(detail.columns)]
    if table.empty:
        st.success(f"No {detail.row_noun} behind a miss in this period.")
    else:
        st.dataframe(
            drill_down_display(table).rename(columns=DRILL_DOWN_HEADINGS),
            hide_index=True,
            width="stretch",
            height=min(38 + 35 * len(table), 420),
        )
    components.csv_download(
        table.assign(site_id=site_id, kpi=kpi),
        f"{kpi}_{site_id}_{current.start_date:%Y%m%d}_{current.end_date:%Y%m%d}",
        f"Download these {len(table):,} rows (CSV)",
        key="download_behind_the_number",
    )


# --- Context: the published benchmark beside a KPI (seeds/reference/benchmark_bands.csv) --------------------

BENCHMARK_COLUMN = "Published benchmark"
BENCHMARK_HELP = (
    "Public figures only (WERC DC Measures best in class, APQC quartiles): for reference, never used for a status."
)


def benchmark_column(table: pd.DataFrame, bands: pd.DataFrame) -> list[str]:
    return [
        components.benchmark_text(bands, kpi, direction, unit) or "–"
        for kpi, direction, unit in zip(table["kpi"], table["direction"], table["unit"], strict=True)
    ]


def show_benchmark(bands: pd.DataFrame, kpi: str, details: pd.Series) -> None:
    text = components.benchmark_text(bands, kpi, details["direction"], details["unit"])
    if text:
        st.caption(f"Published benchmark: {text}. For reference; the status follows the target.")


main()
