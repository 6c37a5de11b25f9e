"""marts.alerts: rules over the signals and the scorecards, remembered across runs (docs/kpis.md "Signals").

Each run finds the conditions that hold now (CONDITIONS_SQL, one query per rule) and merges them into the alert
history kept in the build's working database (ALERT_HISTORY, a schema publish does not copy and dbt never drops,
so a full refresh keeps it): a condition seen before advances its alert's ``last_seen_at``, a new one is raised,
an alert whose condition no longer holds is cleared. The history is then written to marts.alerts, which publish
copies with the other marts. New alerts beyond a site's daily budget are kept but suppressed, the most severe
first to be let through. The webhook sensor (orchestration/alert_webhook.py) posts the new, unsuppressed ones.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb

from orchestration.python_marts import write_mart

RELATION = "marts.alerts"
HISTORY_SCHEMA = "alert_state"
ALERT_HISTORY = f"{HISTORY_SCHEMA}.alert_history"
SEVERITY_RANK = {"critical": 4, "high": 3, "medium": 2, "low": 1}

# The history's columns and marts.alerts' (the mart adds is_active): name, type, meaning. docs/kpis.md lists the same.
COLUMNS = (
    ("alert_key", "varchar", "rule:site_id:subject:start, stable across runs (subject = the KPI or entity)"),
    (
        "rule",
        "varchar",
        "kpi_anomaly_worse, kpi_red_two_weeks, wave_gate_pause, exception_past_twice_sla, delivery_gap",
    ),
    ("site_id", "varchar", "the site"),
    ("kpi", "varchar", "the KPI, for the KPI rules (else null)"),
    ("entity", "varchar", "the wave, exception or contract entity, for the other rules (else null)"),
    ("subject_start", "varchar", "when the condition began: anomaly start, first red week, first pause week ..."),
    ("severity", "varchar", "critical, high, medium or low"),
    ("message", "varchar", "what happened, in words, as last seen"),
    ("first_raised_at", "timestamp", "the run (UTC) that first saw the condition"),
    ("last_seen_at", "timestamp", "the latest run (UTC) that saw it"),
    ("cleared_at", "timestamp", "the first run (UTC) that no longer saw it; null while active"),
    ("raised_date", "date", "the UTC day of first_raised_at, the day its site's budget counts it in"),
    ("is_suppressed", "boolean", "raised beyond its site's daily budget: kept, not posted"),
)
MART_COLUMNS = (*COLUMNS, ("is_active", "boolean", "cleared_at is null"))


@dataclass(frozen=True)
class Condition:
    """One rule holding for one subject now."""

    rule: str
    site_id: str
    kpi: str | None
    entity: str | None
    subject_start: str
    severity: str
    message: str

    @property
    def alert_key(self) -> str:
        return f"{self.rule}:{self.site_id}:{self.kpi or self.entity}:{self.subject_start}"


# Each rule: (the relations it needs, its query). A rule whose relations are missing is skipped (a warehouse
# built before the relation existed). $recent_days bounds which anomaly and gap days still count as "now".
RULES: dict[str, tuple[tuple[str, ...], str]] = {
    "kpi_anomaly_worse": (
        ("marts.kpi_anomalies", "marts.kpi_definitions", "intermediate.int_warehouse_as_of"),
        """
        with episodes as (
            select
                site_id,
                kpi,
                anomaly_start_date,
                arg_max(kind, kpi_date) as kind,
                max(kpi_date) as last_date,
                -- the episode's furthest day from its expected value so far
                arg_max(kpi_date, abs(score)) as worst_date,
                arg_max(observed_value, abs(score)) as observed_value,
                arg_max(expected_value, abs(score)) as expected_value,
                arg_max(lower_bound, abs(score)) as lower_bound,
                arg_max(upper_bound, abs(score)) as upper_bound
            from marts.kpi_anomalies
            where direction = 'worse'
            group by site_id, kpi, anomaly_start_date
        )
        select
            episodes.site_id,
            episodes.kpi,
            null as entity,
            cast(episodes.anomaly_start_date as varchar) as subject_start,
            case when episodes.kind = 'level_shift' then 'high' else 'medium' end as severity,
            printf(
                '%s worse than its band since %s (%s): %.3f on %s, its worst day, expected %.3f (band %.3f to %.3f)',
                coalesce(definitions.kpi_name, episodes.kpi), episodes.anomaly_start_date,
                replace(episodes.kind, '_', ' '), episodes.observed_value, episodes.worst_date,
                episodes.expected_value, episodes.lower_bound, episodes.upper_bound
            ) as message
        from episodes
        left join marts.kpi_definitions as definitions on episodes.kpi = definitions.kpi
        where last_date >= (select cast(as_of_at as date) from intermediate.int_warehouse_as_of) - $recent_days
        """,
    ),
    "kpi_red_two_weeks": (
        ("marts.site_scorecard", "marts.kpi_definitions"),
        """
        with weeks as (
            select
                site_id,
                kpi,
                week_start_date,
                rag_status,
                value,
                red_threshold,
                -- consecutive red weeks share the count of non-red weeks before them
                count(*) filter (where rag_status <> 'red') over (
                    partition by site_id, kpi order by week_start_date
                ) as streak,
                max(week_start_date) over (partition by site_id) as latest_week
            from marts.site_scorecard
        ),
        streaks as (
            select
                site_id,
                kpi,
                streak,
                min(week_start_date) as first_red_week,
                max(week_start_date) as last_red_week,
                count(*) as red_weeks,
                arg_max(value, week_start_date) as value,
                arg_max(red_threshold, week_start_date) as red_threshold,
                max(latest_week) as latest_week
            from weeks
            where rag_status = 'red'
            group by site_id, kpi, streak
        )
        select
            streaks.site_id,
            streaks.kpi,
            null as entity,
            cast(streaks.first_red_week as varchar) as subject_start,
            'high' as severity,
            printf(
                '%s off track %d weeks running since the week of %s: %.3f this week (off track beyond %.3f)',
                coalesce(definitions.kpi_name, streaks.kpi), streaks.red_weeks, streaks.first_red_week,
                streaks.value, streaks.red_threshold
            ) as message
        from streaks
        left join marts.kpi_definitions as definitions on streaks.kpi = definitions.kpi
        where streaks.last_red_week = streaks.latest_week and streaks.red_weeks >= 2
        """,
    ),
    "wave_gate_pause": (
        ("marts.wave_gates", "marts.wave_gate_sites"),
        """
        with gates as (
            select
                *,
                count(*) filter (where gate_status <> 'pause') over (
                    partition by rollout_wave order by week_start_date
                ) as streak,
                max(week_start_date) over (partition by rollout_wave) as latest_week
            from marts.wave_gates
        ),
        pauses as (
            select
                rollout_wave,
                previous_rollout_wave,
                streak,
                min(week_start_date) as first_pause_week,
                max(week_start_date) as last_pause_week,
                arg_max(gate_reason, week_start_date) as gate_reason
            from gates
            where gate_status = 'pause'
            group by rollout_wave, previous_rollout_wave, streak
            having max(week_start_date) = max(latest_week)
        )
        select
            sites.site_id,
            null as kpi,
            pauses.rollout_wave as entity,
            cast(pauses.first_pause_week as varchar) as subject_start,
            'critical' as severity,
            printf(
                'rollout of %s paused since the week of %s: %s', pauses.rollout_wave, pauses.first_pause_week,
                coalesce(sites.site_reason, pauses.gate_reason, 'a site of the wave before it is at pause')
            ) as message
        from pauses
        inner join marts.wave_gate_sites as sites
            on
                sites.rollout_wave = pauses.previous_rollout_wave
                and sites.week_start_date = pauses.last_pause_week
                and sites.site_verdict = 'pause'
        """,
    ),
    "exception_past_twice_sla": (
        ("marts.exception_queue",),
        """
        select
            site_id,
            null as kpi,
            exception_id as entity,
            cast(opened_at as varchar) as subject_start,
            case when severity in ('critical', 'high') then severity else 'medium' end as severity,
            printf(
                '%s exception %s (%s) open %.0f h, more than twice its %.0f h SLA; %.2f at risk on order %s',
                severity, exception_id, replace(exception_type, '_', ' '), age_hours, sla_hours, value_at_risk,
                coalesce(order_id, 'none')
            ) as message
        from marts.exception_queue
        where age_hours > 2 * sla_hours
        """,
    ),
    "delivery_gap": (
        ("marts.delivery_gaps", "intermediate.int_warehouse_as_of"),
        """
        select
            site_id,
            null as kpi,
            entity,
            cast(gap_start_date as varchar) as subject_start,
            'high' as severity,
            printf(
                'no %s delivered since %s: %d rows on %s, about %.0f expected, while %d other site(s) delivered',
                entity, gap_start_date, arg_max(observed_rows, gap_date), max(gap_date),
                arg_max(expected_rows, gap_date), arg_max(other_sites_delivering, gap_date)
            ) as message
        from marts.delivery_gaps
        group by site_id, entity, gap_start_date
        having max(gap_date) >= (select cast(as_of_at as date) from intermediate.int_warehouse_as_of) - $recent_days
        """,
    ),
}


def _exists(con: duckdb.DuckDBPyConnection, relation: str) -> bool:
    schema, name = relation.split(".")
    found = con.execute(
        "select count(*) from duckdb_tables() where schema_name = $schema and table_name = $name and "
        "database_name = current_database()",
        {"schema": schema, "name": name},
    ).fetchone()[0]
    found += con.execute(
        "select count(*) from duckdb_views() where schema_name = $schema and view_name = $name and "
        "database_name = current_database()",
        {"schema": schema, "name": name},
    ).fetchone()[0]
    return found > 0


def find_conditions(con: duckdb.DuckDBPyConnection, recent_days: int) -> list[Condition]:
    """Every rule's conditions holding in the database `con` is connected to, one per alert key."""
    found: dict[str, Condition] = {}
    for rule, (relations, sql) in RULES.items():
        if not all(_exists(con, relation) for relation in relations):
            continue
        parameters = {"recent_days": recent_days} if "$recent_days" in sql else {}
        for site_id, kpi, entity, subject_start, severity, message in con.execute(sql, parameters).fetchall():
            condition = Condition(rule, site_id, kpi, entity, subject_start, severity, message)
            found.setdefault(condition.alert_key, condition)
    return sorted(found.values(), key=lambda condition: condition.alert_key)


