"""Data quality: what the extract contract refused or flagged, and how fresh each entity is."""

from __future__ import annotations

import datetime as dt

import altair as alt
import pandas as pd
import streamlit as st

from dashboards import charts, components, data, filters

CATEGORIES = {
    "rejected_row": "Rejected rows",
    "rejected_file": "Rejected files",
    "malformed_line": "Malformed lines",
    "flagged_value": "Flagged values (nulled)",
    "unmapped_code": "Unmapped codes",
    "orphan": "Orphan references",
    "superseded_version": "Superseded versions",
}
CATEGORY_COLOURS = {
    "Rejected rows": "#c62828",
    "Rejected files": "#8e0000",
    "Malformed lines": "#ef5350",
    "Flagged values (nulled)": "#f0a202",
    "Unmapped codes": "#7b1fa2",
    "Orphan references": "#1f77b4",
    "Superseded versions": "#b0b0b0",
}
STALE_AFTER_DAYS = 2


def freshness_table(freshness: pd.DataFrame, data_through_date: dt.date) -> pd.DataFrame:
    """Per entity: rows, delivery files, latest file, last event and how many days it lags the data."""
    last_events = freshness.get("last_event_date", pd.Series(None, index=freshness.index, dtype="object"))
    behind = [None if pd.isna(day) else max(0, (data_through_date - day).days) for day in last_events]
    status = [
        "not published" if not published else "–" if days is None else "stale" if days > STALE_AFTER_DAYS else "fresh"
        for published, days in zip(freshness["is_published"], behind, strict=True)
    ]
    return pd.DataFrame(
        {
            "Entity": freshness["entity"],
            "Status": status,
            "Last event": ["–" if pd.isna(day) else f"{day:%Y-%m-%d}" for day in last_events],
            "Days behind": ["–" if days is None else str(days) for days in behind],
            "Latest delivery": freshness.get("latest_file", pd.Series(None, index=freshness.index, dtype="object")),
            "Files": _counts(freshness.get("files"), freshness.index),
            "Rows": _counts(freshness.get("row_count"), freshness.index),
            "Dated by": freshness["event_column"].fillna("– (master data)"),
        }
    )


def _counts(values: pd.Series | None, index: pd.Index) -> list[str]:
    """Counts as text with '–' where an entity has none (a table would print a literal 'None')."""
    if values is None:
        return ["–"] * len(index)
    return ["–" if pd.isna(value) else f"{int(value):,}" for value in values]


def main() -> None:
    current = filters.active()
    components.header(
        "Data quality",
        "What did the extract contract refuse or flag, where, and is every entity delivered up to date?",
        current,
        scope="region, site and date filters do not apply: issues are counted per delivery file",
    )
    if not components.require(["marts.data_quality"], "The data-quality report"):
        return
    include_superseded = st.toggle(
        "Include superseded versions",
        key="quality_superseded",
        help="Rows replaced by a later delivery of the same key: history, not an error.",
    )
    issues = data.data_quality_issues(include_superseded)
    issues["category"] = issues["issue_category"].map(CATEGORIES).fillna(issues["issue_category"])
    issues["load_date"] = pd.to_datetime(issues["load_date"]).dt.date
    totals = issues.groupby("category", sort=False)["issue_count"].sum()
    for start in range(0, len(totals), 4):
        for column, (category, count) in zip(st.columns(4), list(totals.items())[start : start + 4], strict=False):
            column.metric(category, f"{int(count):,}", border=True)
    if issues.empty:
        st.success("No rejected, flagged, unmapped or orphan row in the current deliveries.")

    left, right = st.columns([2, 3])
    with left:
        st.subheader("By entity")
        by_entity = issues.groupby(["entity", "category"], as_index=False)["issue_count"].sum()
        if not by_entity.empty:
            st.altair_chart(
                charts.bars(
                    by_entity,
                    value="issue_count",
                    category="entity",
                    value_title="Rows with an issue",
                    colour="category",
                    colours={
                        name: colour for name, colour in CATEGORY_COLOURS.items() if name in set(by_entity["category"])
                    },
                    tooltip=[
                        alt.Tooltip("entity:N", title="Entity"),
                        alt.Tooltip("category:N", title="Category"),
                        alt.Tooltip("issue_count:Q", title="Rows", format=","),
                    ],
                ),
                width="stretch",
            )
    with right:
        st.subheader("By reason")
        by_reason = (
            issues.groupby(["entity", "category", "column_name", "reason"], as_index=False, dropna=False)
            .agg(issue_count=("issue_count", "sum"), files=("file_name", "nunique"), example=("example_value", "min"))
            .sort_values("issue_count", ascending=False)
        )
        st.dataframe(
            components.blanks_as_dashes(
                by_reason[["issue_count", "entity", "column_name", "reason", "category", "files", "example"]]
            ).rename(
                columns={
                    "issue_count": "Rows",
                    "entity": "Entity",
                    "column_name": "Column",
                    "reason": "Reason",
                    "category": "Category",
                    "files": "Files",
                    "example": "Example value",
                }
            ),
            hide_index=True,
            width="stretch",
            height=min(38 + 35 * len(by_reason), 420),
        )

    st.subheader("By delivery file")
    by_file = issues[
        ["issue_count", "entity", "file_name", "column_name", "reason", "category", "example_value", "load_date"]
    ]
    st.dataframe(
        components.blanks_as_dashes(by_file).rename(
            columns={
                "entity": "Entity",
                "file_name": "File",
                "load_date": "Loaded",
                "category": "Category",
                "column_name": "Column",
                "reason": "Reason",
                "issue_count": "Rows",
                "example_value": "Example value",
            }
        ),
        hide_index=True,
        width="stretch",
        height=min(38 + 35 * len(by_file), 420),
    )
    components.csv_download(by_file, "data_quality_issues", "Download issues by file (CSV)")

    st.subheader("Freshness")
    data_through_date = data.kpi_date_range()[2]
    freshness = freshness_table(data.freshness(), data_through_date)
    st.dataframe(
        components.style_status(components.blanks_as_dashes(freshness), "Status"),
        hide_index=True,
        width="stretch",
        height=38 + 35 * len(freshness),
    )
    st.caption(
        "Last event: the latest value of the column that dates the entity's rows; stale when more than "
        f"{STALE_AFTER_DAYS} days before the data's last day ({data_through_date:%d %b %Y}). Latest delivery: the "
        "last file (by name) with rows in staging."
    )
    components.csv_download(freshness, "entity_freshness", "Download freshness (CSV)")


main()
