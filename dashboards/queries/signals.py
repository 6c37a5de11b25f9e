"""The Attention page and the anomaly markers: active alerts (marts.alerts), the exception queue
(marts.exception_queue), orders at risk (marts.orders_at_risk) and KPI anomalies (marts.kpi_anomalies).
Read as published; nothing is computed here."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from dashboards.queries.connection import query
from dashboards.queries.scope import site_in_scope

SEVERITY_ORDER = "case severity when 'critical' then 4 when 'high' then 3 when 'medium' then 2 else 1 end"


def active_alerts(site_ids: list[str]) -> pd.DataFrame:
    """Alerts not cleared at the selected sites, newest first (then the most severe)."""
    return query(
        f"""
        select
            alerts.first_raised_at,
            alerts.last_seen_at,
            alerts.severity,
            alerts.site_id,
            coalesce(sites.site_name, alerts.site_id) as site_name,
            alerts.rule,
            alerts.message,
            alerts.is_suppressed
        from marts.alerts as alerts
        left join staging.stg_erp__sites as sites on alerts.site_id = sites.site_id
        where
            alerts.is_active
            and list_contains(cast($site_ids as varchar[]), alerts.site_id)
            and {site_in_scope("alerts.site_id")}
        order by alerts.first_raised_at desc, {SEVERITY_ORDER} desc, alerts.alert_key
        """,
        {"site_ids": list(site_ids)},
    )


def exception_queue(site_ids: list[str], limit: int) -> tuple[pd.DataFrame, int]:
    """The first `limit` open exceptions of the selected sites by network rank, and how many are open in all."""
    parameters = {"site_ids": list(site_ids)}
    total = query(
        f"""
        select count(*) as open from marts.exception_queue
        where list_contains(cast($site_ids as varchar[]), site_id) and {site_in_scope("site_id")}
        """,
        parameters,
    )["open"].iloc[0]
    frame = query(
        f"""
        select
            queue.network_rank,
            queue.site_id,
            coalesce(sites.site_name, queue.site_id) as site_name,
            queue.exception_id,
            queue.exception_type,
            queue.severity,
            queue.order_id,
            queue.opened_at,
            queue.age_hours,
            queue.sla_hours,
            queue.hours_overdue,
            queue.value_at_risk,
            queue.priority_score
        from marts.exception_queue as queue
        left join staging.stg_erp__sites as sites on queue.site_id = sites.site_id
        where list_contains(cast($site_ids as varchar[]), queue.site_id) and {site_in_scope("queue.site_id")}
        order by queue.network_rank
        limit $limit
        """,
        {**parameters, "limit": limit},
    )
    return frame, int(total)


def orders_at_risk(site_ids: list[str], limit: int) -> tuple[pd.DataFrame, int]:
    """The `limit` open lines most likely to miss their ship date, and how many open lines are scored in all."""
    parameters = {"site_ids": list(site_ids)}
    total = query(
        f"""
        select count(*) as lines from marts.orders_at_risk
        where list_contains(cast($site_ids as varchar[]), site_id) and {site_in_scope("site_id")}
        """,
        parameters,
    )["lines"].iloc[0]
    frame = query(
        f"""
        select
            risk.site_id,
            coalesce(sites.site_name, risk.site_id) as site_name,
            risk.order_id,
            risk.line_number,
            risk.item_id,
            risk.requested_ship_date,
            risk.days_to_due,
            risk.value_at_risk,
            risk.miss_probability,
            risk.reason_1,
            risk.reason_2,
            risk.reason_3
        from marts.orders_at_risk as risk
        left join staging.stg_erp__sites as sites on risk.site_id = sites.site_id
        where list_contains(cast($site_ids as varchar[]), risk.site_id) and {site_in_scope("risk.site_id")}
        order by risk.miss_probability desc nulls last, risk.value_at_risk desc nulls last, risk.order_id,
            risk.line_number
        limit $limit
        """,
        {**parameters, "limit": limit},
    )
    return frame, int(total)


def kpi_anomalies(site_ids: list[str], kpi: str, end_date: dt.date) -> pd.DataFrame:
    """Flagged days of one KPI at the selected sites up to end_date, with their band and their site's go-live (for
    the days-since-go-live axis of the hypercare curves)."""
    return query(
        f"""
        select
            anomalies.site_id,
            coalesce(sites.site_name, anomalies.site_id) as site_name,
            anomalies.kpi_date,
            cast(anomalies.kpi_date - sites.go_live_date as integer) as day_offset,
            anomalies.kind,
            anomalies.direction,
            anomalies.observed_value,
            anomalies.expected_value,
            anomalies.lower_bound,
            anomalies.upper_bound,
            anomalies.score
        from marts.kpi_anomalies as anomalies
        left join staging.stg_erp__sites as sites on anomalies.site_id = sites.site_id
        where
            list_contains(cast($site_ids as varchar[]), anomalies.site_id)
            and {site_in_scope("anomalies.site_id")}
            and anomalies.kpi = $kpi
            and anomalies.kpi_date <= $end_date
        order by anomalies.site_id, anomalies.kpi_date
        """,
        {"site_ids": list(site_ids), "kpi": kpi, "end_date": end_date},
    )
