"""marts.alerts over hand-made signal and scorecard tables (orchestration/alerts.py), and the webhook sensor
(orchestration/alert_webhook.py) posting to a real HTTP receiver on 127.0.0.1."""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from conftest import query

from orchestration.alert_webhook import build_alert_sensor
from orchestration.alerts import ALERT_HISTORY, MART_COLUMNS, write_alerts
from orchestration.cli import run_pipeline
from orchestration.settings import PROJECT_ROOT, SAMPLE_EXTRACTS_DIR, AlertSettings, Settings

RUN_1 = dt.datetime(2026, 5, 4, 6, 0)
RUN_2 = dt.datetime(2026, 5, 4, 7, 0)
AS_OF = dt.datetime(2026, 5, 4, 5, 0)


def signal_tables(con: duckdb.DuckDBPyConnection) -> None:
    """The relations the rules read, empty: a test inserts the rows its rule needs."""
    con.execute("create schema if not exists marts")
    con.execute("create schema if not exists intermediate")
    con.execute(
        "create table intermediate.int_warehouse_as_of as select $as_of::timestamp as as_of_at", {"as_of": AS_OF}
    )
    con.execute("create table marts.kpi_definitions as select 'pick_accuracy' as kpi, 'Pick accuracy' as kpi_name")
    con.execute(
        "create table marts.exception_queue (site_id varchar, exception_id varchar, exception_type varchar, "
        "severity varchar, order_id varchar, opened_at timestamp, age_hours double, sla_hours double, "
        "value_at_risk double)"
    )
    con.execute(
        "create table marts.kpi_anomalies (site_id varchar, kpi varchar, kpi_date date, kind varchar, "
        "anomaly_start_date date, observed_value double, expected_value double, lower_bound double, "
        "upper_bound double, score double, direction varchar)"
    )
    con.execute(
        "create table marts.site_scorecard (site_id varchar, kpi varchar, week_start_date date, rag_status varchar, "
        "value double, red_threshold double)"
    )
    con.execute(
        "create table marts.wave_gates (rollout_wave varchar, previous_rollout_wave varchar, week_start_date date, "
        "gate_status varchar, gate_reason varchar)"
    )
    con.execute(
        "create table marts.wave_gate_sites (site_id varchar, rollout_wave varchar, week_start_date date, "
        "site_verdict varchar, site_reason varchar)"
    )
    con.execute(
        "create table marts.delivery_gaps (site_id varchar, entity varchar, gap_date date, gap_start_date date, "
        "expected_rows double, observed_rows bigint, other_sites_delivering bigint)"
    )


def add_exception(con: duckdb.DuckDBPyConnection, exception_id: str, site_id: str = "S1", **values) -> None:
    row = {"severity": "high", "age_hours": 30.0, "sla_hours": 8.0, "opened_at": AS_OF - dt.timedelta(hours=30)}
    row.update(values)
    con.execute(
        "insert into marts.exception_queue values ($site, $id, 'shortage', $severity, 'O1', $opened, $age, $sla, 10)",
        {
            "site": site_id,
            "id": exception_id,
            "severity": row["severity"],
            "opened": row["opened_at"],
            "age": row["age_hours"],
            "sla": row["sla_hours"],
        },
    )


