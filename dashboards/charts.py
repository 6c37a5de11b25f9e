"""Altair helpers: one set of RAG colours, one palette for sites, tooltips everywhere, and a row guard.

Every chart's data is aggregated in SQL before it gets here; ``guard`` refuses a frame over Altair's
5,000-row limit instead of raising the limit (a bigger frame means a query that should aggregate more).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import altair as alt
import pandas as pd

MAX_CHART_ROWS = 5_000

RAG_ORDER = ["green", "amber", "red", "not live", "no target"]
RAG_COLOURS = {
    "green": "#2e7d32",
    "amber": "#f0a202",
    "red": "#c62828",
    "not live": "#dfe6ee",
    "no target": "#b0b0b0",
}
GATE_COLOURS = {
    "proceed": RAG_COLOURS["green"],
    "hold": RAG_COLOURS["amber"],
    "pause": RAG_COLOURS["red"],
    "live": "#1f77b4",
}
RECOVERY_COLOURS = {"recovered": RAG_COLOURS["green"], "not recovered": RAG_COLOURS["red"]}
SUPPRESSED_COLOUR = "#d9d9d9"
# Sites, legal entities and other series: no pure red, green or amber, which mean RAG here.
SERIES_PALETTE = [
    "#1f77b4", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#393b79",
    "#bcbd22", "#aec7e8", "#c5b0d5", "#c49c94", "#9edae5", "#843c39",
]  # fmt: skip
CELL_STEP = 22  # px per heat-map row
REFERENCE_DASHES = {"target": [6, 4], "red threshold": [4, 4], "baseline": [2, 2]}


class ChartTooLarge(ValueError):
    """A chart was handed more rows than Altair embeds; aggregate further in SQL."""


def guard(frame: pd.DataFrame) -> pd.DataFrame:
    if len(frame) > MAX_CHART_ROWS:
        raise ChartTooLarge(f"{len(frame)} rows for one chart (limit {MAX_CHART_ROWS}): aggregate in SQL first")
    return frame


def _scale(colours: dict[str, str]) -> alt.Scale:
    return alt.Scale(domain=list(colours), range=list(colours.values()))


def rag_scale() -> alt.Scale:
    return _scale({status: RAG_COLOURS[status] for status in RAG_ORDER})


def series_colours(names: Sequence[str]) -> dict[str, str]:
    """A stable colour per series name (pass every site, not only the selected ones, to keep them stable)."""
    return {name: SERIES_PALETTE[index % len(SERIES_PALETTE)] for index, name in enumerate(sorted(set(names)))}


def _legend(count: int = 6) -> alt.Legend:
    return alt.Legend(orient="bottom", title=None, columns=min(max(count, 1), 3), labelLimit=160, symbolSize=60)


def rag_heatmap(
    frame: pd.DataFrame,
    *,
    x: str,
    y: str,
    tooltip: Sequence[alt.Tooltip | str],
    x_title: str | None = None,
    y_title: str | None = None,
    x_sort: Sequence[str] | None = None,
    y_sort: Sequence[str] | None = None,
    label: str = "label",
    status: str = "rag_status",
    colours: dict[str, str] | None = None,
    href: str | None = None,
) -> alt.LayerChart:
    """Cells coloured by a status column (RAG by default) with the formatted value written in each cell; with
    ``href`` (a column of links) a click on a cell opens its link."""
    frame = guard(frame)
    scale = _scale(colours) if colours else rag_scale()
    base = alt.Chart(frame).encode(
        x=alt.X(
            f"{x}:N",
            title=x_title,
            sort=list(x_sort) if x_sort else "ascending",
            axis=alt.Axis(labelAngle=0, labelOverlap=False, labelLimit=140, orient="top"),
        ),
        y=alt.Y(
            f"{y}:N",
            title=y_title,
            sort=list(y_sort) if y_sort else "ascending",
            axis=alt.Axis(labelOverlap=False, labelLimit=240),
        ),
        tooltip=list(tooltip),
    )
    cursor = "default"
    if href:
        base = base.encode(href=alt.Href(f"{href}:N"))
        cursor = "pointer"
    cells = base.mark_rect(stroke="white", strokeWidth=1, cursor=cursor).encode(
        color=alt.Color(f"{status}:N", title=None, scale=scale, legend=alt.Legend(orient="bottom", title=None))
    )
    text = base.mark_text(fontSize=11, cursor=cursor).encode(
        text=alt.Text(f"{label}:N"),
        color=alt.condition(
            alt.FieldOneOfPredicate(field=status, oneOf=["amber", "not live", "no target", "suppressed"]),
            alt.value("black"),
            alt.value("white"),
        ),
    )
    return (cells + text).properties(height=alt.Step(CELL_STEP))


def count_heatmap(
    frame: pd.DataFrame,
    *,
    x: str,
    y: str,
    value: str,
    label: str,
    tooltip: Sequence[alt.Tooltip | str],
    suppressed: str = "is_suppressed",
    x_sort: Sequence[str] | None = None,
    x_title: str | None = None,
) -> alt.LayerChart:
    """Counts (or rates) as shades of blue; suppressed cells grey, labelled by ``label`` (e.g. '< 5')."""
    # Vega-Lite drops marks whose colour field is null, so suppressed cells get a shade of 0 to stay drawn.
    frame = guard(frame).assign(_shade=frame[value].fillna(0))
    base = alt.Chart(frame).encode(
        x=alt.X(
            f"{x}:N",
            title=x_title,
            sort=list(x_sort) if x_sort is not None else "ascending",
            axis=alt.Axis(labelAngle=0, labelOverlap=False, orient="top", labelLimit=140),
        ),
        y=alt.Y(f"{y}:N", title=None, axis=alt.Axis(labelOverlap=False, labelLimit=200)),
        tooltip=list(tooltip),
    )
    cells = base.mark_rect(stroke="white", strokeWidth=1).encode(
        color=alt.condition(
            f"datum.{suppressed}",
            alt.value(SUPPRESSED_COLOUR),
            alt.Color("_shade:Q", title="Users", scale=alt.Scale(range=["#deebf7", "#6baed6"]), legend=None),
        )
    )
    text = base.mark_text(fontSize=11, color="black").encode(text=alt.Text(f"{label}:N"))
    return (cells + text).properties(height=alt.Step(CELL_STEP))


MARKER_COLOUR = "#555555"
MARKER_LINE = 12  # px between stacked marker labels


def markers(frame: pd.DataFrame, *, x: str = "marker_date", label: str = "label", x_type: str = "T") -> alt.LayerChart:
    """Vertical rules with their labels (go-live days and waves) to layer on a time chart: one rule per row of
    ``frame`` at ``x`` (a date, or a number with x_type 'Q'), labelled at the top of the plot."""
    # Successive labels step down a line each (three lines, then again), so close go-lives stay readable.
    frame = guard(frame).reset_index(drop=True)
    frame = frame.assign(_label_offset=[MARKER_LINE * (index % 3) for index in range(len(frame))])
    base = alt.Chart(frame).encode(x=alt.X(f"{x}:{x_type}", title=None), tooltip=[alt.Tooltip(f"{label}:N", title="")])
    rules = base.mark_rule(color=MARKER_COLOUR, strokeDash=[2, 3], strokeWidth=1.5, clip=True)
    text = {"align": "left", "baseline": "top", "dx": 3, "dy": 2, "fontSize": 10, "limit": 160, "clip": True}
    # A white halo under the label keeps it legible where it crosses a line or a reference rule.
    halo = base.mark_text(**text, color="white", stroke="white", strokeWidth=3, opacity=0.9).encode(
        y=alt.value(0), yOffset=alt.YOffset("_label_offset:Q", scale=None), text=alt.Text(f"{label}:N")
    )
    texts = base.mark_text(**text, color=MARKER_COLOUR).encode(
        y=alt.value(0), yOffset=alt.YOffset("_label_offset:Q", scale=None), text=alt.Text(f"{label}:N")
    )
    return alt.layer(rules, halo, texts, description="go-live markers")


ANOMALY_COLOURS = {"worse": RAG_COLOURS["red"], "better": RAG_COLOURS["green"]}


def anomaly_markers(
    frame: pd.DataFrame, *, x: str = "kpi_date", x_type: str = "T", value_format: str = ",.3f"
) -> alt.LayerChart:
    """Flagged KPI days (marts.kpi_anomalies) to layer on a time chart: a thin rule and a triangle at the top of
    the plot per day, red when worse and green when better, with a tooltip of what was observed against what was
    expected and the band around it."""
    frame = guard(frame).assign(
        kind_words=frame["kind"].str.replace("_", " "),
        direction_words=frame["direction"].fillna("worse"),
    )
    colour = alt.Color(
        "direction_words:N",
        scale=_scale(ANOMALY_COLOURS),
        legend=None,  # the page's caption says what red and green mean
    )
    base = alt.Chart(frame).encode(
        x=alt.X(f"{x}:{x_type}", title=None),
        color=colour,
        tooltip=[
            alt.Tooltip("site_name:N", title="Site"),
            alt.Tooltip("kpi_date:T", title="Day", format="%d %b %Y"),
            alt.Tooltip("kind_words:N", title="Anomaly"),
            alt.Tooltip("direction_words:N", title="Direction"),
            alt.Tooltip("observed_value:Q", title="Observed", format=value_format),
            alt.Tooltip("expected_value:Q", title="Expected", format=value_format),
            alt.Tooltip("lower_bound:Q", title="Band from", format=value_format),
            alt.Tooltip("upper_bound:Q", title="Band to", format=value_format),
        ],
    )
    rules = base.mark_rule(strokeWidth=1, opacity=0.5, clip=True)
    points = base.mark_point(shape="triangle-down", filled=True, size=90, clip=True).encode(y=alt.value(6))
    return alt.layer(rules, points, description="anomaly markers")


def sparkline(
    frame: pd.DataFrame,
    *,
    x: str,
    y: str,
    direction: object,
    target: object,
    red_threshold: object,
    y_format: str,
    description: str,
    height: int = 48,
) -> alt.LayerChart:
    """A small weekly line with the status bands behind it: green at or better than target, amber up to the red
    threshold (the rule of macros/kpi/rag_status.sql), a dashed rule at the target; no axes."""
    frame = guard(frame)
    values = [float(value) for value in frame[y].dropna()]
    has_band = direction in ("higher", "lower") and not pd.isna(target) and not pd.isna(red_threshold)
    levels = values + ([float(target)] if has_band else [])
    low, high = (min(levels), max(levels)) if levels else (0.0, 1.0)
    pad = (high - low) * 0.1 or abs(high) * 0.05 or 1.0
    low, high = low - pad, high + pad
    y_scale = alt.Scale(domain=[low, high], zero=False, nice=False)
    layers: list[alt.Chart] = []
    if has_band:
        goal, red = float(target), float(red_threshold)
        if direction == "higher":
            green, amber = (goal, high), (max(red, low), goal)
        else:
            green, amber = (low, goal), (goal, min(red, high))
        bands = pd.DataFrame(
            {"band": ["on track", "at risk"], "low": [green[0], amber[0]], "high": [green[1], amber[1]]}
        )
        bands = bands[bands["low"] < bands["high"]]
        layers.append(
            alt.Chart(bands)
            .mark_rect(opacity=0.15, clip=True)
            .encode(
                y=alt.Y("low:Q", scale=y_scale, axis=None),
                y2="high:Q",
                color=alt.Color(
                    "band:N",
                    scale=alt.Scale(domain=["on track", "at risk"], range=[RAG_COLOURS["green"], RAG_COLOURS["amber"]]),
                    legend=None,
                ),
            )
        )
        layers.append(
            alt.Chart(pd.DataFrame({"target": [goal]}))
            .mark_rule(color=MARKER_COLOUR, strokeDash=REFERENCE_DASHES["target"], strokeWidth=1)
            .encode(y=alt.Y("target:Q", scale=y_scale, axis=None))
        )
    layers.append(
        alt.Chart(frame)
        .mark_line(color="#1f77b4", strokeWidth=2, point=alt.OverlayMarkDef(size=12, color="#1f77b4"), clip=True)
        .encode(
            x=alt.X(f"{x}:T", axis=None),
            y=alt.Y(f"{y}:Q", scale=y_scale, axis=None),
            tooltip=[alt.Tooltip("iso_week:N", title="Week"), alt.Tooltip(f"{y}:Q", title="Value", format=y_format)],
        )
    )
    return (
        alt.layer(*layers, description=description)
        .properties(height=height)
        .configure_view(strokeWidth=0)
        .configure_axis(grid=False)
    )


def trend(
    frame: pd.DataFrame,
    *,
    x: str,
    y: str,
    series: str,
    y_title: str,
    y_format: str,
    tooltip: Sequence[alt.Tooltip | str],
    colours: dict[str, str] | None = None,
    x_title: str | None = None,
    references: dict[str, float] | None = None,
    highlight: tuple[dt.date, dt.date] | None = None,
    go_lives: pd.DataFrame | None = None,
    anomalies: pd.DataFrame | None = None,
    height: int = 240,
) -> alt.LayerChart:
    """One line per series over time; dashed reference lines (target, baseline), a shaded period, the go-live
    markers (``go_lives``: marker_date, label) and the anomaly markers (``anomalies``, queries.signals.kpi_anomalies)
    that fall inside the frame's days."""
    frame = guard(frame)
    layers: list[alt.Chart] = []
    if highlight is not None:
        layers.append(
            alt.Chart(pd.DataFrame({"start": [pd.Timestamp(highlight[0])], "end": [pd.Timestamp(highlight[1])]}))
            .mark_rect(opacity=0.08, color="#1f77b4")
            .encode(x="start:T", x2="end:T", tooltip=alt.value("selected period"))
        )
    present = sorted(frame[series].dropna().unique())
    colour_scale = _scale({name: colours[name] for name in present if name in colours}) if colours else alt.Undefined
    layers.append(
        alt.Chart(frame)
        .mark_line(point=alt.OverlayMarkDef(size=25))
        .encode(
            x=alt.X(f"{x}:T", title=x_title, axis=alt.Axis(format="%d %b")),
            y=alt.Y(f"{y}:Q", title=y_title, axis=alt.Axis(format=y_format), scale=alt.Scale(zero=False)),
            color=alt.Color(f"{series}:N", scale=colour_scale, legend=_legend(len(present))),
            tooltip=list(tooltip),
        )
    )
    rules = reference_rules(references, y_format=y_format)
    if rules is not None:
        layers.append(rules)
    if go_lives is not None and not frame.empty:
        first, last = pd.Timestamp(frame[x].min()), pd.Timestamp(frame[x].max())
        inside = go_lives[pd.to_datetime(go_lives["marker_date"]).between(first, last)]
        if not inside.empty:
            layers.append(markers(inside))
    if anomalies is not None and not anomalies.empty and not frame.empty:
        first, last = pd.Timestamp(frame[x].min()), pd.Timestamp(frame[x].max()) + pd.Timedelta(days=6)
        inside = anomalies[pd.to_datetime(anomalies["kpi_date"]).between(first, last)]
        if not inside.empty:
            layers.append(anomaly_markers(inside, value_format=y_format))
    return alt.layer(*layers).resolve_scale(color="independent").properties(height=height)


