"""Adoption: are people using the new ERP (not spreadsheets), trained, and getting help; are the next sites ready?"""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from dashboards import charts, components, filters
from dashboards.queries import adoption, privacy, reference, site, trends


def weekly_chart(
    weekly: pd.DataFrame, kpi: str, catalogue: pd.DataFrame, current: filters.Filters, colours: dict[str, str]
) -> None:
    details = catalogue.set_index("kpi").loc[kpi]
    rows = weekly[(weekly["kpi"] == kpi) & weekly["value"].notna()]
    st.markdown(f"**{details['kpi_name']}**")
    if rows.empty:
        st.info("No value for the selected sites.")
        return
    axis = components.axis_format(details["unit"])
    st.caption(components.band_text(details["direction"], details["target"], details["red_threshold"], details["unit"]))
    rows = rows.assign(status=[components.status_words(status) for status in rows["rag_status"]])
    st.altair_chart(
        charts.trend(
            rows,
            x="week_start_date",
            y="value",
            series="site_name",
            y_title=None,
            y_format=axis,
            colours=colours,
            tooltip=[
                alt.Tooltip("site_name:N", title="Site"),
                alt.Tooltip("iso_week:N", title="Week"),
                alt.Tooltip("value:Q", title="Value", format=axis),
                alt.Tooltip("status:N", title="Status"),
            ],
            references={"target": details["target"]},
            highlight=(current.start_date, current.end_date),
            go_lives=trends.go_live_markers(list(current.site_ids)),
            height=220,
        ),
        width="stretch",
    )


def show_roles(users: pd.DataFrame) -> None:
    """Sites x roles heat map of provisioned users; a group under the threshold shows '< 5 users', no count."""
    cells = users.assign(
        label=[
            privacy.SUPPRESSED_LABEL if hidden else f"{int(count)}"
            for hidden, count in zip(users["is_suppressed"], users["users"].fillna(0), strict=True)
        ],
        role=users["role"].str.replace("_", " "),
    )
    st.altair_chart(
        charts.count_heatmap(
            cells,
            x="site_name",
            y="role",
            value="users",
            label="label",
            tooltip=[
                alt.Tooltip("site_name:N", title="Site"),
                alt.Tooltip("role:N", title="Role"),
                alt.Tooltip("label:N", title="Provisioned users"),
            ],
        ),
        width="stretch",
    )


def readiness_table(ready: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Site": ready["site_name"],
            "Wave": ready["rollout_wave"],
            "Status": ready["readiness_status"].str.replace("_", " "),
            "Go-live": [
                "not planned" if pd.isna(day) else f"{day:%d %b %Y} (in {int(days)} days)"
                for day, days in zip(ready["planned_go_live_date"], ready["days_to_go_live"], strict=True)
            ],
            "Users": [
                privacy.SUPPRESSED_LABEL if hidden else f"{int(count)}"
                for hidden, count in zip(
                    ready["is_users_suppressed"], ready["provisioned_users"].fillna(0), strict=True
                )
            ],
            "Trained": [
                privacy.SUPPRESSED_LABEL if hidden else components.format_value(rate, "ratio")
                for hidden, rate in zip(ready["is_training_suppressed"], ready["training_completion_rate"], strict=True)
            ],
            "Missing roles": ready["missing_roles"].fillna("").str.replace("_", " "),
            "Role mix gap": [components.format_value(gap, "ratio") for gap in ready["role_mix_distance"]],
            "Data issues": ready["open_master_data_issues"],
        }
    )


def main() -> None:
    current = filters.active()
    components.header(
        "Adoption",
        "Are people working in the new ERP rather than in spreadsheets, are they trained, what do they ask the "
        "help desk about, and are the sites still to go live ready?",
        current,
    )
    if components.no_sites(current) or not components.require(
        ["marts.site_scorecard", "marts.kpi_definitions"], "The adoption trends"
    ):
        return
    catalogue = reference.kpi_catalogue()
    first_date = reference.kpi_date_range()[0]
    weekly = site.site_weekly(list(current.site_ids), list(privacy.USER_KPIS), first_date, current.end_date)
    st.subheader("Usage, training and support by site")
    st.caption(
        "Weekly values per site (ISO weeks to the end of the period; the period is shaded; dashed: target; dotted: "
        "a go-live, with its wave). Level KPIs take the week's last day. "
        f"Sites with fewer than {privacy.MIN_GROUP_USERS} provisioned users are not shown."
    )
    colours = charts.series_colours(reference.sites()["site_name"].tolist())
    for pair in (("active_user_rate", "spreadsheet_event_rate"), ("training_completion_rate", "tickets_per_100_users")):
        for column, kpi in zip(st.columns(2), pair, strict=True):
            with column:
                weekly_chart(weekly, kpi, catalogue, current, colours)
    components.csv_download(
        weekly[["site_id", "site_name", "iso_week", "week_start_date", "kpi", "value", "rag_status", "is_suppressed"]],
        "adoption_weekly_by_site",
        "Download weekly adoption KPIs (CSV)",
    )

    st.subheader("Users by role")
    if components.require(["marts.provisioned_users_by_role"], "Users by role"):
        users = adoption.users_by_role(list(current.site_ids), current.end_date)
        st.caption(
            f"Provisioned users on {current.end_date:%d %b %Y} per site and role; groups of fewer than "
            f"{privacy.MIN_GROUP_USERS} users show '{privacy.SUPPRESSED_LABEL}'. Adoption rates by role need a "
            "site × role mart (not in the warehouse yet)."
        )
        if users.empty:
            st.info("No provisioned user at the selected sites.")
        else:
            show_roles(users)
            components.csv_download(
                users[["site_id", "site_name", "role", "users", "is_suppressed"]].assign(as_of=current.end_date),
                "users_by_site_and_role",
            )
    st.subheader("Help-desk themes")
    if components.require(["marts.helpdesk_tickets_by_category"], "Help-desk themes"):
        themes = adoption.ticket_themes(list(current.site_ids), current.start_date, current.end_date)
        st.caption(f"Tickets opened {current.period_label} by category.")
        if themes.empty:
            st.info("No ticket in the period.")
        else:
            st.altair_chart(
                charts.bars(
                    themes,
                    value="tickets",
                    category="category",
                    value_title="Tickets",
                    colour="site_name",
                    colours=charts.series_colours(reference.sites()["site_name"].tolist()),
                    tooltip=[
                        alt.Tooltip("category:N", title="Category"),
                        alt.Tooltip("site_name:N", title="Site"),
                        alt.Tooltip("tickets:Q", title="Tickets"),
                    ],
                ),
                width="stretch",
            )
            components.csv_download(themes, "helpdesk_themes")

    st.subheader("Readiness of sites not yet live")
    if components.require(["marts.site_readiness"], "Readiness"):
        ready = adoption.readiness(list(current.site_ids))
        if ready.empty:
            st.success("Every selected site is live.")
        else:
            shown = readiness_table(ready)
            st.dataframe(components.style_status(shown, "Status"), hide_index=True, width="stretch")
            st.caption(
                "Role mix gap: share of users that would have to change role to match the live sites' mix. Data "
                "issues: flagged or rejected master data of the site. Status from the site-readiness rule in "
                "docs/kpis.md (training against the KPI thresholds, missing roles, data issues)."
            )
            components.csv_download(shown, "site_readiness")


main()
