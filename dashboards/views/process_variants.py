"""Process variants: which paths do a site's orders really take, which follow the standard, which are approved
local variations, and which workarounds should be approved or fixed?"""

from __future__ import annotations

import math

import altair as alt
import pandas as pd
import streamlit as st

from dashboards import charts, components, filters
from dashboards.queries import process, reference, trends

SITE_PARAMETER = "variants_site"
COVERAGE_PARAMETER = "variants_coverage"
TRENDED_VARIANTS = 5
CANDIDATE_SHARE = 0.05
STANDARD_EDGE_COLOUR = "#1f4e79"
OTHER_EDGE_COLOUR = "#d9534f"


def conformance_words(standard: bool, approved: bool, candidate: bool) -> str:
    """How a variant stands against the standard and the site's approved variations."""
    if standard:
        return "standard"
    if approved:
        return "approved variation"
    if candidate:
        return "unapproved, above 5 %: approve or fix"
    return "unapproved"


def covering(variants: pd.DataFrame, coverage: float) -> pd.DataFrame:
    """The most frequent variants until together they cover ``coverage`` of the cases (the one crossing it
    included)."""
    return variants[variants["cumulative_case_share"] - variants["case_share"] < coverage - 1e-12]


def variant_table(variants: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Rank": variants["variant_rank"],
            "Variant": variants["variant_id"],
            "Conformance": [
                conformance_words(standard, approved, candidate)
                for standard, approved, candidate in zip(
                    variants["is_standard_variant"],
                    variants["is_approved_variation"],
                    variants["is_approval_candidate"],
                    strict=True,
                )
            ],
            "Cases": variants["cases"],
            "Share": [components.format_value(share, "ratio") for share in variants["case_share"]],
            "Cumulative": [components.format_value(share, "ratio") for share in variants["cumulative_case_share"]],
            "Governed-conforming cases": variants["governed_conforming_cases"].astype("int64"),
            "Median h": variants["median_throughput_hours"].round(1),
            "p90 h": variants["p90_throughput_hours"].round(1),
            "Activities": variants["variant"],
        }
    )


def dot_graph(edges: pd.DataFrame, standard: list[str]) -> str:
    """A DOT digraph of the directly-follows edges: the standard's edges solid blue, the others dashed red, each
    labelled with its transitions; standard activities as boxes, others as ellipses."""
    if edges.empty:
        return "digraph { }"
    heaviest = max(int(edges["transitions"].max()), 1)
    activities = sorted(set(edges["from_activity"]) | set(edges["to_activity"]), key=_step_order(standard))
    lines = ["digraph {", '  rankdir="TB";', '  node [fontname="Helvetica", fontsize=11];', "  edge [fontsize=10];"]
    for activity in activities:
        shape = "box" if activity in standard else "ellipse"
        fill = "#e8f0f8" if activity in standard else "#fbe5e4"
        lines.append(f'  "{_quoted(activity)}" [shape={shape}, style=filled, fillcolor="{fill}"];')
    for row in edges.itertuples(index=False):
        width = 1 + 4 * math.log1p(row.transitions) / math.log1p(heaviest)
        style = (
            f'color="{STANDARD_EDGE_COLOUR}"'
            if row.is_standard_edge
            else f'color="{OTHER_EDGE_COLOUR}", style=dashed, fontcolor="{OTHER_EDGE_COLOUR}"'
        )
        lines.append(
            f'  "{_quoted(row.from_activity)}" -> "{_quoted(row.to_activity)}" '
            f'[label="{row.transitions:,}", penwidth={width:.1f}, {style}];'
        )
    lines.append("}")
    return "\n".join(lines)


def _quoted(text: str) -> str:
    return str(text).replace("\\", "\\\\").replace('"', '\\"')


def _step_order(standard: list[str]):
    def key(activity: str) -> tuple[int, str]:
        return (standard.index(activity), "") if activity in standard else (len(standard), activity)

    return key


def show_compliance(site_id: str, current: filters.Filters) -> None:
    values = process.compliance(site_id, current.start_date, current.end_date).set_index("kpi")
    plain = values["value"].get("process_compliance")
    governed = values["value"].get("governed_process_compliance")
    left, right = st.columns(2)
    left.metric(
        "Process compliance",
        components.format_value(plain, "ratio"),
        help="The contract's KPI: completed cases that followed the standard lifecycle.",
    )
    right.metric(
        "Governed process compliance",
        components.format_value(governed, "ratio"),
        delta=None if plain is None or governed is None else f"{(governed - plain) * 100:+.1f} pp approved variations",
        delta_color="off",
        help="A project KPI: completed cases that followed the standard or only an approved local variation "
        "valid on their completion day.",
    )


def show_trend(weekly: pd.DataFrame, variants: pd.DataFrame, site_id: str) -> None:
    top = variants.head(TRENDED_VARIANTS)
    names = {
        row.variant_id: f"#{row.variant_rank} {row.variant_id} ({conformance_words(row.is_standard_variant, row.is_approved_variation, row.is_approval_candidate)})"  # noqa: E501
        for row in top.itertuples(index=False)
    }
    shown = weekly.assign(series=weekly["variant_id"].map(names).fillna("other variants"))
    shown = shown.groupby(["iso_week", "week_start_date", "series"], as_index=False).agg(
        cases=("cases", "sum"), site_cases=("site_cases", "max")
    )
    shown["case_share"] = shown["cases"] / shown["site_cases"]
    st.altair_chart(
        charts.trend(
            shown,
            x="week_start_date",
            y="case_share",
            series="series",
            y_title="Share of the week's cases",
            y_format=".0%",
            tooltip=[
                alt.Tooltip("series:N", title="Variant"),
                alt.Tooltip("iso_week:N", title="Week"),
                alt.Tooltip("cases:Q", title="Cases"),
                alt.Tooltip("case_share:Q", title="Share", format=".1%"),
            ],
            go_lives=trends.go_live_markers([site_id]),
            height=240,
        ),
        width="stretch",
    )


