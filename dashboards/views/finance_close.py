"""Finance close: does the month-end close get faster and steadier after go-live, per legal entity?"""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from dashboards import charts, components, data, filters

PHASES = ["before go-live", "during rollout", "after go-live"]


def period_chart(
    periods: pd.DataFrame, y: str, title: str, y_format: str, go_lives: pd.DataFrame, colours: dict[str, str]
) -> alt.LayerChart:
    """One line per legal entity by period end; a dashed rule at the entity's first go-live."""
    frame = charts.guard(periods.dropna(subset=[y]))
    scale = alt.Scale(domain=list(colours), range=list(colours.values()))
    lines = (
        alt.Chart(frame)
        .mark_line(point=alt.OverlayMarkDef(size=45, filled=True))
        .encode(
            x=alt.X("period_end_date:T", title=None, axis=alt.Axis(format="%b %Y", tickCount="month")),
            y=alt.Y(f"{y}:Q", title=title, axis=alt.Axis(format=y_format)),
            color=alt.Color("legal_entity:N", scale=scale, legend=alt.Legend(orient="bottom", title=None)),
            tooltip=[
                alt.Tooltip("legal_entity:N", title="Legal entity"),
                alt.Tooltip("period:N", title="Period"),
                alt.Tooltip(f"{y}:Q", title=title, format=y_format),
                alt.Tooltip("phase:N", title="Phase"),
                alt.Tooltip("is_closed:N", title="Closed"),
            ],
        )
    )
    rules = (
        alt.Chart(charts.guard(go_lives))
        .mark_rule(strokeDash=[4, 4])
        .encode(
            x="go_live_date:T",
            color=alt.Color("legal_entity:N", scale=scale),
            tooltip=[
                alt.Tooltip("legal_entity:N", title="Legal entity"),
                alt.Tooltip("go_live_date:T", title="First go-live"),
            ],
        )
    )
    return alt.layer(rules, lines).properties(height=240)


def before_after(periods: pd.DataFrame) -> pd.DataFrame:
    """Per legal entity and phase: closed periods, mean days to close, on-time task rate (sum over sum),
    adjustments after close per closed period, latest stability."""
    closed = periods[periods["is_closed"]]
    rows = []
    for (entity, phase), group in periods.groupby(["legal_entity", "phase"], sort=False):
        closed_group = closed[(closed["legal_entity"] == entity) & (closed["phase"] == phase)]
        rows.append(
            {
                "Legal entity": entity,
                "Phase": phase,
                "Periods": len(group),
                "Closed periods": len(closed_group),
                "Mean days to close": closed_group["close_days"].mean() if len(closed_group) else None,
                "On-time task rate": group["on_time_tasks"].sum() / group["task_count"].sum(),
                "Adjustments after close (mean)": closed_group["post_close_adjustments"].mean()
                if closed_group["post_close_adjustments"].notna().any()
                else None,
            }
        )
    table = pd.DataFrame(rows)
    if table.empty:
        return table
    table["Phase"] = pd.Categorical(table["Phase"], PHASES, ordered=True)
    return table.sort_values(["Legal entity", "Phase"])


def main() -> None:
    current = filters.active()
    components.header(
        "Finance close",
        "Does the month-end close get faster, steadier and cleaner once a legal entity's sites are live?",
        current,
        scope="legal entities of the selected sites; every close period through the end of the period",
    )
    if components.no_sites(current) or not components.require(["marts.close_period"], "The finance close"):
        return
    periods = data.close_periods(list(current.site_ids), current.end_date)
    if periods.empty:
        st.info("No close period for the selected legal entities.")
        return
    periods["period_end_date"] = pd.to_datetime(periods["period_end_date"])
    go_lives = (
        periods[["legal_entity", "first_go_live_date"]]
        .drop_duplicates()
        .dropna()
        .rename(columns={"first_go_live_date": "go_live_date"})
    )
    colours = charts.series_colours(periods["legal_entity"].unique().tolist())
    latest = periods[periods["is_closed"]].sort_values("period").groupby("legal_entity").tail(1)
    for column, row in zip(st.columns(max(1, len(latest))), latest.itertuples(), strict=False):
        with column, st.container(border=True):
            st.markdown(f"**{row.legal_entity}**")
            st.metric(
                f"{row.legal_entity} days to close",
                f"{int(row.close_days)} days",
                label_visibility="collapsed",
                help="Calendar days from the period's last day to its last close task (APQC days to close).",
            )
            stability = "–" if pd.isna(row.close_days_stddev_6) else f"± {row.close_days_stddev_6:.1f} days"
            st.caption(
                f"to close {row.period} · stability (6-month std dev) {stability} · "
                f"tasks on time {row.on_time_task_rate:.0%}"
            )

    st.caption("Dashed lines: the legal entity's first site go-live. Open periods have no days to close yet.")
    charts_to_draw = [
        ("close_days", "Days to close", ",.0f"),
        ("close_days_stddev_6", "Std dev, 6 months (days)", ",.1f"),
        ("on_time_task_rate", "On-time task rate", ".0%"),
        ("post_close_adjustments", "Adjustments after close", ",.0f"),
    ]
    for start in range(0, len(charts_to_draw), 2):
        for column, (y, title, y_format) in zip(st.columns(2), charts_to_draw[start : start + 2], strict=True):
            with column:
                st.altair_chart(period_chart(periods, y, title, y_format, go_lives, colours), width="stretch")

    st.subheader("Before and after go-live")
    summary = before_after(periods)
    st.dataframe(
        summary,
        hide_index=True,
        width="stretch",
        column_config={
            "Mean days to close": st.column_config.NumberColumn(format="%.1f"),
            "On-time task rate": st.column_config.NumberColumn(format="percent"),
            "Adjustments after close (mean)": st.column_config.NumberColumn(format="%.1f"),
        },
    )
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
                "close_days_stddev_6",
                "task_count",
                "on_time_task_rate",
                "post_close_adjustments",
            ]
        ],
        "finance_close_periods",
        "Download close periods (CSV)",
    )


main()
