"""Finance close: does the month-end close get faster and steadier after go-live, per legal entity?"""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from dashboards import charts, components, filters
from dashboards.queries import finance, reference, trends

PHASES = ["before go-live", "during rollout", "after go-live"]
CHART_HEIGHT = 300  # the plot and its legend (one legal entity a line, below it)
# Every period chart shares this y-axis label width, so the four charts' plot areas line up.
Y_AXIS_WIDTH = 48


def entity_labels(sites: pd.DataFrame) -> dict[str, str]:
    """A legal entity as shown: its code with the regions of its sites ('LE_DE (Europe)'). The contract has
    no legal-entity names (sites.legal_entity is a code), so none is invented here."""
    regions = sites.dropna(subset=["legal_entity"]).groupby("legal_entity")["region"]
    return {
        entity: f"{entity} ({', '.join(sorted(set(names.dropna())))})" if names.notna().any() else entity
        for entity, names in regions
    }


def period_chart(
    periods: pd.DataFrame,
    y: str,
    title: str,
    y_format: str,
    go_lives: pd.DataFrame,
    colours: dict[str, str],
    domain: tuple[pd.Timestamp, pd.Timestamp],
    references: dict[str, float] | None = None,
) -> alt.LayerChart:
    """One line per legal entity by period end on a shared time axis; the go-live markers of the
    selected sites (charts.markers) inside the periods shown; optional horizontal reference lines (the
    days-to-close target and red threshold)."""
    frame = charts.guard(periods.dropna(subset=[y]))
    scale = alt.Scale(domain=list(colours), range=list(colours.values()))
    x = alt.X(
        "period_end_date:T",
        title=None,
        axis=alt.Axis(format="%b %Y", tickCount="month"),
        scale=alt.Scale(domain=[domain[0].isoformat(), domain[1].isoformat()]),
    )
    lines = (
        alt.Chart(frame)
        .mark_line(point=alt.OverlayMarkDef(size=45, filled=True))
        .encode(
            x=x,
            y=alt.Y(f"{y}:Q", title=None, axis=alt.Axis(format=y_format, minExtent=Y_AXIS_WIDTH)),
            color=alt.Color(
                "entity_label:N", scale=scale, legend=alt.Legend(orient="bottom", title=None, labelLimit=300, columns=1)
            ),
            tooltip=[
                alt.Tooltip("entity_label:N", title="Legal entity"),
                alt.Tooltip("period:N", title="Period"),
                alt.Tooltip(f"{y}:Q", title=title, format=y_format),
                alt.Tooltip("phase:N", title="Phase"),
                alt.Tooltip("is_closed:N", title="Closed"),
            ],
        )
    )
    inside = go_lives[go_lives["marker_date"].between(domain[0], domain[1])]
    layers: list[alt.Chart | alt.LayerChart] = [charts.markers(inside)] if not inside.empty else []
    rules = charts.reference_rules(references, y_format=y_format, value_title="Days")
    if rules is not None:
        layers.append(rules)
    return (
        alt.layer(*layers, lines)
        .resolve_scale(strokeDash="independent")
        .properties(height=CHART_HEIGHT, title=alt.TitleParams(title, anchor="start", fontSize=14))
    )


def before_after(periods: pd.DataFrame) -> pd.DataFrame:
    """Per legal entity and phase: closed periods, mean days to close, on-time task rate (sum over sum of the
    mart's counts), adjustments after close per closed period. Text cells, '–' where there is nothing."""
    closed = periods[periods["is_closed"]]
    rows = []
    for (entity, phase), group in periods.groupby(["entity_label", "phase"], sort=False):
        closed_group = closed[(closed["entity_label"] == entity) & (closed["phase"] == phase)]
        adjustments = closed_group["post_close_adjustments"].dropna()
        rows.append(
            {
                "Legal entity": entity,
                "Phase": phase,
                "Periods": len(group),
                "Closed periods": len(closed_group),
                "Mean days to close": f"{closed_group['close_days'].mean():.1f}" if len(closed_group) else "–",
                "On-time task rate": f"{group['on_time_task_count'].sum() / group['task_count'].sum():.0%}",
                "Late tasks": int(group["late_task_count"].sum()),
                "Adjustments after close (mean)": f"{adjustments.mean():.1f}" if len(adjustments) else "–",
            }
        )
    table = pd.DataFrame(rows)
    if table.empty:
        return table
    table["Phase"] = pd.Categorical(table["Phase"], PHASES, ordered=True)
    return table.sort_values(["Legal entity", "Phase"])


def show_latest(latest: pd.DataFrame) -> None:
    """A tile per legal entity: days to close of its latest closed period, its status and the bands."""
    for column, row in zip(st.columns(max(1, len(latest))), latest.itertuples(), strict=False):
        with column, st.container(border=True):
            st.markdown(f"**{row.entity_label}**")
            st.metric(
                f"{row.entity_label} days to close",
                f"{int(row.close_days)} days",
                label_visibility="collapsed",
                help="Calendar days from the period's last day to its last close task (APQC days to close).",
            )
            st.caption(
                components.band_text("lower", row.close_days_target, row.close_days_red_threshold, "days")
                + f" · to close {row.period}"
            )
            components.rag_badge(row.close_status)
            stability = "–" if pd.isna(row.close_days_stddev_6) else f"± {row.close_days_stddev_6:.1f} days"
            st.caption(
                f"stability (6-month std dev) {stability} · tasks on time {row.on_time_task_rate:.0%} · "
                f"{int(row.late_task_count)} late"
            )