def _ensure_history(con: duckdb.DuckDBPyConnection) -> None:
    definition = ", ".join(f"{name} {sql_type}" for name, sql_type, _ in COLUMNS)
    con.execute(f"create schema if not exists {HISTORY_SCHEMA}")
    con.execute(f"create table if not exists {ALERT_HISTORY} ({definition}, primary key (alert_key))")


@dataclass(frozen=True)
class AlertRun:
    raised: int
    suppressed: int
    still_active: int
    cleared: int
    active: int


def merge_alerts(
    con: duckdb.DuckDBPyConnection, conditions: list[Condition], now: dt.datetime, daily_budget: int
) -> AlertRun:
    """Fold this run's conditions into the history: raise, advance, clear; apply the site's daily budget."""
    _ensure_history(con)
    known = {
        key: (cleared_at, is_suppressed)
        for key, cleared_at, is_suppressed in con.execute(
            f"select alert_key, cleared_at, is_suppressed from {ALERT_HISTORY}"
        ).fetchall()
    }
    today = now.date()
    let_through = {
        site_id: count
        for site_id, count in con.execute(
            f"select site_id, count(*) from {ALERT_HISTORY} where raised_date = $today and not is_suppressed "
            "group by site_id",
            {"today": today},
        ).fetchall()
    }
    new = [condition for condition in conditions if condition.alert_key not in known]
    # The budget lets the most severe through first; ties in a fixed order, so a rerun decides the same.
    new.sort(key=lambda condition: (-SEVERITY_RANK.get(condition.severity, 0), condition.rule, condition.alert_key))
    suppressed = 0
    for condition in new:
        is_suppressed = let_through.get(condition.site_id, 0) >= daily_budget
        if is_suppressed:
            suppressed += 1
        else:
            let_through[condition.site_id] = let_through.get(condition.site_id, 0) + 1
        con.execute(
            f"insert into {ALERT_HISTORY} values "
            "($key, $rule, $site, $kpi, $entity, $start, $severity, $message, $now, $now, null, $today, $suppressed)",
            {
                "key": condition.alert_key,
                "rule": condition.rule,
                "site": condition.site_id,
                "kpi": condition.kpi,
                "entity": condition.entity,
                "start": condition.subject_start,
                "severity": condition.severity,
                "message": condition.message,
                "now": now,
                "today": today,
                "suppressed": is_suppressed,
            },
        )
    seen = [condition for condition in conditions if condition.alert_key in known]
    for condition in seen:
        # A condition that holds again after it cleared (a gate paused, released, paused again within one
        # streak's key) is the same alert, active again; it is not posted a second time.
        con.execute(
            f"update {ALERT_HISTORY} set last_seen_at = $now, cleared_at = null, message = $message, "
            "severity = $severity where alert_key = $key",
            {"now": now, "message": condition.message, "severity": condition.severity, "key": condition.alert_key},
        )
    holding = [condition.alert_key for condition in conditions]
    cleared = con.execute(
        f"update {ALERT_HISTORY} set cleared_at = $now "
        "where cleared_at is null and not list_contains($holding, alert_key)",
        {"now": now, "holding": holding},
    ).fetchone()[0]
    return AlertRun(
        raised=len(new) - suppressed,
        suppressed=suppressed,
        still_active=len(seen),
        cleared=int(cleared),
        active=len(conditions),
    )


def write_alert_mart(con: duckdb.DuckDBPyConnection) -> None:
    names = ", ".join(name for name, _, _ in COLUMNS)
    write_mart(
        con,
        RELATION,
        MART_COLUMNS,
        f"select {names}, cleared_at is null as is_active from {ALERT_HISTORY}",
        order_by="first_raised_at desc, alert_key",
    )


def write_alerts(con: duckdb.DuckDBPyConnection, now: dt.datetime, daily_budget: int, recent_days: int) -> AlertRun:
    """Find this run's conditions, merge them into the history, publish the history as marts.alerts."""
    conditions = find_conditions(con, recent_days)
    con.execute("begin transaction")
    try:
        result = merge_alerts(con, conditions, now, daily_budget)
        write_alert_mart(con)
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    return result
