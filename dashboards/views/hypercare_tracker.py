"""Hypercare tracker: after go-live, how fast does each site get back to its own baseline, per wave?"""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from dashboards import charts, components, filters
from dashboards.queries import connection, hypercare, network, reference, signals

KPI_PARAMETER = "hypercare_kpi"


def recovery_cells(recoveries: pd.DataFrame, catalogue: pd.DataFrame) -> pd.DataFrame:
    cells = recoveries.merge(catalogue[["kpi", "kpi_name"]], on="kpi")
    recovered = cells["recovered_on"].notna()
    cells["status"] = recovered.map({True: "recovered", False: "not recovered"})
    cells["label"] = [
        f"{int(days)} d" if is_recovered else f">{int(since)} d"
        for is_recovered, days, since in zip(
            recovered, cells["days_to_recover"], cells["days_since_go_live"], strict=True
        )
    ]
    return cells


def _go_live_span(first: object, last: object) -> str:
    if pd.isna(first):
        return "–"
    return f"{first:%d %b %Y}" if first == last else f"{first:%d %b} – {last:%d %b %Y}"


def wave_table(summary: pd.DataFrame, gates: pd.DataFrame) -> pd.DataFrame:
    table = summary.merge(
        gates.reindex(columns=["rollout_wave", "gate_status", "gate_reason", "exit_state"]),
        on="rollout_wave",
        how="left",
    )
    return pd.DataFrame(
        {
            "Wave": table["rollout_wave"],
            "Sites live": [
                f"{live} of {total}" for live, total in zip(table["live_site_count"], table["site_count"], strict=True)
            ],
            "Go-live": [
                _go_live_span(first, last)
                for first, last in zip(table["first_go_live_date"], table["last_go_live_date"], strict=True)
            ],
            "KPIs recovered": [
                "–" if not tracked else f"{int(recovered)} of {int(tracked)} ({recovered / tracked:.0%})"
                for recovered, tracked in zip(table["kpis_recovered"], table["kpis_tracked"], strict=True)
            ],
            "Worst site": [
                "–" if pd.isna(name) else f"{name} ({int(unrecovered)} not recovered)"
                for name, unrecovered in zip(
                    table["worst_site_name"], table["worst_site_unrecovered_kpis"], strict=True
                )
            ],
            "Gate": table["gate_status"].fillna("–"),
            "Hypercare": [state if isinstance(state, str) else "–" for state in table["exit_state"]],
        }
    )


def show_curves(current: filters.Filters, catalogue: pd.DataFrame, summary: pd.DataFrame) -> None:
    names = dict(zip(catalogue["kpi"], catalogue["kpi_name"], strict=True))
    kpi = st.selectbox("KPI", catalogue["kpi"].tolist(), key=KPI_PARAMETER, bind="query-params", format_func=names.get)
    details = catalogue.set_index("kpi").loc[kpi]
    curves, step = hypercare.hypercare_curves(list(current.site_ids), kpi, current.end_date)
    if curves.empty:
        st.info("None of the selected sites is live with a baseline for this KPI yet.")
        return
    st.caption(
        f"{names[kpi]}: trailing 7-day value over the 28-day pre-go-live baseline, one line per site, day 0 = "
        f"go-live. Shaded: within the recovery tolerance ({details['recovery_tolerance']:.0%}; "
        f"{details['direction']} is better)." + (f" Every {step}th day shown." if step > 1 else "")
    )
    colours = charts.series_colours(reference.sites()["site_name"].tolist())
    anomalies = (
        None
        if connection.missing(["marts.kpi_anomalies"])
        else signals.kpi_anomalies(list(current.site_ids), kpi, current.end_date)
    )
    if anomalies is not None and not anomalies.empty:
        st.caption(
            "Triangles: days on which a site's daily value left its expected band (red worse, green better; in the "
            "go-live window judged against the hypercare curve); hover one for observed, expected and band."
        )
    waves = [wave for wave in summary["rollout_wave"] if wave in set(curves["rollout_wave"])]
    columns = st.columns(2)
    for index, wave in enumerate(waves):
        with columns[index % 2]:
            st.markdown(f"**{wave}**")
            wave_curves = curves[curves["rollout_wave"] == wave]
            st.altair_chart(
                charts.hypercare_lines(
                    wave_curves,
                    tolerance=details["recovery_tolerance"],
                    direction=details["direction"],
                    colours=colours,
                    anomalies=(
                        None if anomalies is None else anomalies[anomalies["site_id"].isin(set(wave_curves["site_id"]))]
                    ),
                ),
                width="stretch",
            )


