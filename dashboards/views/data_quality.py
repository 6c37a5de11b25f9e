"""Data quality: what the extract contract refused or flagged, and how fresh each entity is."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from dashboards import charts, components, filters
from dashboards.queries import quality

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


def freshness_table(freshness: pd.DataFrame) -> pd.DataFrame:
    """Per entity: the verdict of marts.entity_freshness at the build's start, why, and what it was judged on."""
    return pd.DataFrame(
        {
            "Entity": freshness["entity"],
            "Status": ["fresh" if _is_fresh(row) else "stale" for row in freshness.itertuples()],
            "Why": [_why(row) for row in freshness.itertuples()],
            "Newest delivery": freshness["newest_file_name"],
            "Delivered": _instants(freshness["newest_file_modified_at"]),
            "Delivery age (h)": _hours(freshness["delivery_age_hours"]),
            "Newest event": _instants(freshness["newest_event_at"]),
            "Event age (h)": _hours(freshness["event_age_hours"]),
            "Dated by": freshness["event_column"].fillna("– (master data)"),
            "Files": _counts(freshness["current_file_count"], freshness.index),
            "Rows": _counts(freshness["row_count"], freshness.index),
        }
    )


def _is_fresh(row: object) -> bool:
    return bool(row.is_delivery_fresh and row.is_event_fresh)


def _why(row: object) -> str:
    """The reason for a stale verdict, in the mart's own figures; '–' for a fresh entity."""
    if not row.is_delivered:
        return "not delivered"
    reasons = []
    if not row.is_delivery_fresh:
        reasons.append(
            "no current delivery file"
            if pd.isna(row.delivery_age_hours)
            else f"newest delivery {row.delivery_age_hours:,.0f} h old (limit {row.delivery_max_age_hours:g} h)"
        )
    if not row.is_event_fresh:
        reasons.append(f"newest event {row.event_age_hours:,.0f} h old (limit {row.event_max_age_hours:g} h)")
    return "; ".join(reasons) or "–"


def _instants(values: pd.Series) -> list[str]:
    return ["–" if pd.isna(value) else f"{value:%Y-%m-%d %H:%M}" for value in values]


def _hours(values: pd.Series) -> list[str]:
    return ["–" if pd.isna(value) else f"{value:,.0f}" for value in values]


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
    issues = quality.data_quality_issues(include_superseded)
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
    if not components.require(["marts.entity_freshness"], "Freshness"):
        return
    freshness = quality.freshness()
    table = freshness_table(freshness)
    st.dataframe(
        components.style_status(components.blanks_as_dashes(table), "Status"),
        hide_index=True,
        width="stretch",
        height=38 + 35 * len(table),
    )
    if not freshness.empty:
        limits = freshness.iloc[0]
        st.caption(
            f"As of {limits['as_of_at']:%d %b %Y %H:%M} UTC, when the published build started (the same verdicts as "
            f"Dagster's freshness checks): stale when the newest current delivery file is more than "
            f"{limits['delivery_max_age_hours']:g} h old or the newest event more than "
            f"{limits['event_max_age_hours']:g} h old (OBSERVATORY_FRESHNESS_DELIVERY_HOURS / _EVENT_HOURS). "
            "Dated by: the column that dates the entity's rows; plan dates never do."
        )
    components.csv_download(table, "entity_freshness", "Download freshness (CSV)")


main()
