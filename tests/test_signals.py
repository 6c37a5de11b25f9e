"""The signal detectors on small hand-made series (orchestration/detectors.py), and the two marts they write from
hand-made DuckDB tables (orchestration/signals.py): fast, no warehouse build."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import numpy as np
import pytest
from conftest import query

from orchestration.anomaly_signals import DELIVERY_GAP_COLUMNS, KPI_ANOMALY_COLUMNS, write_signals
from orchestration.detectors import (
    CUSUM_THRESHOLD,
    MIN_VOLUME,
    KpiSeries,
    detect_delivery_gaps,
    detect_kpi_anomalies,
)

START = dt.date(2026, 1, 5)
DAYS = 120
VOLUME = 500
ERROR_RATE = 0.01


def standard_error(volume: int = VOLUME, rate: float = ERROR_RATE) -> float:
    return float(np.sqrt(rate * (1 - rate) / volume))


def accuracy_series(
    seed: int, extra_error: dict[int, float] | None = None, go_live_date: dt.date | None = None
) -> KpiSeries:
    """A pick-accuracy-like series: VOLUME picks a day, each wrong with ERROR_RATE (+ extra on some days)."""
    rng = np.random.default_rng(seed)
    rate = np.full(DAYS, ERROR_RATE)
    for day, extra in (extra_error or {}).items():
        rate[day] += extra
    denominator = np.full(DAYS, float(VOLUME))
    numerator = denominator - rng.binomial(VOLUME, rate)
    return KpiSeries("S1", "pick_accuracy", "higher", START, numerator, denominator, go_live_date)


@pytest.mark.parametrize("seed", range(1, 5))
def test_a_clean_series_raises_nothing(seed: int):
    assert detect_kpi_anomalies(accuracy_series(seed)) == []


def test_clean_series_raise_under_a_fifth_of_a_false_alarm_per_30_days():
    """Over many clean series a rare false alarm is the price of finding shifts early (issue #16: ≤ 0.2)."""
    events, judged_days = 0, 0
    for seed in range(60):
        days = [(anomaly.kpi_date - START).days for anomaly in detect_kpi_anomalies(accuracy_series(100 + seed))]
        events += sum(1 for index, day in enumerate(days) if index == 0 or day - days[index - 1] > 2)
        judged_days += DAYS - 28
    assert 30 * events / judged_days <= 0.2


def test_a_spike_is_found_on_its_day_as_worse_with_its_band():
    spike_day = 80
    found = detect_kpi_anomalies(accuracy_series(1, {spike_day: 7 * standard_error()}))
    assert [(anomaly.kpi_date, anomaly.kind, anomaly.direction) for anomaly in found] == [
        (START + dt.timedelta(days=spike_day), "spike", "worse")
    ]
    anomaly = found[0]
    assert anomaly.observed_value < anomaly.lower_bound < anomaly.expected_value < anomaly.upper_bound
    assert anomaly.score < -4 and not anomaly.in_go_live_window


def test_a_departure_is_worse_or_better_by_the_direction_of_the_kpi():
    series = accuracy_series(1, {80: 7 * standard_error()})
    lower_is_better = KpiSeries("S1", "error_share", "lower", START, series.numerator, series.denominator)
    assert [(anomaly.kind, anomaly.direction) for anomaly in detect_kpi_anomalies(lower_is_better)] == [
        ("spike", "better")
    ]


@pytest.mark.parametrize("seed", range(3))
def test_a_level_shift_is_found_within_two_days_with_its_start_day(seed: int):
    start, length = 70, 14
    shift = {day: 3 * standard_error() for day in range(start, start + length)}
    found = detect_kpi_anomalies(accuracy_series(seed, shift))
    shifts = [anomaly for anomaly in found if anomaly.kind == "level_shift"]
    assert shifts, found
    first = shifts[0]
    assert (first.kpi_date - START).days - start <= 2
    assert abs((first.anomaly_start_date - START).days - start) <= 2
    assert first.direction == "worse" and first.cusum <= -CUSUM_THRESHOLD
    assert all(start <= (anomaly.kpi_date - START).days < start + length + 7 for anomaly in found)


def test_a_day_below_the_minimum_volume_is_not_judged():
    series = accuracy_series(3)
    series.numerator[90], series.denominator[90] = 1.0, 2.0  # one of two picks right
    assert detect_kpi_anomalies(series) == []


def test_the_go_live_dip_and_its_recovery_raise_nothing():
    """Judged against the hypercare curve (its last week), not the norm before go-live; recovering is not news."""
    go_live = 60
    extra = {day: 0.04 * np.exp(-(day - go_live) / 10) for day in range(go_live, DAYS)}
    assert detect_kpi_anomalies(accuracy_series(4, extra, START + dt.timedelta(days=go_live))) == []


def test_the_same_dip_without_a_go_live_date_is_raised_as_worse():
    extra = {day: 0.04 * np.exp(-(day - 60) / 10) for day in range(60, DAYS)}
    found = detect_kpi_anomalies(accuracy_series(4, extra))
    assert found and found[0].kpi_date == START + dt.timedelta(days=60) and found[0].direction == "worse"


def delivered_rows(seed: int, sites: int = 3, days: int = 70) -> np.ndarray:
    rng = np.random.default_rng(seed)
    weekday = np.array([1.0, 1.0, 1.0, 1.0, 0.9, 0.1, 0.05])[np.arange(days) % 7]
    return rng.poisson(200 * weekday[None, :].repeat(sites, axis=0)).astype(float)


def test_a_site_that_stops_delivering_is_a_gap_while_the_others_deliver():
    rows = delivered_rows(5)
    rows[1, 50:52] = 0  # site S2's interface stops for two working days
    found = detect_delivery_gaps("picks", ["S1", "S2", "S3"], START, rows)
    assert [(gap.site_id, gap.gap_date, gap.gap_start_date, gap.observed_rows) for gap in found] == [
        ("S2", START + dt.timedelta(days=50), START + dt.timedelta(days=50), 0),
        ("S2", START + dt.timedelta(days=51), START + dt.timedelta(days=50), 0),
    ]
    assert found[0].expected_rows > 100 and found[0].other_sites_delivering == 2


def test_weekends_and_a_network_wide_silence_are_no_gap():
    rows = delivered_rows(6)
    rows[:, 57] = 0  # nobody delivered that day: a freshness matter, not a site's gap
    assert detect_delivery_gaps("picks", ["S1", "S2", "S3"], START, rows) == []


def hand_made_warehouse() -> duckdb.DuckDBPyConnection:
    """The relations the signals step reads, with one spiking series and one silent site-day."""
    con = duckdb.connect()
    con.execute("create schema marts; create schema staging")
    con.execute(
        "create table marts.kpi_definitions as select * from (values "
        "('pick_accuracy', 'higher', 'ratio', 'additive', 'the site-local date of picked_at'), "
        "('exception_backlog', 'lower', 'count', 'level', 'every calendar day of the site')) "
        "as t(kpi, direction, unit, aggregation, day_definition)"
    )
    series = accuracy_series(1, {80: 7 * standard_error()})
    rows = [
        ("S1", START + dt.timedelta(days=day), "pick_accuracy", series.numerator[day], series.denominator[day])
        for day in range(DAYS)
    ] + [("S1", START + dt.timedelta(days=day), "exception_backlog", 1.0, 1.0) for day in range(DAYS)]
    con.execute("create table marts.kpi_daily (site_id varchar, kpi_date date, kpi varchar, numerator double, "
                "denominator double)")  # fmt: skip
    con.executemany("insert into marts.kpi_daily values (?, ?, ?, ?, ?)", rows)
    con.execute("create table staging.stg_erp__sites as select 'S1' as site_id, null::date as go_live_date")
    delivered = delivered_rows(5, sites=2)
    delivered[0, 50] = 0
    counts = [
        (site_id, f"picks_{START + dt.timedelta(days=day):%Y%m%d}.csv", int(delivered[site, day]))
        for site, site_id in enumerate(("S1", "S2"))
        for day in range(delivered.shape[1])
    ]
    con.execute("create table counts (site_id varchar, source_file_name varchar, row_count bigint)")
    con.executemany("insert into counts values (?, ?, ?)", counts)
    con.execute(
        "create table staging.stg_erp__picks as select site_id, source_file_name from counts, range(counts.row_count)"
    )
    return con


def test_the_signals_step_writes_both_marts_with_their_documented_columns():
    with hand_made_warehouse() as con:
        assert write_signals(con) == (1, 1)
        for name, columns in (("kpi_anomalies", KPI_ANOMALY_COLUMNS), ("delivery_gaps", DELIVERY_GAP_COLUMNS)):
            described = con.execute(f"select column_name from (describe marts.{name})").fetchall()
            assert [column for (column,) in described] == [name for name, _, _ in columns]
        assert con.execute("select site_id, kpi, kpi_date, kind, direction from marts.kpi_anomalies").fetchall() == [
            ("S1", "pick_accuracy", START + dt.timedelta(days=80), "spike", "worse")
        ]
        assert con.execute("select site_id, entity, gap_date from marts.delivery_gaps").fetchall() == [
            ("S1", "picks", START + dt.timedelta(days=50))
        ]


def test_the_job_publishes_both_marts_even_when_nothing_is_judged(small_warehouse: Path):
    """Two sites and three orders: too little to judge, yet the marts exist with their columns for readers."""
    for name, columns in (("kpi_anomalies", KPI_ANOMALY_COLUMNS), ("delivery_gaps", DELIVERY_GAP_COLUMNS)):
        described = query(small_warehouse, f"select column_name from (describe marts.{name})")
        assert [column for (column,) in described] == [name for name, _, _ in columns]
        assert query(small_warehouse, f"select count(*) from marts.{name}") == [(0,)]


@pytest.mark.slow
def test_the_sample_s_signals_keep_their_grain_and_lie_on_judged_days(sample_warehouse: Path):
    duplicates = query(
        sample_warehouse,
        "select site_id, kpi, kpi_date from marts.kpi_anomalies group by all having count(*) > 1 "
        "union all select site_id, entity, gap_date from marts.delivery_gaps group by all having count(*) > 1",
    )
    assert duplicates == []
    outside = query(
        sample_warehouse,
        "select anomalies.* from marts.kpi_anomalies as anomalies left join marts.kpi_daily as daily "
        "using (site_id, kpi, kpi_date) "
        "where daily.denominator is distinct from anomalies.denominator or anomalies.denominator < ? "
        "or anomalies.kind not in ('spike', 'level_shift') or anomalies.direction not in ('worse', 'better')",
        [MIN_VOLUME],
    )
    assert outside == []


def test_a_lumpy_entity_is_not_judged_on_a_day_it_is_rarely_busy():
    """A few orders' events on a Saturday (6, 20, 39, 29 rows, then none) are no interface that stopped."""
    rows = delivered_rows(7, days=35)
    saturdays = [5, 12, 19, 26, 33]
    rows[0, saturdays] = [6, 20, 39, 29, 0]
    assert detect_delivery_gaps("process_events", ["S1", "S2", "S3"], START, rows) == []