def alerts(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    return con.execute(
        "select alert_key, rule, severity, first_raised_at, last_seen_at, cleared_at, is_suppressed, is_active "
        "from marts.alerts order by alert_key"
    ).fetchall()


@pytest.fixture
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    with duckdb.connect() as connection:
        signal_tables(connection)
        yield connection


def test_the_same_condition_over_two_runs_is_one_alert_with_last_seen_advanced(con):
    add_exception(con, "E1")
    first = write_alerts(con, RUN_1, daily_budget=5, recent_days=7)
    second = write_alerts(con, RUN_2, daily_budget=5, recent_days=7)
    assert (first.raised, second.raised, second.still_active) == (1, 0, 1)
    [(key, rule, severity, first_raised, last_seen, cleared, is_suppressed, is_active)] = alerts(con)
    assert key == f"exception_past_twice_sla:S1:E1:{AS_OF - dt.timedelta(hours=30)}"
    assert (rule, severity, first_raised, last_seen, cleared, is_suppressed, is_active) == (
        "exception_past_twice_sla",
        "high",
        RUN_1,
        RUN_2,
        None,
        False,
        True,
    )


def test_an_exception_within_twice_its_sla_raises_nothing(con):
    add_exception(con, "E1", age_hours=16.0, sla_hours=8.0)
    write_alerts(con, RUN_1, daily_budget=5, recent_days=7)
    assert alerts(con) == []


def test_an_alert_is_cleared_when_its_condition_no_longer_holds_and_kept(con):
    add_exception(con, "E1")
    write_alerts(con, RUN_1, daily_budget=5, recent_days=7)
    con.execute("delete from marts.exception_queue")  # resolved
    result = write_alerts(con, RUN_2, daily_budget=5, recent_days=7)
    assert result.cleared == 1
    [(_key, _rule, _severity, first_raised, last_seen, cleared, _suppressed, is_active)] = alerts(con)
    assert (first_raised, last_seen, cleared, is_active) == (RUN_1, RUN_1, RUN_2, False)


def test_a_site_gets_its_daily_budget_of_new_alerts_the_most_severe_first_and_the_rest_suppressed(con):
    for number, severity in enumerate(["medium", "critical", "high", "medium"], start=1):
        add_exception(con, f"E{number}", severity=severity)
    add_exception(con, "E9", site_id="S2", severity="medium")
    result = write_alerts(con, RUN_1, daily_budget=2, recent_days=7)
    assert (result.raised, result.suppressed) == (3, 2)
    let_through = con.execute(
        "select site_id, severity from marts.alerts where not is_suppressed order by site_id, severity"
    ).fetchall()
    assert let_through == [("S1", "critical"), ("S1", "high"), ("S2", "medium")]
    # Later the same day the budget is spent: a new critical alert is kept, suppressed.
    add_exception(con, "E5", severity="critical")
    later = write_alerts(con, RUN_2, daily_budget=2, recent_days=7)
    assert (later.raised, later.suppressed) == (0, 1)
    # The next day the site has a budget again.
    add_exception(con, "E6", severity="low")
    next_day = write_alerts(con, RUN_1 + dt.timedelta(days=1), daily_budget=2, recent_days=7)
    assert (next_day.raised, next_day.suppressed) == (1, 0)
    assert con.execute(f"select count(*) from {ALERT_HISTORY}").fetchone() == (7,)


def test_a_kpi_red_two_weeks_running_raises_one_alert_keyed_by_its_first_red_week(con):
    weeks = [dt.date(2026, 4, 6) + dt.timedelta(weeks=index) for index in range(4)]
    for week, status in zip(weeks, ["red", "green", "red", "red"], strict=True):
        con.execute(
            "insert into marts.site_scorecard values ('S1', 'pick_accuracy', $week, $status, 0.9, 0.95)",
            {"week": week, "status": status},
        )
    # One red week at another site is not two running.
    con.execute(
        "insert into marts.site_scorecard values ('S2', 'pick_accuracy', $week, 'red', 0.9, 0.95)", {"week": weeks[-1]}
    )
    write_alerts(con, RUN_1, daily_budget=5, recent_days=7)
    assert [row[:3] for row in alerts(con)] == [
        (f"kpi_red_two_weeks:S1:pick_accuracy:{weeks[2]}", "kpi_red_two_weeks", "high")
    ]


def test_a_worse_anomaly_raises_an_alert_and_a_better_or_old_one_does_not(con):
    rows = [
        ("S1", "pick_accuracy", AS_OF.date() - dt.timedelta(days=1), "spike", "worse"),
        ("S1", "line_fill_rate", AS_OF.date() - dt.timedelta(days=1), "spike", "better"),
        ("S2", "pick_accuracy", AS_OF.date() - dt.timedelta(days=30), "level_shift", "worse"),
    ]
    for site_id, kpi, day, kind, direction in rows:
        con.execute(
            "insert into marts.kpi_anomalies values "
            "($site, $kpi, $day, $kind, $day, 0.9, 0.99, 0.98, 1.0, -5, $direction)",
            {"site": site_id, "kpi": kpi, "day": day, "kind": kind, "direction": direction},
        )
    write_alerts(con, RUN_1, daily_budget=5, recent_days=7)
    [(key, rule, severity, *_)] = alerts(con)
    assert (key, rule, severity) == (
        f"kpi_anomaly_worse:S1:pick_accuracy:{AS_OF.date() - dt.timedelta(days=1)}",
        "kpi_anomaly_worse",
        "medium",
    )
    message = con.execute("select message from marts.alerts").fetchone()[0]
    assert message.startswith("Pick accuracy worse than its band since")
    assert "expected 0.990 (band 0.980 to 1.000)" in message


def test_a_wave_gate_turning_to_pause_raises_a_critical_alert_for_the_pausing_site(con):
    week_1, week_2 = dt.date(2026, 4, 20), dt.date(2026, 4, 27)
    con.execute(
        "insert into marts.wave_gates values ('w2', 'w1', $week_1, 'hold', 'S1 red'), "
        "('w2', 'w1', $week_2, 'pause', 'S1 three red')",
        {"week_1": week_1, "week_2": week_2},
    )
    con.execute(
        "insert into marts.wave_gate_sites values ('S1', 'w1', $week_2, 'pause', 'Site 1 (S1): 3 red (A, B, C)'), "
        "('S3', 'w1', $week_2, 'stable', null)",
        {"week_2": week_2},
    )
    write_alerts(con, RUN_1, daily_budget=5, recent_days=7)
    assert [row[:3] for row in alerts(con)] == [(f"wave_gate_pause:S1:w2:{week_2}", "wave_gate_pause", "critical")]
    # The gate released the next week: the alert clears.
    con.execute(
        "insert into marts.wave_gates values ('w2', 'w1', $week, 'proceed', null)",
        {"week": week_2 + dt.timedelta(weeks=1)},
    )
    write_alerts(con, RUN_2, daily_budget=5, recent_days=7)
    assert alerts(con)[0][5] == RUN_2


def test_a_recent_delivery_gap_raises_one_alert_per_gap(con):
    start = AS_OF.date() - dt.timedelta(days=2)
    for offset in range(2):
        con.execute(
            "insert into marts.delivery_gaps values ('S1', 'picks', $day, $start, 120, 0, 3)",
            {"day": start + dt.timedelta(days=offset), "start": start},
        )
    write_alerts(con, RUN_1, daily_budget=5, recent_days=7)
    assert [row[:3] for row in alerts(con)] == [(f"delivery_gap:S1:picks:{start}", "delivery_gap", "high")]


def test_the_mart_has_its_documented_columns_even_without_any_signal_relation():
    with duckdb.connect() as bare:
        write_alerts(bare, RUN_1, daily_budget=5, recent_days=7)
        described = bare.execute("select column_name from (describe marts.alerts)").fetchall()
    assert [column for (column,) in described] == [name for name, _, _ in MART_COLUMNS]


# The webhook sensor, against a receiver on 127.0.0.1.


class Receiver(ThreadingHTTPServer):
    def __init__(self, failures: int = 0) -> None:
        super().__init__(("127.0.0.1", 0), ReceiverHandler)
        self.failures = failures
        self.texts: list[str] = []
        self.attempts = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/hook"


class ReceiverHandler(BaseHTTPRequestHandler):
    server: Receiver

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.attempts += 1
        if self.server.failures > 0:
            self.server.failures -= 1
            self.send_response(500)
        else:
            self.server.texts.append(body["text"])
            self.send_response(200)
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def published(tmp_path: Path) -> Path:
    """A warehouse file holding marts.alerts: two alerts let through, one suppressed."""
    path = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(path)) as con:
        signal_tables(con)
        add_exception(con, "E1", severity="critical")
        add_exception(con, "E2", severity="high")
        add_exception(con, "E3", severity="medium")
        write_alerts(con, RUN_1, daily_budget=2, recent_days=7)
    return path


