"""Orders at risk (orchestration/orders_at_risk.py, marts.orders_at_risk) and the exception queue as published: the
rule baseline, the reasons, the time split on hand-made lines, and what a real run publishes."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import query

from orchestration.orders_at_risk import (
    CHANNELS,
    COLUMNS,
    FEATURE_NAMES,
    MODEL_COLUMNS,
    baseline_probability,
    evaluate,
    feature_matrix,
    model_rows,
    reasons,
    train,
)
from orchestration.settings import PROJECT_ROOT, RiskSettings

AS_OF = dt.date(2026, 3, 31)


def lines(count: int, seed: int = 7) -> pd.DataFrame:
    """Hand-made snapshot lines over 10 weeks: a line misses when it is partly shipped, or (less often) when its due
    day ends within a day; nothing else matters."""
    rng = np.random.default_rng(seed)
    days_back = rng.integers(0, 70, count)
    frame = pd.DataFrame({name: np.zeros(count) for name in FEATURE_NAMES})
    frame["days_back"] = days_back
    frame["snapshot_date"] = pd.to_datetime(AS_OF) - pd.to_timedelta(days_back, unit="D")
    frame["days_to_due"] = rng.integers(0, 8, count)
    frame["requested_ship_date"] = frame["snapshot_date"] + pd.to_timedelta(frame["days_to_due"], unit="D")
    frame["hours_to_due_end"] = frame["days_to_due"] * 24 + rng.uniform(1, 24, count)
    frame["is_partially_shipped"] = (rng.random(count) < 0.2).astype(int)
    frame["order_age_hours"] = rng.uniform(0, 72, count)
    frame["order_line_count"] = rng.integers(1, 6, count)
    frame["site_missed_share_14d"] = rng.uniform(0.05, 0.15, count)
    frame["is_channel_edi"] = (rng.random(count) < 0.5).astype(int)
    risk = 0.05 + 0.8 * frame["is_partially_shipped"] + 0.3 * (frame["hours_to_due_end"] <= 24)
    frame["missed"] = (rng.random(count) < risk.clip(0, 0.95)).astype(float)
    # Lines whose due day has not ended yet have no outcome.
    frame.loc[frame["requested_ship_date"] > pd.to_datetime(AS_OF), "missed"] = np.nan
    return frame


def test_baseline_flags_partly_shipped_lines_and_lines_due_within_a_day_else_takes_the_site_missed_share():
    frame = pd.DataFrame(
        {
            "is_partially_shipped": [1, 0, 0, 0],
            "hours_to_due_end": [100.0, 20.0, 30.0, 30.0],
            "site_missed_share_14d": [0.1, 0.1, 0.25, None],
        }
    )
    assert baseline_probability(frame).tolist() == [1.0, 1.0, 0.25, 0.0]


def test_the_model_learns_a_planted_risk_and_beats_the_baseline_on_the_later_weeks():
    evaluation = evaluate(lines(6000), test_days=21)
    assert evaluation is not None
    assert evaluation.model_auc > 0.8
    assert evaluation.model_auc > evaluation.baseline_auc
    assert evaluation.model_brier < evaluation.baseline_brier


def test_the_time_split_trains_only_on_lines_due_before_the_first_test_day():
    frame = lines(3000)
    labelled = frame[frame["missed"].notna()]
    first_test_day = labelled["snapshot_date"].max() - pd.Timedelta(days=20)
    evaluation = evaluate(frame, test_days=21)
    assert evaluation is not None
    expected_training = (labelled["snapshot_date"] < first_test_day) & (
        labelled["requested_ship_date"] < first_test_day
    )
    assert evaluation.train_lines == int(expected_training.sum())
    assert evaluation.test_lines == int((labelled["snapshot_date"] >= first_test_day).sum())
    # Lines seen in training but due in the test weeks are in neither: their outcome belongs to the later weeks.
    assert evaluation.train_lines + evaluation.test_lines < len(labelled)


def test_reasons_name_only_what_raises_a_line_s_risk_and_never_a_flag_that_is_not_set():
    frame = lines(4000)
    model = train(frame)
    assert model is not None
    partly_shipped = frame[(frame["is_partially_shipped"] == 1) & (frame["hours_to_due_end"] > 48)].head(5)
    for line in reasons(model, partly_shipped):
        assert line[0] == "partly shipped, the rest still to ship"
    calm = frame[(frame["is_partially_shipped"] == 0) & (frame["hours_to_due_end"] > 96)].head(20)
    for line in reasons(model, calm):
        assert "partly shipped, the rest still to ship" not in line
    # Whatever the channel flags weigh, a line names only its own channel.
    for (_, row), line in zip(frame.iterrows(), reasons(model, frame), strict=True):
        named = {reason.removesuffix(" order") for reason in line if reason.removesuffix(" order") in CHANNELS}
        assert named <= {channel for channel in CHANNELS if row[f"is_channel_{channel}"] == 1}


def test_the_published_model_rows_recompute_every_probability_by_hand():
    frame = lines(2000)
    model = train(frame)
    assert model is not None
    published = model_rows(model)
    assert list(published.columns) == [name for name, _, _ in MODEL_COLUMNS]
    assert published["feature"].tolist() == FEATURE_NAMES
    standardised = (feature_matrix(frame) - published["training_mean"].to_numpy()) / published[
        "training_scale"
    ].to_numpy()
    log_odds = published["intercept"].iloc[0] + standardised @ published["coefficient"].to_numpy()
    assert np.allclose(1 / (1 + np.exp(-log_odds)), model.probability(frame), atol=1e-12)


def test_too_little_history_trains_no_model():
    frame = lines(30)
    assert train(frame) is None


def test_the_horizon_and_history_come_from_the_environment(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("OBSERVATORY_RISK_HORIZON_DAYS", "3")
    monkeypatch.setenv("OBSERVATORY_RISK_HISTORY_DAYS", "30")
    assert RiskSettings.from_env() == RiskSettings(horizon_days=3, history_days=30)


def test_every_column_of_orders_at_risk_and_its_model_is_described_in_the_kpi_docs():
    docs = (PROJECT_ROOT / "docs" / "kpis.md").read_text()
    section = docs.split("### `marts.orders_at_risk`", 1)[1]
    for name, _, _ in COLUMNS + MODEL_COLUMNS:
        assert f"`{name}`" in section, name


def test_a_warehouse_without_order_lines_publishes_an_empty_orders_at_risk_and_exception_queue(small_warehouse: Path):
    columns = query(
        small_warehouse,
        "select column_name from duckdb_columns() where schema_name = 'marts' and table_name = 'orders_at_risk' "
        "order by column_index",
    )
    assert [name for (name,) in columns] == [name for name, _, _ in COLUMNS]
    assert query(small_warehouse, "select count(*) from marts.orders_at_risk") == [(0,)]
    assert query(small_warehouse, "select count(*) from marts.orders_at_risk_model") == [(0,)]
    assert query(small_warehouse, "select count(*) from marts.exception_queue") == [(0,)]


@pytest.mark.slow
def test_the_sample_run_publishes_open_lines_due_within_the_horizon_with_probabilities_and_reasons(
    sample_warehouse: Path,
):
    horizon = RiskSettings.from_env().horizon_days
    rows = query(
        sample_warehouse,
        """
        select
            count(*),
            count(*) filter (where days_to_due between 0 and ?),
            count(*) filter (where shipped_qty < ordered_qty),
            count(*) filter (where miss_probability between 0 and 1),
            count(*) filter (where reason_1 is not null),
            min(training_lines),
            count(distinct as_of_at)
        from marts.orders_at_risk
        """,
        [horizon],
    )
    total, within_horizon, open_lines, with_probability, with_reason, training_lines, as_of_instants = rows[0]
    assert total > 0
    assert within_horizon == open_lines == with_probability == total
    assert with_reason > 0
    assert training_lines > 1000
    assert as_of_instants == 1
    assert query(sample_warehouse, "select count(*), min(training_lines) from marts.orders_at_risk_model") == [
        (len(FEATURE_NAMES), training_lines)
    ]
    ranks = query(
        sample_warehouse,
        "select site_id, count(*), max(site_rank), count(distinct site_rank) from marts.orders_at_risk group by 1",
    )
    assert all(count == highest == distinct for _, count, highest, distinct in ranks)
    # The queue and the orders at risk are judged at the same instant.
    assert query(sample_warehouse, "select distinct as_of_at from marts.exception_queue") == query(
        sample_warehouse, "select distinct as_of_at from marts.orders_at_risk"
    )


@pytest.mark.slow
def test_the_sample_run_queues_every_exception_open_at_the_as_of_instant(sample_warehouse: Path):
    (as_of,) = query(sample_warehouse, "select distinct as_of_at from marts.exception_queue")[0]
    expected = query(
        sample_warehouse,
        "select exception_id from staging.stg_erp__exceptions "
        "where opened_at <= ? and (resolved_at is null or resolved_at > ?) order by 1",
        [as_of, as_of],
    )
    assert expected
    assert query(sample_warehouse, "select exception_id from marts.exception_queue order by 1") == expected
    scores = query(sample_warehouse, "select priority_score from marts.exception_queue order by network_rank")
    assert [score for (score,) in scores] == sorted((score for (score,) in scores), reverse=True)
