"""KPI dictionary: every KPI's definition, from marts.kpi_definitions (its one source is the dbt yml)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboards import components, data

# Columns of the download (and of the search), in the order a reader needs them.
COLUMNS = {
    "kpi_name": "KPI",
    "kpi": "Column value",
    "family": "Family",
    "formula": "Formula",
    "numerator_definition": "Numerator",
    "denominator_definition": "Denominator",
    "day_definition": "Day it belongs to",
    "direction": "Better when",
    "unit": "Unit",
    "aggregation": "Roll-up",
    "source_standard": "Source standard",
    "grain": "Grain",
    "entities_read": "Entities read",
    "target": "Target",
    "amber_threshold": "Amber threshold",
    "red_threshold": "Red threshold",
    "recovery_tolerance": "Recovery tolerance",
}
OVERVIEW = ["KPI", "Family", "Unit", "Better when", "Roll-up", "Target", "Source standard"]
# Where a reader finds the full text, in the project's repository (named, not linked: the app needs no network).
SOURCES = (
    "The contract these definitions implement: `docs/contract/KPIS.md` in the project's repository (its copy of "
    "the shared KPI contract). How the project reads it, and where targets, hypercare and rollout gates come "
    "from: `docs/kpis.md`."
)


def overview(table: pd.DataFrame, units: pd.Series) -> pd.DataFrame:
    return table.assign(
        Target=[components.format_value(value, unit) for value, unit in zip(table["Target"], units, strict=True)],
        **{"Better when": table["Better when"].map({"higher": "higher", "lower": "lower"}).fillna("")},
    )[OVERVIEW]


def definition(row: pd.Series) -> str:
    unit = row["unit"]
    if pd.notna(row.get("target")):
        at_least, beyond = ("at or above", "below") if row["direction"] == "higher" else ("at or below", "above")
        thresholds = (
            f"target {components.format_value(row['target'], unit)}; green {at_least} "
            f"{components.format_value(row['amber_threshold'], unit)}, red {beyond} "
            f"{components.format_value(row['red_threshold'], unit)}; recovered within "
            f"{row['recovery_tolerance']:.0%} of the pre-go-live baseline"
        )
    else:
        thresholds = "no target"
    roll_up = (
        "level: adds across sites; over a period, the period's last day"
        if row["aggregation"] == "level"
        else "sum of numerators over sum of denominators"
    )
    return "\n".join(
        [
            f"**Formula** — {row['formula']}",
            f"- **Numerator:** {row['numerator_definition']}",
            f"- **Denominator:** {row['denominator_definition']}",
            f"- **Day it belongs to:** {row['day_definition']}",
            f"- **Grain:** {row['grain']} · **unit:** {unit} · **{row['direction']} is better**",
            f"- **Roll-up:** {roll_up}",
            f"- **Thresholds:** {thresholds}",
            f"- **Source standard:** {row['source_standard']}",
            f"- **Reads:** {row['entities_read']} · column value `{row['kpi']}`",
        ]
    )


def main() -> None:
    components.header(
        "KPI dictionary",
        "What exactly does each KPI count? Definitions follow WERC DC Measures, ASCM SCOR and APQC where a "
        "standard exists; roll-ups are always sum(numerator) / sum(denominator).",
    )
    st.caption(SOURCES)
    if not components.require(["marts.kpi_definitions"], "The KPI dictionary"):
        return
    dictionary = data.kpi_dictionary()
    left, right = st.columns([1, 2])
    families = left.multiselect(
        "Family", sorted(dictionary["family"].dropna().unique()), key="dictionary_family", placeholder="All families"
    )
    search = right.text_input("Search", key="dictionary_search", placeholder="e.g. backlog, WERC, hours")
    shown = dictionary
    if families:
        shown = shown[shown["family"].isin(families)]
    if search:
        text = shown[list(COLUMNS)].astype(str).agg(" ".join, axis=1)
        shown = shown[text.str.contains(search, case=False, regex=False)]
    st.caption(f"{len(shown)} of {len(dictionary)} KPIs.")
    table = shown[list(COLUMNS)].rename(columns=COLUMNS)
    st.dataframe(overview(table, shown["unit"]), hide_index=True, width="stretch", height=38 + 35 * len(table))
    components.csv_download(table, "kpi_dictionary", "Download the dictionary (CSV)")

    st.subheader("Definitions")
    for _, row in shown.iterrows():
        with st.expander(f"{row['kpi_name']} — {row['formula']}"):
            st.markdown(definition(row))


main()