def reference_rules(
    references: dict[str, float | None] | None, *, y_format: str, value_title: str = "Value"
) -> alt.Chart | None:
    """Horizontal reference lines (target, red threshold, baseline ...) told apart by their dashes
    (REFERENCE_DASHES), or None when no reference has a value. One reference is named in the page's caption;
    several get a key."""
    marks = {label: value for label, value in (references or {}).items() if value is not None and not pd.isna(value)}
    if not marks:
        return None
    return (
        alt.Chart(pd.DataFrame({"reference": list(marks), "level": list(marks.values())}))
        .mark_rule(color="#555555")
        .encode(
            y="level:Q",
            strokeDash=alt.StrokeDash(
                "reference:N",
                scale=alt.Scale(domain=list(marks), range=[REFERENCE_DASHES.get(label, [4, 4]) for label in marks]),
                legend=alt.Legend(orient="bottom", title=None) if len(marks) > 1 else None,
            ),
            tooltip=[alt.Tooltip("reference:N", title=""), alt.Tooltip("level:Q", title=value_title, format=y_format)],
        )
    )


def hypercare_lines(
    frame: pd.DataFrame,
    *,
    tolerance: float | None,
    direction: str,
    colours: dict[str, str] | None = None,
    anomalies: pd.DataFrame | None = None,
    height: int = 280,
) -> alt.LayerChart:
    """Trailing 7-day value / baseline against days since go-live; day 0, the recovery band and the anomaly markers
    (``anomalies`` with a day_offset) marked."""
    frame = guard(frame)
    observed = frame["relative_to_baseline"].dropna()
    top = float(observed.max()) if not observed.empty else 1.0
    bottom = float(observed.min()) if not observed.empty else 1.0
    layers: list[alt.Chart] = []
    if tolerance is not None and not pd.isna(tolerance):
        # The band in which the trailing value counts as recovered, drawn across the data's own range.
        top, bottom = max(top, 1 + tolerance), min(bottom, 1 - tolerance)
        low, high = (1 - tolerance, top) if direction == "higher" else (bottom, 1 + tolerance)
        layers.append(
            alt.Chart(pd.DataFrame({"low": [low], "high": [high]}))
            .mark_rect(opacity=0.12, color=RAG_COLOURS["green"])
            .encode(y="low:Q", y2="high:Q", tooltip=alt.value("within the recovery tolerance of baseline"))
        )
    layers.append(markers(pd.DataFrame({"day": [0], "label": ["go-live"]}), x="day", x_type="Q"))
    layers.append(
        alt.Chart(pd.DataFrame({"level": [1.0]})).mark_rule(strokeDash=[6, 4], color="#555555").encode(y="level:Q")
    )
    sites = sorted(frame["site_name"].dropna().unique())
    colour_scale = _scale({name: colours[name] for name in sites if name in colours}) if colours else alt.Undefined
    layers.append(
        alt.Chart(frame)
        .mark_line(strokeWidth=2)
        .encode(
            x=alt.X("day_offset:Q", title="Days since go-live"),
            y=alt.Y(
                "relative_to_baseline:Q",
                title="Trailing 7 days ÷ baseline",
                axis=alt.Axis(format="%"),
                scale=alt.Scale(zero=False, domain=[bottom, top], nice=True),
            ),
            color=alt.Color("site_name:N", scale=colour_scale, legend=_legend(len(sites))),
            tooltip=[
                alt.Tooltip("site_name:N", title="Site"),
                alt.Tooltip("kpi_date:T", title="Day"),
                alt.Tooltip("day_offset:Q", title="Days since go-live"),
                alt.Tooltip("trailing_7_day_value:Q", title="Trailing 7 days", format=",.3f"),
                alt.Tooltip("baseline:Q", title="Baseline", format=",.3f"),
                alt.Tooltip("relative_to_baseline:Q", title="vs baseline", format=".1%"),
                alt.Tooltip("recovered_on:T", title="Recovered on"),
            ],
        )
    )
    if anomalies is not None and not anomalies.empty and not frame.empty:
        inside = anomalies[anomalies["day_offset"].between(frame["day_offset"].min(), frame["day_offset"].max())]
        if not inside.empty:
            layers.append(anomaly_markers(inside, x="day_offset", x_type="Q"))
            return alt.layer(*layers).resolve_scale(color="independent").properties(height=height)
    return alt.layer(*layers).properties(height=height)