def show_late_tasks(late: pd.DataFrame, labels: dict[str, str]) -> None:
    """Late close tasks by legal entity and task name (marts.close_late_tasks), with the rows behind them."""
    if late.empty:
        st.success("No close task was late in these periods.")
        return
    late = late.assign(entity_label=late["legal_entity"].map(labels).fillna(late["legal_entity"]))
    counts = late.groupby(["entity_label", "task_name"], as_index=False).agg(late_tasks=("task_name", "size"))
    st.altair_chart(
        charts.bars(
            counts,
            value="late_tasks",
            category="task_name",
            value_title="Late tasks (all periods shown)",
            colour="entity_label",
            colours=charts.series_colours(list(labels.values())),
            tooltip=[
                alt.Tooltip("entity_label:N", title="Legal entity"),
                alt.Tooltip("task_name:N", title="Task"),
                alt.Tooltip("late_tasks:Q", title="Late tasks"),
            ],
        ).properties(title=alt.TitleParams("Late close tasks by task and legal entity", anchor="start", fontSize=14)),
        width="stretch",
    )
    shown = pd.DataFrame(
        {
            "Legal entity": late["entity_label"],
            "Period": late["period"],
            "Task": late["task_name"],
            "Due": [f"{due:%d %b %Y %H:%M}" for due in late["due_at"]],
            "Completed": ["still open" if pd.isna(done) else f"{done:%d %b %Y %H:%M}" for done in late["completed_at"]],
            "Late by": [f"{int(hours)} h" if hours < 24 else f"{hours / 24:.1f} days" for hours in late["hours_late"]],
        }
    )
    st.dataframe(shown, hide_index=True, width="stretch", height=min(38 + 35 * len(shown), 420))
    components.csv_download(
        late.drop(columns=["entity_label"]), "finance_close_late_tasks", "Download late tasks (CSV)"
    )


def main() -> None:
    current = filters.active()
    components.header(
        "Finance close",
        "Does the month-end close get faster, steadier and cleaner once a legal entity's sites are live, and "
        "which close tasks run late?",
        current,
        scope="legal entities of the selected sites; every close period through the end of the period",
    )
    if components.no_sites(current) or not components.require(["marts.close_period"], "The finance close"):
        return
    periods = finance.close_periods(list(current.site_ids), current.end_date)
    if periods.empty:
        st.info("No close period for the selected legal entities.")
        return
    labels = entity_labels(reference.sites())
    periods["entity_label"] = periods["legal_entity"].map(labels).fillna(periods["legal_entity"])
    periods["period_end_date"] = pd.to_datetime(periods["period_end_date"])
    go_lives = trends.go_live_markers(list(current.site_ids))
    colours = charts.series_colours(list(labels.values()))
    colours = {label: colours[label] for label in sorted(periods["entity_label"].unique()) if label in colours}
    st.caption(
        "Legal entities by their code and the regions of their sites: the extract contract carries no legal-entity "
        "names. Days to close: calendar days from the period's last day to its last close task."
    )
    show_latest(periods[periods["is_closed"]].sort_values("period").groupby("legal_entity").tail(1))

    st.subheader("Close periods")
    st.caption(
        "Dotted vertical lines: the go-live days of the selected sites, labelled with their wave. Days to close: "
        "the long-dashed line is the target, the shorter-dashed line the red threshold, as on the Site scorecard "
        "(kpi targets, `days_to_close`). Open periods have no days to close yet."
    )
    benchmark = components.benchmark_text(trends.benchmark_bands(), "days_to_close", "lower", "days")
    if benchmark:
        st.caption(f"Published benchmark for days to close: {benchmark}. For reference; the status follows the target.")
    domain = (periods["period_end_date"].min(), periods["period_end_date"].max())
    target = periods[["close_days_target", "close_days_red_threshold"]].dropna().head(1)
    references = (
        {
            "target": target["close_days_target"].iloc[0],
            "red threshold": target["close_days_red_threshold"].iloc[0],
        }
        if not target.empty
        else None
    )
    charts_to_draw = [
        ("close_days", "Days to close", ",.0f", references),
        ("close_days_stddev_6", "Stability: std dev of days to close, 6 months", ",.1f", None),
        ("on_time_task_rate", "On-time task rate", ".0%", None),
        ("post_close_adjustments", "Adjustments posted after close", ",.0f", None),
    ]
    for start in range(0, len(charts_to_draw), 2):
        for column, (y, title, y_format, marks) in zip(st.columns(2), charts_to_draw[start : start + 2], strict=True):
            with column:
                st.altair_chart(
                    period_chart(periods, y, title, y_format, go_lives, colours, domain, marks), width="stretch"
                )

    st.subheader("Late tasks")
    if components.require(["marts.close_late_tasks"], "Late tasks"):
        st.caption(
            "A task is late when completed after its due time, or still open although due before the last close "
            "activity in the data."
        )
        show_late_tasks(finance.close_late_tasks(list(current.site_ids), current.end_date), labels)

    st.subheader("Before and after go-live")
    summary = before_after(periods)
    st.dataframe(summary, hide_index=True, width="stretch")
    st.caption(
        "Before go-live: periods ending before the entity's first site went live; after: periods starting once "
        "all its sites are live. On-time rate is on-time tasks over all tasks of the phase."
    )
    components.csv_download(
        periods[
            [
                "legal_entity",
                "period",
                "phase",
                "is_closed",
                "close_days",
                "close_days_target",
                "close_days_red_threshold",
                "close_status",
                "close_days_stddev_6",
                "task_count",
                "on_time_task_count",
                "late_task_count",
                "on_time_task_rate",
                "post_close_adjustments",
            ]
        ],
        "finance_close_periods",
        "Download close periods (CSV)",
    )


main()
