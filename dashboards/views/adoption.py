"""Adoption: are people using the new ERP (not spreadsheets), for which transactions and roles, how deeply, how fast
each wave ramps up, are they trained and what do they ask the help desk; are the next sites ready?"""

from __future__ import annotations

import datetime as dt

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


def percent_label(value: object, hidden: bool) -> str:
    return privacy.SUPPRESSED_LABEL if hidden else components.format_value(value, "ratio")


def show_ramp(site_ids: list[str]) -> None:
    """Active-user rate of each wave against whole weeks since its go-live (marts.adoption_cohorts)."""
    ramp = adoption.wave_ramp(site_ids)
    st.caption(
        "Active-user rate (users active in the 7 days to the week's last day ÷ users provisioned that day, summed "
        "over the wave's selected sites) by whole week since each site's go-live: week 0 is go-live day to day 6, "
        "so the waves share one axis. A wave-week of fewer than "
        f"{privacy.MIN_GROUP_USERS} provisioned users is not shown."
    )
    shown = ramp[~ramp["is_suppressed"]]
    if shown.empty:
        st.info("No selected site is live yet.")
        return
    st.altair_chart(
        charts.ramp(
            shown,
            x="weeks_since_go_live",
            y="active_user_rate",
            series="rollout_wave",
            x_title="Weeks since go-live",
            y_title="Active-user rate",
            y_format=".0%",
            tooltip=[
                alt.Tooltip("rollout_wave:N", title="Wave"),
                alt.Tooltip("weeks_since_go_live:Q", title="Weeks since go-live"),
                alt.Tooltip("active_user_rate:Q", title="Active-user rate", format=".1%"),
                alt.Tooltip("sites:Q", title="Sites"),
            ],
        ),
        width="stretch",
    )
    components.csv_download(ramp, "adoption_ramp_by_wave", "Download the ramp by wave (CSV)")


def show_transactions(site_ids: list[str], current: filters.Filters, week_start: dt.date) -> None:
    """Share of each site's active users using each transaction in a week, and each transaction's share of volume
    through the new ERP over the period (marts.adoption_by_transaction)."""
    weekly = adoption.transaction_adoption(site_ids, week_start)
    if weekly.empty:
        st.info(f"No usage of the new ERP at the selected sites in the week of {week_start:%d %b %Y}.")
    else:
        iso_week = weekly["iso_week"].iloc[0]
        st.caption(
            f"Share of each site's active users (any usage event that week) who used each transaction in {iso_week}, "
            "the last whole ISO week of the period. A site with fewer than "
            f"{privacy.MIN_GROUP_USERS} active users that week shows '{privacy.SUPPRESSED_LABEL}'."
        )
        cells = weekly.assign(
            label=[
                percent_label(share, hidden)
                for share, hidden in zip(weekly["user_share"], weekly["is_suppressed"], strict=True)
            ]
        )
        st.altair_chart(
            charts.count_heatmap(
                cells,
                x="site_name",
                y="transaction_code",
                value="user_share",
                label="label",
                tooltip=[
                    alt.Tooltip("site_name:N", title="Site"),
                    alt.Tooltip("transaction_code:N", title="Transaction"),
                    alt.Tooltip("label:N", title="Share of active users"),
                    alt.Tooltip("transaction_users:Q", title="Users of the transaction"),
                    alt.Tooltip("active_users:Q", title="Active users"),
                    alt.Tooltip("new_erp_share:Q", title="Volume through the new ERP", format=".0%"),
                ],
            ),
            width="stretch",
        )
        components.csv_download(weekly, "adoption_by_transaction", "Download adoption by transaction (CSV)")
    volume = adoption.transaction_volume(site_ids, week_start_within(current), current.end_date)
    if volume.empty:
        return
    st.caption(
        "Share of each transaction's volume through the new ERP (ui, api) rather than spreadsheet export or import, "
        "over the selected sites and the ISO weeks starting in the period; lowest first."
    )
    st.altair_chart(
        charts.share_bars(
            volume.head(15),
            value="new_erp_share",
            category="transaction_code",
            value_title="Events through the new ERP",
            tooltip=[
                alt.Tooltip("transaction_code:N", title="Transaction"),
                alt.Tooltip("new_erp_share:Q", title="Through the new ERP", format=".1%"),
                alt.Tooltip("events:Q", title="Events", format=","),
                alt.Tooltip("spreadsheet_events:Q", title="Spreadsheet round-trips", format=","),
            ],
        ),
        width="stretch",
    )
    components.csv_download(volume, "transaction_volume_through_the_new_erp", "Download volume by transaction (CSV)")


def week_start_within(current: filters.Filters) -> dt.date:
    """The Monday of the period's first day's ISO week."""
    return current.start_date - dt.timedelta(days=current.start_date.weekday())