def approvals_table(approvals: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Variation": approvals["variation_id"],
            "Type": approvals["variation_type"],
            "Activity": [
                activity if pd.isna(other) else f"{activity} ⇄ {other}"
                for activity, other in zip(approvals["activity"], approvals["other_activity"], strict=True)
            ],
            "Reason": approvals["reason_category"].str.replace("_", " "),
            "Approved by": approvals["approved_by"],
            "Valid": [
                f"{start:%d %b %Y} – {end:%d %b %Y}"
                for start, end in zip(approvals["valid_from"], approvals["valid_to"], strict=True)
            ],
            "Cases covered": approvals["cases_covered"],
            "Status": approvals["validity_status"],
        }
    )


def main() -> None:
    current = filters.active()
    components.header(
        "Process variants",
        "Which paths do a site's orders really take from order to invoice, which follow the standard, which are "
        "approved local variations, and which workarounds should be approved or fixed?",
        current,
    )
    if components.no_sites(current) or not components.require(
        [
            "marts.process_variants",
            "marts.process_directly_follows",
            "marts.governed_compliance_daily",
            "marts.approved_variation_usage",
        ],
        "The variant explorer",
    ):
        return
    sites = reference.sites().set_index("site_id")
    site_id = st.selectbox(
        "Site",
        list(current.site_ids),
        key=SITE_PARAMETER,
        bind="query-params",
        format_func=lambda option: f"{sites.loc[option, 'site_name']} ({option})",
        help="The sites that pass the sidebar filters.",
    )
    if site_id is None:
        return
    show_compliance(site_id, current)

    st.subheader("Variants")
    variants = process.whole_period_variants(site_id)
    if variants.empty:
        st.info("No completed case at this site.")
        return
    coverage_percent = st.slider(
        "Show the most frequent variants covering this share of cases",
        min_value=50,
        max_value=100,
        value=95,
        step=1,
        format="%d%%",
        key=COVERAGE_PARAMETER,
    )
    coverage = coverage_percent / 100
    shown = covering(variants, coverage)
    st.caption(
        f"{len(shown)} of {len(variants)} variants cover {shown['case_share'].sum():.1%} of the site's "
        f"{int(variants['site_cases'].iloc[0]):,} completed cases (all weeks in the warehouse). A variant is the "
        "sequence of a case's activities in time order; median and p90: hours from its first event to its "
        "invoicing. Approved variation: every case of it deviates only as an approved variation valid on its "
        f"completion day allows; above {CANDIDATE_SHARE:.0%} of cases without approval it is a candidate to "
        "approve or to fix."
    )
    table = variant_table(shown)
    st.dataframe(table, hide_index=True, width="stretch")
    components.csv_download(table, f"process_variants_{site_id}")

    candidates = variants[variants["is_approval_candidate"]]
    if not candidates.empty:
        st.warning(
            f"{len(candidates)} unapproved variant(s) above {CANDIDATE_SHARE:.0%} of cases: "
            + "; ".join(f"{row.variant_id} ({row.case_share:.1%})" for row in candidates.itertuples(index=False))
            + ". Approve them as a local variation or fix the process.",
            icon=":material/rule:",
        )

    st.subheader("Trend over weeks")
    weekly = process.weekly_variants(site_id, current.start_date, current.end_date)
    st.caption(
        f"Share of each ISO week's completed cases {current.period_label}: the {TRENDED_VARIANTS} most frequent "
        "variants, the rest as other variants."
    )
    if weekly.empty:
        st.info("No completed case in the period.")
    else:
        show_trend(weekly, variants, site_id)

    st.subheader("Directly-follows graph")
    edges = process.directly_follows(site_id, current.start_date, current.end_date)
    standard = process.standard_activities()["activity"].tolist()
    st.caption(
        f"Each arrow: one activity directly followed by another in a case completed {current.period_label}, "
        "labelled with how often. Solid blue: an edge of the standard lifecycle; dashed red: any other "
        "(a skipped, swapped or added step); boxes are the standard's activities."
    )
    if edges.empty:
        st.info("No completed case in the period.")
    else:
        st.graphviz_chart(dot_graph(edges, standard))
        components.csv_download(edges, f"directly_follows_{site_id}", label="Download the edges (CSV)")

    st.subheader("Approved variations")
    approvals = process.approved_variations(site_id)
    if approvals.empty:
        st.info("This site has no approved variation (reference table approved_variations).")
    else:
        expiring = approvals[approvals["is_expiring_within_30_days"]]
        if not expiring.empty:
            st.warning("Expiring within 30 days: " + ", ".join(expiring["variation_id"]) + ".", icon=":material/event:")
        shown_approvals = approvals_table(approvals)
        st.dataframe(shown_approvals, hide_index=True, width="stretch")
        st.caption(
            "Cases covered: completed cases with a deviation this approval allowed. Status as the data stands"
            + (
                f" (the site's latest completed case, {as_of:%d %b %Y})."
                if pd.notna(as_of := approvals["as_of_date"].max())
                else "."
            )
        )
        components.csv_download(shown_approvals, f"approved_variations_{site_id}")


main()