def show_holding(current: filters.Filters, week_start: object) -> None:
    """The previous wave's sites behind each held or paused wave, each with its own verdict and the KPIs that
    must improve there (marts.wave_gate_sites): a site is named only for what it contributes."""
    holding = hypercare.sites_holding_waves_back(list(current.waves), week_start)
    if holding.empty:
        st.success("No selected wave is held or paused this week.")
        return
    columns = st.columns(2)
    for index, site in enumerate(holding.itertuples()):
        with columns[index % 2], st.container(border=True):
            badge = {"hold": "orange", "pause": "red"}.get(site.site_verdict, "gray")
            st.markdown(
                f"**{site.site_name}** holds **{site.held_wave}** &nbsp; :{badge}-badge[{site.site_verdict.upper()}]"
                + ("" if site.site_verdict == site.gate_status else f" (the wave's gate: {site.gate_status})")
            )
            lines = []
            if site.red_kpi_count:
                lines.append(f"- {site.red_kpi_count} red this week: {site.red_kpis}")
            if pd.notna(site.longest_days_unrecovered) and isinstance(site.unrecovered_kpis, str):
                lines.append(
                    f"- {site.unrecovered_kpi_count} not recovered {int(site.longest_days_unrecovered)} days after "
                    f"go-live: {site.unrecovered_kpis}"
                )
            st.markdown("\n".join(lines))
    components.csv_download(holding, "sites_holding_waves_back")


def main() -> None:
    current = filters.active()
    components.header(
        "Hypercare tracker",
        "After go-live, how far below its own baseline does each site fall, how fast does it recover, and "
        "which sites hold the next wave back?",
        current,
        scope="curves run from 28 days before go-live to the end of the period; gates of its last full week",
    )
    if components.no_sites(current) or not components.require(
        ["marts.hypercare_daily", "marts.wave_summary", "marts.kpi_definitions"], "The hypercare tracker"
    ):
        return
    catalogue = reference.kpi_catalogue()
    has_gates = not connection.missing(["marts.wave_gates", "marts.wave_gate_sites", "marts.site_scorecard"])
    week_start = network.scorecard_week(list(current.site_ids), current.end_date) if has_gates else None

    st.subheader("Waves")
    summary = hypercare.wave_summary(list(current.waves))
    gates = (
        network.wave_gates(list(current.waves), week_start)
        if week_start
        else pd.DataFrame(columns=["rollout_wave", "gate_status", "gate_reason", "exit_state", "iso_week"])
    )
    st.dataframe(
        components.style_status(wave_table(summary, gates), "Gate"),
        hide_index=True,
        width="stretch",
    )
    if not gates.empty:
        reasons = "  \n".join(
            f"**{gate.rollout_wave}** {gate.gate_status}: {gate.gate_reason}" for gate in gates.itertuples()
        )
        st.caption(
            f"Gates of ISO week {gates['iso_week'].iloc[0]} (a wave whose sites are all live: live, in hypercare "
            f"until none of its sites holds a KPI red or unrecovered past 28 days)  \n{reasons}"
        )

    st.subheader("Recovery curves")
    show_curves(current, catalogue, summary)

    st.subheader("Recovered or not")
    cells = recovery_cells(hypercare.recoveries(list(current.site_ids)), catalogue)
    if cells.empty:
        st.info("No live site with a baseline among the selected sites.")
    else:
        st.caption(
            "Days from go-live to recovery; '>N d': not recovered N days after go-live. Recovered: the trailing 7 "
            "days within the recovery band of the pre-go-live baseline (the larger of the tolerance × baseline and "
            "the KPI's minimum band) for 7 days. A higher-is-better KPI with a baseline of 0 (nothing before "
            "go-live, e.g. active users) is not tracked: judge it on its target."
        )
        st.altair_chart(
            charts.rag_heatmap(
                cells,
                x="site_name",
                y="kpi_name",
                y_sort=catalogue["kpi_name"].tolist(),
                status="status",
                colours=charts.RECOVERY_COLOURS,
                tooltip=[
                    alt.Tooltip("site_name:N", title="Site"),
                    alt.Tooltip("kpi_name:N", title="KPI"),
                    alt.Tooltip("go_live_date:T", title="Go-live"),
                    alt.Tooltip("baseline:Q", title="Baseline", format=",.3f"),
                    alt.Tooltip("recovered_on:T", title="Recovered on"),
                    alt.Tooltip("days_to_recover:Q", title="Days to recover"),
                    alt.Tooltip("days_since_go_live:Q", title="Days since go-live"),
                ],
            ),
            width="stretch",
        )
        components.csv_download(cells.drop(columns=["label"]), "hypercare_recoveries")

    st.subheader("Sites holding a wave back")
    if week_start is None:
        st.info("This warehouse has no wave gates yet: re-publish it with `observatory run`.")
    else:
        show_holding(current, week_start)


main()