def evaluate_sensor(warehouse: Path) -> dg.SkipReason:
    with dg.build_sensor_context() as context:
        [result] = list(build_alert_sensor(Settings.from_env(warehouse.parent, warehouse))(context))
    return result


def test_the_sensor_posts_each_new_unsuppressed_alert_once_even_after_a_restart(published, receiver, monkeypatch):
    monkeypatch.setenv("OBSERVATORY_ALERT_WEBHOOK", receiver.url)
    first = evaluate_sensor(published)
    assert "2 alert(s) posted" in first.skip_message
    assert len(receiver.texts) == 2
    assert receiver.texts[0].startswith("[critical] S1: critical exception E1")
    # A new evaluation with a fresh context and resource (as after a daemon restart) posts nothing again.
    again = evaluate_sensor(published)
    assert again.skip_message == "no new alert"
    assert len(receiver.texts) == 2
    deliveries = Settings.from_env(published.parent, published).alert_deliveries_database
    assert query(deliveries, "select count(*) from delivered") == [(2,)]


def test_the_sensor_retries_a_post_the_receiver_refused(published, receiver, monkeypatch):
    receiver.failures = 1
    monkeypatch.setenv("OBSERVATORY_ALERT_WEBHOOK", receiver.url)
    monkeypatch.setattr("orchestration.alert_webhook.AlertSettings.backoff_seconds", 0.01)
    evaluate_sensor(published)
    assert receiver.attempts == 3  # one refused, then both alerts accepted
    assert len(receiver.texts) == 2