def ramp(
    frame: pd.DataFrame,
    *,
    x: str,
    y: str,
    series: str,
    x_title: str,
    y_title: str | None,
    y_format: str,
    tooltip: Sequence[alt.Tooltip | str],
    colours: dict[str, str] | None = None,
    height: int = 240,
) -> alt.Chart:
    """One line per series against a count of periods since an event (weeks since go-live), not a date: the
    series share one axis from 0."""
    frame = guard(frame)
    present = sorted(frame[series].dropna().unique())
    colour_scale = _scale({name: colours[name] for name in present if name in colours}) if colours else alt.Undefined
    return (
        alt.Chart(frame)
        .mark_line(point=alt.OverlayMarkDef(size=30))
        .encode(
            x=alt.X(f"{x}:Q", title=x_title, axis=alt.Axis(tickMinStep=1, format="d")),
            y=alt.Y(f"{y}:Q", title=y_title, axis=alt.Axis(format=y_format), scale=alt.Scale(zero=False)),
            color=alt.Color(f"{series}:N", scale=colour_scale, legend=_legend(len(present))),
            tooltip=list(tooltip),
        )
        .properties(height=height)
    )


def share_bars(
    frame: pd.DataFrame,
    *,
    value: str,
    category: str,
    value_title: str,
    tooltip: Sequence[alt.Tooltip | str],
    category_title: str | None = None,
) -> alt.Chart:
    """Horizontal bars of a share (0 to 1, axis in percent), in the frame's order."""
    frame = guard(frame)
    return (
        alt.Chart(frame)
        .mark_bar(color=SERIES_PALETTE[0])
        .encode(
            x=alt.X(f"{value}:Q", title=value_title, axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1])),
            y=alt.Y(f"{category}:N", title=category_title, sort=None, axis=alt.Axis(labelLimit=200)),
            tooltip=list(tooltip),
        )
        .properties(height=alt.Step(CELL_STEP + 4))
    )


def bars(
    frame: pd.DataFrame,
    *,
    value: str,
    category: str,
    value_title: str,
    tooltip: Sequence[alt.Tooltip | str],
    colour: str | None = None,
    colours: dict[str, str] | None = None,
    category_title: str | None = None,
) -> alt.Chart:
    """Horizontal bars (stacked by ``colour``), longest first."""
    frame = guard(frame)
    encoding: dict[str, object] = {
        "x": alt.X(f"{value}:Q", title=value_title, axis=alt.Axis(tickMinStep=1, format=",d")),
        "y": alt.Y(f"{category}:N", title=category_title, sort="-x", axis=alt.Axis(labelLimit=200)),
        "tooltip": list(tooltip),
    }
    if colour:
        present = sorted(frame[colour].dropna().unique())
        scale = _scale({name: colours[name] for name in colours if name in present}) if colours else alt.Undefined
        encoding["color"] = alt.Color(f"{colour}:N", scale=scale, legend=_legend(len(present)))
    return alt.Chart(frame).mark_bar().encode(**encoding).properties(height=alt.Step(CELL_STEP + 4))