def show_role_adoption(site_ids: list[str], week_start: dt.date) -> None:
    """Share of each role's provisioned users who used the new ERP in a week, per site and over the selected sites
    (marts.adoption_by_role); groups under the privacy threshold suppressed in the query."""
    roles = adoption.role_adoption(site_ids, week_start)
    st.caption(
        f"Share of each role's provisioned users (on the week's last day) who used the new ERP in the ISO week of "
        f"{week_start:%d %b %Y}, per live site and over all the selected live sites. A group of fewer than "
        f"{privacy.MIN_GROUP_USERS} provisioned users shows '{privacy.SUPPRESSED_LABEL}', never a count or a rate; "
        "combining sites lets a role be shown where each site alone is too small."
    )
    if roles.empty:
        st.info("No provisioned user of a known role at a selected site live that week.")
        return
    cells = roles.assign(
        label=[
            percent_label(rate, hidden)
            for rate, hidden in zip(roles["active_rate"], roles["is_suppressed"], strict=True)
        ],
        role=roles["role"].str.replace("_", " "),
    )
    order = [name for name in cells["site_name"].drop_duplicates() if name != "All selected sites"]
    st.altair_chart(
        charts.count_heatmap(
            cells,
            x="site_name",
            y="role",
            value="active_rate",
            label="label",
            x_sort=[*order, "All selected sites"],
            tooltip=[
                alt.Tooltip("site_name:N", title="Site"),
                alt.Tooltip("role:N", title="Role"),
                alt.Tooltip("label:N", title="Used the new ERP"),
                alt.Tooltip("active_users:Q", title="Users in the new ERP"),
                alt.Tooltip("provisioned_users:Q", title="Provisioned users"),
            ],
        ),
        width="stretch",
    )
    components.csv_download(
        roles.drop(columns=["site_id"]).assign(week_start_date=week_start),
        "adoption_by_role",
        "Download adoption by role (CSV)",
    )


def show_depth(site_ids: list[str], first_date: dt.date, current: filters.Filters, colours: dict[str, str]) -> None:
    """The adoption depth score per site and week (marts.adoption_depth), its definition from the dictionary."""
    depth = adoption.depth_scores(site_ids, first_date, current.end_date)
    definition = reference.measure_definition("adoption_depth_score")
    st.caption(
        (f"**{definition['formula']}.** {definition['definition']} " if definition is not None else "")
        + 'A project measure, not one of the contract KPIs (KPI dictionary, "Project measures").'
    )
    if depth.empty:
        st.info(f"No whole week with at least {privacy.MIN_GROUP_USERS} users in the new ERP at the selected sites.")
        return
    st.altair_chart(
        charts.trend(
            depth,
            x="week_start_date",
            y="depth_score",
            series="site_name",
            y_title="Depth score",
            y_format=".2f",
            colours=colours,
            tooltip=[
                alt.Tooltip("site_name:N", title="Site"),
                alt.Tooltip("iso_week:N", title="Week"),
                alt.Tooltip("depth_score:Q", title="Depth score", format=".2f"),
                alt.Tooltip("breadth:Q", title="Breadth", format=".0%"),
                alt.Tooltip("frequency:Q", title="Frequency", format=".0%"),
            ],
            highlight=(current.start_date, current.end_date),
            go_lives=trends.go_live_markers(site_ids),
            height=220,
        ),
        width="stretch",
    )
    latest = depth[depth["week_start_date"] == depth["week_start_date"].max()]
    st.dataframe(
        pd.DataFrame(
            {
                "Site": latest["site_name"],
                "Week": latest["iso_week"],
                "Depth score": latest["depth_score"].map("{:.2f}".format),
                "Breadth": [
                    f"{share:.0%} ({used} of {network} transactions)"
                    for share, used, network in zip(
                        latest["breadth"],
                        latest["transaction_codes_used"],
                        latest["network_transaction_codes"],
                        strict=True,
                    )
                ],
                "Frequency": latest["frequency"].map("{:.0%} of days".format),
                "Users in the new ERP": latest["new_erp_users"],
            }
        ),
        hide_index=True,
        width="stretch",
    )
    components.csv_download(depth, "adoption_depth", "Download depth scores (CSV)")


