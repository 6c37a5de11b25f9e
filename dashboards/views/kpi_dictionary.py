"""KPI dictionary: every KPI's definition, from marts.kpi_definitions (its one source is the dbt yml)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboards import components
from dashboards.queries import reference, trends

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
    "amber_threshold": "Amber from",
    "red_threshold": "Red beyond",
    "needs_go_live": "Needs go-live",
    "recovery_tolerance": "Recovery tolerance",
    "recovery_min_tolerance": "Minimum recovery band",
}
OVERVIEW = ["KPI", "Family", "Unit", "Better when", "Roll-up", "Status bands", "Published benchmark", "Source standard"]
# The status rule and the recovery rule in words (docs/kpis.md "Targets and status", "Hypercare").
RULES = (
    "**Status** (the marts' rule, `macros/kpi/rag_status.sql`): **on track** at or better than the target; **at "
    "risk** (amber) worse than the target but at or better than the red threshold; **off track** (red) beyond it. "
    "Adoption KPIs (they need the new system) read **not live** at a site before its go-live. **Recovered** after "
    "go-live: the trailing 7 days within the recovery band of the pre-go-live baseline for 7 days in a row; the "
    "band is the larger of the recovery tolerance × baseline and the KPI's minimum recovery band, and a "
    "higher-is-better KPI whose baseline is 0 is not tracked for recovery."
)
# Where a reader finds the full text, in the project's repository (named, not linked: the app needs no network).
SOURCES = (
    "The contract these definitions implement: `docs/contract/KPIS.md` in the project's repository (its copy of "
    "the shared KPI contract). How the project reads it, and where targets, hypercare and rollout gates come "
    "from: `docs/kpis.md`."
)


def overview(table: pd.DataFrame, units: pd.Series, bands: pd.DataFrame) -> pd.DataFrame:
    return table.assign(
        **{
            "Published benchmark": [
                components.benchmark_text(bands, kpi, direction, unit) or "–"
                for kpi, direction, unit in zip(table["Column value"], table["Better when"], units, strict=True)
            ],
            "Status bands": [
                components.band_text(direction, target, red, unit)
                for direction, target, red, unit in zip(
                    table["Better when"], table["Target"], table["Red beyond"], units, strict=True
                )
            ],
            "Better when": table["Better when"].map({"higher": "higher", "lower": "lower"}).fillna(""),
        },
    )[OVERVIEW]


def definition(row: pd.Series, bands: pd.DataFrame) -> str:
    unit = row["unit"]
    if pd.notna(row.get("target")):
        minimum = row.get("recovery_min_tolerance")
        thresholds = (
            components.band_text(row["direction"], row["target"], row["red_threshold"], unit)
            + f"; recovered within {row['recovery_tolerance']:.0%} of the pre-go-live baseline"
            + ("" if pd.isna(minimum) else f", at least {components.format_value(minimum, unit)}")
        )
    else:
        thresholds = "no target"
    if row.get("needs_go_live"):
        thresholds += "; needs the new system: 'not live' before a site's go-live"
    roll_up = (
        "level: adds across sites; over a period, the period's last day"
        if row["aggregation"] == "level"
        else "sum of numerators over sum of denominators"
    )
    benchmark = components.benchmark_text(bands, row["kpi"], row["direction"], unit)
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
            f"- **Published benchmark:** {benchmark or 'none public'}",
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
    dictionary = reference.kpi_dictionary()
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
    st.markdown(RULES)
    st.caption(f"{len(shown)} of {len(dictionary)} KPIs.")
    table = shown[list(COLUMNS)].rename(columns=COLUMNS)
    bands = trends.benchmark_bands()
    st.dataframe(overview(table, shown["unit"], bands), hide_index=True, width="stretch", height=38 + 35 * len(table))
    components.csv_download(table, "kpi_dictionary", "Download the dictionary (CSV)")

    st.subheader("Definitions")
    for _, row in shown.iterrows():
        with st.expander(f"{row['kpi_name']} — {row['formula']}"):
            st.markdown(definition(row, bands))
    show_measures()
    show_benchmarks(bands, dict(zip(dictionary["kpi"], dictionary["unit"], strict=True)))


# --- Project measures: numbers the pages show that are not contract KPIs (marts.measure_definitions) ------------


def show_measures() -> None:
    st.subheader("Project measures")
    st.caption(
        "Measures this project adds beside the KPIs, for reading them, not for a status: none of them is a "
        "contract KPI, so none has a target, a tile or a row in the daily KPIs. Defined in `docs/kpis.md`."
    )
    if not components.require(["marts.measure_definitions"], "The project measures"):
        return
    measures = reference.measure_dictionary()
    if measures.empty:
        st.info("This warehouse defines no project measure.")
        return
    for _, row in measures.iterrows():
        where = f"{components.relation_words(row['relation'])}, column `{row['column_name']}`"
        with st.expander(f"{row['measure_name']} — {row['formula']}"):
            st.markdown(
                "\n".join(
                    [
                        f"**Formula** — {row['formula']}",
                        f"- **Definition:** {row['definition']}",
                        f"- **Grain:** {row['grain']} · **unit:** {row['unit']} · **{row['direction']} is better**",
                        f"- **Published in:** {where}",
                    ]
                )
            )
    components.csv_download(measures, "project_measures", "Download the project measures (CSV)")


# --- Published benchmarks: every row of seeds/reference/benchmark_bands.csv, public or member-only ------------


def show_benchmarks(bands: pd.DataFrame, units: dict[str, str]) -> None:
    st.subheader("Published benchmarks")
    st.caption(
        "Public figures beside a KPI for reference (WERC DC Measures best in class, APQC monthly close quartiles); "
        "a dash where only the publisher's member report has the figure. Statuses follow the targets above. "
        "Source: `seeds/reference/benchmark_bands.csv`."
    )
    if bands.empty:
        st.info("This warehouse has no benchmark bands yet. Re-publish it with `observatory run`.")
        return
    shown = pd.DataFrame(
        {
            "KPI": bands["kpi"],
            "Band": bands["band"].str.replace("_", " "),
            "Value": [
                "–" if pd.isna(value) else f"{value:.2%}" if units.get(kpi) == "ratio" else f"{value:g}"
                for kpi, value in zip(bands["kpi"], bands["value"], strict=True)
            ],
            "Source": bands["source"],
            "Year": bands["year"].astype(str),
            "Verified": bands["is_verified"].map({True: "yes", False: "no"}),
        }
    )
    st.dataframe(shown, hide_index=True, width="stretch")
    components.csv_download(shown, "benchmark_bands", "Download the benchmarks (CSV)")


main()