def test_an_alert_refused_on_every_attempt_ends_the_tick_unrecorded_and_is_posted_at_the_next(
    published, receiver, monkeypatch
):
    receiver.failures = 3
    monkeypatch.setenv("OBSERVATORY_ALERT_WEBHOOK", receiver.url)
    monkeypatch.setattr("orchestration.alert_webhook.AlertSettings.backoff_seconds", 0.01)
    first = evaluate_sensor(published)
    assert first.skip_message == "0 alert(s) posted, 2 left for the next tick"
    assert receiver.attempts == 3  # the first alert's three attempts; the second was not tried
    second = evaluate_sensor(published)
    assert second.skip_message == "2 alert(s) posted, 0 left for the next tick"
    assert len(receiver.texts) == 2 and len(set(receiver.texts)) == 2


def test_a_tick_does_not_wait_for_a_run_holding_the_warehouse_lock(published, receiver, monkeypatch):
    monkeypatch.setenv("OBSERVATORY_ALERT_WEBHOOK", receiver.url)
    lock_path = Settings.from_env(published.parent, published).lock_path
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with lock_path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        assert "2 alert(s) posted" in evaluate_sensor(published).skip_message


def test_nothing_is_sent_while_the_webhook_is_unset(published, receiver, monkeypatch):
    monkeypatch.delenv("OBSERVATORY_ALERT_WEBHOOK", raising=False)
    result = evaluate_sensor(published)
    assert "not set" in result.skip_message
    assert receiver.attempts == 0


@pytest.mark.slow
def test_the_job_publishes_alerts_and_a_full_refresh_keeps_when_they_were_first_raised(tmp_path: Path):
    settings = Settings.from_env(SAMPLE_EXTRACTS_DIR, tmp_path / "warehouse.duckdb")
    run_pipeline(settings, "ERROR")
    first = dict(query(settings.warehouse_path, "select alert_key, first_raised_at from marts.alerts"))
    assert first, "the sample has exceptions past twice their SLA and KPIs red for weeks"
    run_pipeline(settings, "ERROR", full_refresh=True)
    second = query(
        settings.warehouse_path, "select alert_key, first_raised_at, last_seen_at, is_active from marts.alerts"
    )
    assert {key: raised for key, raised, _seen, _active in second} == first
    assert all(seen > first[key] and is_active for key, _raised, seen, is_active in second)


def test_every_column_of_alerts_is_described_in_the_kpi_docs():
    section = (PROJECT_ROOT / "docs" / "kpis.md").read_text().split("### `marts.alerts`", 1)[1]
    for name, _, _ in MART_COLUMNS:
        assert f"`{name}`" in section, name


def test_the_budget_recent_days_and_webhook_come_from_the_environment(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("OBSERVATORY_ALERT_DAILY_BUDGET", "2")
    monkeypatch.setenv("OBSERVATORY_ALERT_RECENT_DAYS", "3")
    monkeypatch.setenv("OBSERVATORY_ALERT_WEBHOOK", "http://127.0.0.1:9/hook")
    assert AlertSettings.from_env() == AlertSettings(
        daily_budget=2, recent_days=3, webhook_url="http://127.0.0.1:9/hook"
    )
    monkeypatch.setenv("OBSERVATORY_ALERT_WEBHOOK", "")
    assert AlertSettings.from_env().webhook_url is None


@pytest.mark.slow
def test_a_warehouse_with_nothing_to_alert_on_publishes_an_empty_alerts_mart(small_warehouse: Path):
    columns = query(
        small_warehouse,
        "select column_name from duckdb_columns() where schema_name = 'marts' and table_name = 'alerts' "
        "order by column_index",
    )
    assert [name for (name,) in columns] == [name for name, _, _ in MART_COLUMNS]
    assert query(small_warehouse, "select count(*) from marts.alerts") == [(0,)]