def show_themes(site_ids: list[str], current: filters.Filters, week_start: dt.date, colours: dict[str, str]) -> None:
    """Help-desk tickets by category: the period by site, by week, the rising themes and the themes by wave since
    go-live (marts.helpdesk_tickets_by_category, marts.helpdesk_themes_weekly)."""
    themes = adoption.ticket_themes(site_ids, current.start_date, current.end_date)
    st.caption(f"Tickets opened {current.period_label} by category.")
    if themes.empty:
        st.info("No ticket in the period.")
    else:
        st.altair_chart(
            charts.bars(
                themes,
                value="tickets",
                category="category_name",
                value_title="Tickets",
                colour="site_name",
                colours=colours,
                tooltip=[
                    alt.Tooltip("category_name:N", title="Category"),
                    alt.Tooltip("site_name:N", title="Site"),
                    alt.Tooltip("tickets:Q", title="Tickets"),
                ],
            ),
            width="stretch",
        )
        components.csv_download(themes, "helpdesk_themes")
    weekly = adoption.weekly_themes(site_ids, week_start_within(current), current.end_date)
    if not weekly.empty:
        st.caption("Tickets by ISO week and category, over the selected sites (weeks starting in the period).")
        st.altair_chart(
            charts.count_heatmap(
                weekly.assign(label=weekly["tickets"].astype(str), is_suppressed=False),
                x="iso_week",
                y="category_name",
                value="tickets",
                label="label",
                tooltip=[
                    alt.Tooltip("iso_week:N", title="Week"),
                    alt.Tooltip("category_name:N", title="Category"),
                    alt.Tooltip("tickets:Q", title="Tickets"),
                ],
            ),
            width="stretch",
        )
    st.markdown("**Rising themes**")
    rising = adoption.rising_themes(site_ids, week_start)
    st.caption(
        f"Categories whose share of a site's tickets in the ISO week of {week_start:%d %b %Y} is at least 10 points "
        "above their share over the four weeks before, with at least 3 tickets that week."
    )
    if rising.empty:
        st.success("No rising theme that week.")
    else:
        st.dataframe(
            pd.DataFrame(
                {
                    "Site": rising["site_name"],
                    "Week": rising["iso_week"],
                    "Theme": rising["category_name"],
                    "Tickets": rising["tickets"],
                    "Share this week": rising["share"].map("{:.0%}".format),
                    "Share the 4 weeks before": rising["previous_4_weeks_share"].map(
                        lambda share: "–" if pd.isna(share) else f"{share:.0%}"
                    ),
                    "Change": rising["share_change"].map("{:+.0%}".format),
                }
            ),
            hide_index=True,
            width="stretch",
        )
    st.markdown("**Themes by wave since go-live**")
    by_wave = adoption.themes_since_go_live(site_ids)
    st.caption(
        "Tickets by category and ISO week from the week of go-live (0; negative before), summed over each wave's "
        "selected live sites."
    )
    if by_wave.empty:
        st.info("No selected site is live yet.")
        return
    weeks = [str(week) for week in sorted(by_wave["weeks_since_go_live"].unique())]
    for wave, rows in by_wave.groupby("rollout_wave", sort=True):
        st.markdown(f"*{wave}* ({int(rows['sites'].max())} site{'s' if rows['sites'].max() != 1 else ''})")
        st.altair_chart(
            charts.count_heatmap(
                rows.assign(
                    week=rows["weeks_since_go_live"].astype(str),
                    label=rows["tickets"].astype(str),
                    is_suppressed=False,
                ),
                x="week",
                y="category_name",
                value="tickets",
                label="label",
                x_sort=weeks,
                x_title="ISO weeks since go-live",
                tooltip=[
                    alt.Tooltip("week:N", title="Weeks since go-live"),
                    alt.Tooltip("category_name:N", title="Category"),
                    alt.Tooltip("tickets:Q", title="Tickets"),
                ],
            ),
            width="stretch",
        )
    components.csv_download(by_wave, "helpdesk_themes_by_wave_since_go_live", "Download themes by wave (CSV)")


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

    week_start = adoption.last_whole_week(current.end_date)
    st.subheader("Ramp by wave")
    if components.require(["marts.adoption_cohorts"], "The ramp by wave"):
        show_ramp(list(current.site_ids))

    st.subheader("Adoption by transaction")
    if components.require(["marts.adoption_by_transaction"], "Adoption by transaction"):
        show_transactions(list(current.site_ids), current, week_start)

    st.subheader("Adoption by role")
    if components.require(["marts.adoption_by_role"], "Adoption by role"):
        show_role_adoption(list(current.site_ids), week_start)

    st.subheader("Depth of use")
    if components.require(["marts.adoption_depth", "marts.measure_definitions"], "Depth of use"):
        show_depth(list(current.site_ids), first_date, current, colours)

    st.subheader("Users by role")
    if components.require(["marts.provisioned_users_by_role"], "Users by role"):
        users = adoption.users_by_role(list(current.site_ids), current.end_date)
        st.caption(
            f"Provisioned users on {current.end_date:%d %b %Y} per site and role; groups of fewer than "
            f"{privacy.MIN_GROUP_USERS} users show '{privacy.SUPPRESSED_LABEL}'."
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
    if components.require(["marts.helpdesk_tickets_by_category", "marts.helpdesk_themes_weekly"], "Help-desk themes"):
        show_themes(list(current.site_ids), current, week_start, colours)

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
