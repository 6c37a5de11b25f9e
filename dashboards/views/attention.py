"""Attention: what needs someone now — the active alerts, the exceptions to work first and the open order lines
most likely to miss their ship date, as the warehouse stands at its last data (docs/kpis.md "Signals")."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboards import components, filters
from dashboards.queries import signals

TOP_CHOICES = (10, 25, 50, 100)
RULE_WORDS = {
    "kpi_anomaly_worse": "KPI worse than its band",
    "kpi_red_two_weeks": "KPI off track two weeks running",
    "wave_gate_pause": "Wave gate at pause",
    "exception_past_twice_sla": "Exception past twice its SLA",
    "delivery_gap": "Delivery gap",
}
SEVERITY_COLOURS = {"critical": "red", "high": "orange", "medium": "blue", "low": "gray"}


def _hours(value: object) -> str:
    return "–" if pd.isna(value) else f"{float(value):,.0f} h"


def _money(value: object) -> str:
    return "–" if pd.isna(value) else f"{float(value):,.2f}"


def alert_table(alerts: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Raised": [f"{raised:%d %b %H:%M} UTC" for raised in alerts["first_raised_at"]],
            "Severity": alerts["severity"].str.capitalize(),
            "Site": alerts["site_name"],
            "Alert": [RULE_WORDS.get(rule, rule.replace("_", " ")) for rule in alerts["rule"]],
            "What happened": alerts["message"],
            "Posted": ["no: over the site's daily budget" if held else "yes" for held in alerts["is_suppressed"]],
        }
    )


def show_alerts(current: filters.Filters) -> None:
    st.subheader("Alerts")
    if not components.require(["marts.alerts"], "The alerts"):
        return
    alerts = signals.active_alerts(list(current.site_ids))
    if alerts.empty:
        st.success("No active alert at the selected sites.")
        return
    newest_day = alerts["first_raised_at"].max().date()
    new_today = int((alerts["first_raised_at"].dt.date == newest_day).sum())
    counts = alerts["severity"].value_counts()
    badges = " ".join(
        f":{SEVERITY_COLOURS[severity]}-badge[{counts[severity]} {severity}]"
        for severity in SEVERITY_COLOURS
        if severity in counts
    )
    st.markdown(f"{len(alerts)} active · {new_today} raised on {newest_day:%d %b %Y} &nbsp; {badges}")
    table = alert_table(alerts)
    st.dataframe(
        components.blanks_as_dashes(table),
        hide_index=True,
        width="stretch",
        column_config={"What happened": st.column_config.TextColumn(width="large")},
    )
    st.caption(
        "Active alerts, newest first. An alert stays while its condition holds (seen again at every run) and "
        "clears when it no longer does. At most a few new alerts per site and day are posted to the alert "
        "channel, the most severe first; the rest are listed here, marked as over the daily budget."
    )
    components.csv_download(table, "active_alerts", "Download the alerts (CSV)")


def queue_table(queue: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Rank": queue["network_rank"].astype(int),
            "Site": queue["site_name"],
            "Exception": queue["exception_id"],
            "Type": queue["exception_type"].fillna("–").str.replace("_", " "),
            "Severity": queue["severity"].fillna("–"),
            "Order": queue["order_id"].fillna("–"),
            "Opened": [f"{opened:%d %b %Y %H:%M}" for opened in queue["opened_at"]],
            "Age": [_hours(value) for value in queue["age_hours"]],
            "SLA": [_hours(value) for value in queue["sla_hours"]],
            "Overdue": [_hours(value) for value in queue["hours_overdue"]],
            "Value at risk": [_money(value) for value in queue["value_at_risk"]],
            "Priority": [f"{float(value):,.1f}" for value in queue["priority_score"]],
        }
    )


def show_exception_queue(current: filters.Filters, top: int) -> None:
    st.subheader("Exception queue")
    if not components.require(["marts.exception_queue"], "The exception queue"):
        return
    queue, total = signals.exception_queue(list(current.site_ids), top)
    if queue.empty:
        st.success("No exception is open at the selected sites.")
        return
    table = queue_table(queue)
    st.dataframe(components.blanks_as_dashes(table), hide_index=True, width="stretch")
    st.caption(
        f"The first {len(queue)} of {total} open exceptions, in the order to work them: priority = value held up on "
        "the order × severity weight × (1 + how many SLAs overdue, at most 3). Times are UTC."
    )
    components.csv_download(table, "exception_queue", "Download the queue (CSV)")


def risk_table(lines: pd.DataFrame) -> pd.DataFrame:
    reasons = lines[["reason_1", "reason_2", "reason_3"]]
    return pd.DataFrame(
        {
            "Site": lines["site_name"],
            "Order": lines["order_id"],
            "Line": lines["line_number"].astype(int),
            "Item": lines["item_id"].fillna("–"),
            "Due": [f"{due:%d %b %Y}" for due in pd.to_datetime(lines["requested_ship_date"])],
            "Days to due": lines["days_to_due"].astype(int),
            "Value at risk": [_money(value) for value in lines["value_at_risk"]],
            "Chance of missing": ["–" if pd.isna(value) else f"{value:.0%}" for value in lines["miss_probability"]],
            "Why": [
                "; ".join(reason for reason in row if isinstance(reason, str)) or "nothing stands out"
                for row in reasons.itertuples(index=False)
            ],
        }
    )


def show_orders_at_risk(current: filters.Filters, top: int) -> None:
    st.subheader("Orders at risk")
    if not components.require(["marts.orders_at_risk"], "The orders at risk"):
        return
    lines, total = signals.orders_at_risk(list(current.site_ids), top)
    if lines.empty:
        st.success("No open order line is due to ship within the next days at the selected sites.")
        return
    table = risk_table(lines)
    st.dataframe(
        components.blanks_as_dashes(table),
        hide_index=True,
        width="stretch",
        column_config={"Why": st.column_config.TextColumn(width="large")},
    )
    trained = lines["miss_probability"].notna().any()
    st.caption(
        f"The {len(lines)} of {total} open order lines due within the next days most likely to miss their "
        "requested ship date, from a model trained on this warehouse's own history; why: what raises each line's "
        "risk most."
        if trained
        else f"{total} open order lines due within the next days. Too little history to train the model yet: "
        "the lines are listed without a chance of missing."
    )
    components.csv_download(table, "orders_at_risk", "Download the order lines (CSV)")


def main() -> None:
    current = filters.active()
    components.header(
        "Attention",
        "What needs someone now: the alerts raised, the exceptions to work first and the order lines likely to "
        "miss their ship date?",
        current,
        scope="as the warehouse stands at its last data; the period does not apply",
    )
    if components.no_sites(current):
        return
    top = st.selectbox("Rows per list", TOP_CHOICES, index=1, key="attention_top")
    show_alerts(current)
    show_exception_queue(current, top)
    show_orders_at_risk(current, top)


main()
