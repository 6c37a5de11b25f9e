"""Orders at risk: the probability that an open order line misses its requested ship date, learnt from the
warehouse's own history, and why (marts.orders_at_risk; docs/kpis.md "Signals").

At the warehouse's as-of instant (intermediate.int_warehouse_as_of) the open order lines due within the next
``horizon_days`` site-local days are scored by a logistic regression trained on the same situation in the past:
the lines that were open, and due within the horizon, at the same time of day on each of the previous
``history_days`` days ("snapshots"), labelled by whether they then shipped complete by the end of their due day
(int_order_line_fills.is_shipped_complete_by_due_date, the rule of the on-time KPIs). Every feature is what was
known at its snapshot. A line's reasons are the features that push its log-odds up most against the average line
(coefficient × standardised value; a yes/no feature only when it is yes). Beside it, a rule baseline: a line
already partly shipped, or due within 24 hours, is at risk (1); any other misses as often as its site's orders did
over the 14 days before.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss, roc_auc_score

from orchestration.python_marts import write_mart

RELATION = "marts.orders_at_risk"
MODEL_RELATION = "marts.orders_at_risk_model"
# The mart's columns: name, type, meaning (docs/kpis.md "Signals" lists the same; a test holds them together).
COLUMNS = (
    ("as_of_at", "timestamp", "the warehouse's as-of instant (UTC) the lines are open at"),
    ("site_id", "varchar", "the order's site"),
    ("order_id", "varchar", "the sales order"),
    ("line_number", "bigint", "the order line"),
    ("item_id", "varchar", "the ordered item"),
    ("channel", "varchar", "the order's channel (null when not given)"),
    ("requested_ship_date", "date", "the day the line is due to ship (site-local)"),
    ("days_to_due", "integer", "requested_ship_date minus the site-local date of as_of_at (0 = due today)"),
    ("hours_to_due_end", "double", "hours from as_of_at to the end of the due day (site-local midnight)"),
    ("ordered_qty", "double", "the line's ordered quantity"),
    ("shipped_qty", "double", "quantity shipped by as_of_at (less than ordered_qty: the line is open)"),
    ("value_at_risk", "double", "(ordered_qty - shipped_qty) × unit_price; null without a unit_price"),
    ("open_exceptions", "bigint", "exceptions open on the order at as_of_at"),
    ("miss_probability", "double", "the model's probability that the line misses its requested ship date"),
    (
        "baseline_miss_probability",
        "double",
        "the rule baseline's (1 if partly shipped or due within 24 h, else the "
        "site's missed share of the last 14 days)",
    ),
    ("reason_1", "varchar", "what raises the line's risk most, in words (null when nothing does)"),
    ("reason_2", "varchar", "the second reason, or null"),
    ("reason_3", "varchar", "the third reason, or null"),
    ("training_lines", "bigint", "past open lines the model was trained on (0: too little history, no probability)"),
    ("site_rank", "bigint", "position in the site's list, 1 = most likely to miss (then highest value, order, line)"),
)
# The model itself, so that a probability can be checked by hand: one row per feature.
MODEL_COLUMNS = (
    ("feature", "varchar", "the feature's name"),
    ("description", "varchar", "what it says as a reason ({value} is the line's value)"),
    ("coefficient", "double", "its weight in the log-odds of missing, per standard deviation"),
    ("training_mean", "double", "its mean over the training lines"),
    ("training_scale", "double", "its standard deviation over the training lines (1 where constant)"),
    ("intercept", "double", "the model's intercept (the same on every row)"),
    ("training_lines", "bigint", "the labelled past lines the model was trained on"),
)
CHANNELS = ("edi", "direct", "marketplace", "phone")
REASON_COUNT = 3
# A feature that moves a line's log-odds by less than this is no reason worth reading.
REASON_MIN_LOG_ODDS = 0.1


@dataclass(frozen=True)
class Feature:
    name: str
    description: str  # what a reason says, with {value} formatted by `unit`
    unit: str  # "hours", "days", "share", "count", "flag"


FEATURES = (
    Feature("hours_to_due_end", "{value} to the end of its due day", "hours"),
    Feature("is_partially_shipped", "partly shipped, the rest still to ship", "flag"),
    Feature("order_age_hours", "order placed {value} ago", "hours"),
    Feature("order_line_count", "order of {value} line(s)", "count"),
    Feature("open_exceptions", "{value} open exception(s) on the order", "count"),
    Feature("is_workaround_entry", "order keyed by a workaround (spreadsheet upload or offline)", "flag"),
    Feature("site_missed_share_14d", "site missed {value} of its ship dates in the last 14 days", "share"),
    Feature("site_missed_trend", "site's missed ship dates {value} (last 7 days against the 3 weeks before)", "share"),
    Feature("site_pick_error_share_14d", "site's pick errors {value} in the last 14 days", "share"),
    Feature("site_pick_error_trend", "site's pick errors {value} (last 7 days against the 3 weeks before)", "share"),
    Feature("is_within_30_days_of_go_live", "site went live on the new ERP {days_since_go_live} days ago", "flag"),
    Feature("is_not_live", "site not yet live on the new ERP", "flag"),
    *(Feature(f"is_channel_{channel}", f"{channel} order", "flag") for channel in CHANNELS),
)
FEATURE_NAMES = [feature.name for feature in FEATURES]

# One row per (snapshot, open line due within the horizon): its features as known then and, where its due day
# has ended by the as-of instant, whether it missed. Snapshot 0 is the as-of instant itself.
SNAPSHOT_SQL = """
with
as_of as (
    select as_of_at from intermediate.int_warehouse_as_of
),
snapshots as (
    select range as days_back, as_of.as_of_at - to_days(cast(range as integer)) as snapshot_at
    from as_of, range(0, $history_days + 1)
),
sites as (
    select site_id, timezone, go_live_date from staging.stg_erp__sites
),
site_snapshots as (
    select
        snapshots.days_back,
        snapshots.snapshot_at,
        sites.site_id,
        sites.timezone,
        sites.go_live_date,
        cast(timezone(sites.timezone, timezone('UTC', snapshots.snapshot_at)) as date) as snapshot_date
    from snapshots cross join sites
),
orders as (
    select
        in_scope.order_id,
        in_scope.site_id,
        in_scope.created_at,
        in_scope.requested_ship_date,
        in_scope.entry_method,
        sales_orders.channel
    from intermediate.int_orders_in_scope as in_scope
    inner join staging.stg_erp__sales_orders as sales_orders on in_scope.order_id = sales_orders.order_id
),
lines as (
    select order_id, line_number, item_id, ordered_qty, unit_price
    from staging.stg_erp__sales_order_lines
    where not coalesce(is_cancelled, false)
),
order_line_counts as (
    select order_id, count(*) as order_line_count from lines group by order_id
),
candidates as (
    select
        site_snapshots.days_back,
        site_snapshots.snapshot_at,
        site_snapshots.snapshot_date,
        site_snapshots.timezone,
        site_snapshots.go_live_date,
        orders.*,
        lines.line_number,
        lines.item_id,
        lines.ordered_qty,
        lines.unit_price
    from site_snapshots
    inner join orders
        on
            orders.site_id = site_snapshots.site_id
            and orders.requested_ship_date >= site_snapshots.snapshot_date
            and orders.requested_ship_date <= site_snapshots.snapshot_date + cast($horizon_days as integer)
            and orders.created_at <= site_snapshots.snapshot_at
    inner join lines on orders.order_id = lines.order_id
),
shipped as (
    select
        candidates.days_back,
        candidates.order_id,
        candidates.line_number,
        coalesce(sum(shipments.shipped_qty), 0) as shipped_qty
    from candidates
    left join staging.stg_erp__shipments as shipments
        on
            candidates.order_id = shipments.order_id
            and candidates.line_number = shipments.line_number
            and shipments.shipped_at <= candidates.snapshot_at
    group by candidates.days_back, candidates.order_id, candidates.line_number
),
open_lines as (
    select candidates.*, shipped.shipped_qty
    from candidates
    inner join shipped using (days_back, order_id, line_number)
    where shipped.shipped_qty < candidates.ordered_qty
),
exceptions_open as (
    select open_lines.days_back, open_lines.order_id, count(distinct exceptions.exception_id) as open_exceptions
    from (select distinct days_back, snapshot_at, order_id from open_lines) as open_lines
    inner join staging.stg_erp__exceptions as exceptions
        on
            open_lines.order_id = exceptions.order_id
            and exceptions.opened_at <= open_lines.snapshot_at
            and (exceptions.resolved_at is null or exceptions.resolved_at > open_lines.snapshot_at)
    group by open_lines.days_back, open_lines.order_id
),
site_days as (
    select
        site_id,
        kpi_date,
        sum(case when kpi = 'on_time_ship_rate' then denominator - numerator end) as missed,
        sum(case when kpi = 'on_time_ship_rate' then denominator end) as due,
        sum(case when kpi = 'pick_accuracy' then denominator - numerator end) as pick_errors,
        sum(case when kpi = 'pick_accuracy' then denominator end) as picks
    from marts.kpi_daily
    where kpi in ('on_time_ship_rate', 'pick_accuracy')
    group by site_id, kpi_date
),
site_history as (
    select
        site_snapshots.days_back,
        site_snapshots.site_id,
        sum(case when site_days.kpi_date >= site_snapshots.snapshot_date - 14 then site_days.missed end)
            / nullif(sum(case when site_days.kpi_date >= site_snapshots.snapshot_date - 14 then site_days.due end), 0)
            as missed_14d,
        sum(case when site_days.kpi_date >= site_snapshots.snapshot_date - 7 then site_days.missed end)
            / nullif(sum(case when site_days.kpi_date >= site_snapshots.snapshot_date - 7 then site_days.due end), 0)
            as missed_7d,
        sum(case when site_days.kpi_date < site_snapshots.snapshot_date - 7 then site_days.missed end)
            / nullif(sum(case when site_days.kpi_date < site_snapshots.snapshot_date - 7 then site_days.due end), 0)
            as missed_prior,
        sum(case when site_days.kpi_date >= site_snapshots.snapshot_date - 14 then site_days.pick_errors end)
            / nullif(sum(case when site_days.kpi_date >= site_snapshots.snapshot_date - 14 then site_days.picks end), 0)
            as pick_errors_14d,
        sum(case when site_days.kpi_date >= site_snapshots.snapshot_date - 7 then site_days.pick_errors end)
            / nullif(sum(case when site_days.kpi_date >= site_snapshots.snapshot_date - 7 then site_days.picks end), 0)
            as pick_errors_7d,
        sum(case when site_days.kpi_date < site_snapshots.snapshot_date - 7 then site_days.pick_errors end)
            / nullif(sum(case when site_days.kpi_date < site_snapshots.snapshot_date - 7 then site_days.picks end), 0)
            as pick_errors_prior
    from site_snapshots
    inner join site_days
        on
            site_days.site_id = site_snapshots.site_id
            and site_days.kpi_date >= site_snapshots.snapshot_date - 28
            and site_days.kpi_date < site_snapshots.snapshot_date
    group by site_snapshots.days_back, site_snapshots.site_id
)
select
    open_lines.days_back,
    open_lines.snapshot_at,
    open_lines.snapshot_date,
    open_lines.site_id,
    open_lines.order_id,
    open_lines.line_number,
    open_lines.item_id,
    open_lines.channel,
    open_lines.requested_ship_date,
    open_lines.ordered_qty,
    open_lines.shipped_qty,
    cast((open_lines.ordered_qty - open_lines.shipped_qty) * open_lines.unit_price as double) as value_at_risk,
    cast(open_lines.requested_ship_date - open_lines.snapshot_date as integer) as days_to_due,
    (epoch(timezone('UTC', timezone(open_lines.timezone, cast(open_lines.requested_ship_date + 1 as timestamp))))
        - epoch(open_lines.snapshot_at)) / 3600.0 as hours_to_due_end,
    cast(open_lines.shipped_qty > 0 as integer) as is_partially_shipped,
    (epoch(open_lines.snapshot_at) - epoch(open_lines.created_at)) / 3600.0 as order_age_hours,
    order_line_counts.order_line_count,
    coalesce(exceptions_open.open_exceptions, 0) as open_exceptions,
    cast(coalesce(open_lines.entry_method in ('spreadsheet_upload', 'offline'), false) as integer)
        as is_workaround_entry,
    site_history.missed_14d as site_missed_share_14d,
    site_history.missed_7d - site_history.missed_prior as site_missed_trend,
    site_history.pick_errors_14d as site_pick_error_share_14d,
    site_history.pick_errors_7d - site_history.pick_errors_prior as site_pick_error_trend,
    cast(open_lines.snapshot_date - open_lines.go_live_date as integer) as days_since_go_live,
    cast(coalesce(open_lines.snapshot_date - open_lines.go_live_date between 0 and 29, false) as integer)
        as is_within_30_days_of_go_live,
    cast(open_lines.go_live_date is null or open_lines.go_live_date > open_lines.snapshot_date as integer)
        as is_not_live,
    case
        when timezone('UTC', timezone(open_lines.timezone, cast(open_lines.requested_ship_date + 1 as timestamp)))
            <= (select as_of_at from as_of)
            then cast(not fills.is_shipped_complete_by_due_date as integer)
    end as missed
from open_lines
inner join order_line_counts on open_lines.order_id = order_line_counts.order_id
left join exceptions_open
    on open_lines.days_back = exceptions_open.days_back and open_lines.order_id = exceptions_open.order_id
left join site_history
    on open_lines.days_back = site_history.days_back and open_lines.site_id = site_history.site_id
left join intermediate.int_order_line_fills as fills
    on open_lines.order_id = fills.order_id and open_lines.line_number = fills.line_number
-- A fixed row order: the same data always fits the same model.
order by open_lines.days_back, open_lines.order_id, open_lines.line_number
"""


def snapshot_lines(con: duckdb.DuckDBPyConnection, horizon_days: int, history_days: int) -> pd.DataFrame:
    """Every snapshot's open lines due within the horizon, with their features and (where known) outcome."""
    frame = con.execute(SNAPSHOT_SQL, {"horizon_days": horizon_days, "history_days": history_days}).df()
    for channel in CHANNELS:
        frame[f"is_channel_{channel}"] = (frame["channel"] == channel).astype(int)
    return frame


def feature_matrix(frame: pd.DataFrame) -> np.ndarray:
    """The features as floats; a site with no history yet (no KPI days) counts as having missed nothing."""
    return frame[FEATURE_NAMES].astype(float).fillna(0.0).to_numpy()


@dataclass(frozen=True)
class RiskModel:
    """A logistic regression on standardised features, and what it needs to explain a line."""

    classifier: LogisticRegression
    mean: np.ndarray
    scale: np.ndarray
    training_lines: int

    def standardised(self, frame: pd.DataFrame) -> np.ndarray:
        return (feature_matrix(frame) - self.mean) / self.scale

    def probability(self, frame: pd.DataFrame) -> np.ndarray:
        return self.classifier.predict_proba(self.standardised(frame))[:, 1]

    def contributions(self, frame: pd.DataFrame) -> np.ndarray:
        """Each feature's part of each line's log-odds against the average training line."""
        return self.standardised(frame) * self.classifier.coef_[0]


def train(frame: pd.DataFrame) -> RiskModel | None:
    """Fit on the labelled lines; None when the history has too few lines or only one outcome."""
    labelled = frame[frame["missed"].notna()]
    if len(labelled) < 50 or labelled["missed"].nunique() < 2:
        return None
    features = feature_matrix(labelled)
    mean = features.mean(axis=0)
    scale = features.std(axis=0)
    scale[scale == 0] = 1.0
    classifier = LogisticRegression(C=1.0, max_iter=2000)
    classifier.fit((features - mean) / scale, labelled["missed"].astype(int).to_numpy())
    return RiskModel(classifier, mean, scale, len(labelled))


def baseline_probability(frame: pd.DataFrame) -> np.ndarray:
    """The rule baseline, what a planner would check: a line already partly shipped, or whose due day ends within
    24 hours, is at risk (1); any other misses as often as its site's orders did over the 14 days before."""
    is_flagged = (frame["is_partially_shipped"] == 1) | (frame["hours_to_due_end"] <= 24)
    site_share = frame["site_missed_share_14d"].astype(float).fillna(0.0)
    return np.where(is_flagged, 1.0, site_share)


def _format(feature: Feature, row: pd.Series) -> str:
    value = row[feature.name]
    if feature.unit == "hours":
        text = f"{value / 24:.1f} days" if abs(value) >= 48 else f"{value:.0f} h"
    elif feature.unit == "share":
        text = f"{value * 100:+.1f} points" if feature.name.endswith("trend") else f"{value:.0%}"
    elif feature.unit == "count":
        text = f"{value:.0f}"
    else:
        text = ""
    days = row.get("days_since_go_live")
    return feature.description.format(
        value=text, days_since_go_live="?" if days is None or pd.isna(days) else int(days)
    )


def reasons(model: RiskModel, frame: pd.DataFrame, count: int = REASON_COUNT) -> list[list[str]]:
    """Per line, up to `count` features that raise its risk most (by at least REASON_MIN_LOG_ODDS, largest first)."""
    contributions = model.contributions(frame)
    # A flag that is not set is no reason, even where its absence raises the risk (not an EDI order, say).
    is_flag = np.array([feature.unit == "flag" for feature in FEATURES])
    flag_set = feature_matrix(frame) > 0
    contributions = np.where(is_flag & ~flag_set, 0.0, contributions)
    explained = []
    for row_index, (_, row) in enumerate(frame.iterrows()):
        order = np.argsort(-contributions[row_index], kind="stable")[:count]
        explained.append(
            [_format(FEATURES[index], row) for index in order if contributions[row_index, index] >= REASON_MIN_LOG_ODDS]
        )
    return explained


@dataclass(frozen=True)
class Evaluation:
    train_lines: int
    test_lines: int
    test_missed_share: float
    model_auc: float
    model_brier: float
    baseline_auc: float
    baseline_brier: float


def evaluate(frame: pd.DataFrame, test_days: int) -> Evaluation | None:
    """Train on the labelled snapshots older than `test_days`, score the labelled ones of the last `test_days`.

    A training line must also have been due before the first test snapshot, so no outcome of the test weeks
    leaks into training. None when either side lacks lines of both outcomes."""
    labelled = frame[frame["missed"].notna()]
    first_test_day = labelled["snapshot_date"].max() - pd.Timedelta(days=test_days - 1)
    is_test = labelled["snapshot_date"] >= first_test_day
    training = labelled[~is_test & (labelled["requested_ship_date"] < first_test_day)]
    test = labelled[is_test]
    model = train(training)
    if model is None or test["missed"].nunique() < 2:
        return None
    truth = test["missed"].astype(int).to_numpy()
    model_probability = model.probability(test)
    baseline = baseline_probability(test)
    return Evaluation(
        train_lines=len(training),
        test_lines=len(test),
        test_missed_share=float(truth.mean()),
        model_auc=float(roc_auc_score(truth, model_probability)),
        model_brier=float(brier_score_loss(truth, model_probability)),
        baseline_auc=float(roc_auc_score(truth, baseline)),
        baseline_brier=float(brier_score_loss(truth, baseline)),
    )


def score_open_lines(frame: pd.DataFrame, model: RiskModel | None) -> pd.DataFrame:
    """The rows of marts.orders_at_risk: the as-of snapshot's lines (days_back 0) with probability and reasons."""
    current = frame[frame["days_back"] == 0].reset_index(drop=True)
    probability = model.probability(current) if model is not None else np.full(len(current), math.nan)
    explained = reasons(model, current) if model is not None else [[] for _ in range(len(current))]
    padded = [(line + [None] * REASON_COUNT)[:REASON_COUNT] for line in explained]
    result = pd.DataFrame(
        {
            "as_of_at": current["snapshot_at"],
            "site_id": current["site_id"],
            "order_id": current["order_id"],
            "line_number": current["line_number"].astype("int64"),
            "item_id": current["item_id"],
            "channel": current["channel"],
            "requested_ship_date": current["requested_ship_date"],
            "days_to_due": current["days_to_due"].astype("int64"),
            "hours_to_due_end": current["hours_to_due_end"].astype(float),
            "ordered_qty": current["ordered_qty"].astype(float),
            "shipped_qty": current["shipped_qty"].astype(float),
            "value_at_risk": current["value_at_risk"].astype(float),
            "open_exceptions": current["open_exceptions"].astype("int64"),
            "miss_probability": probability,
            "baseline_miss_probability": baseline_probability(current),
            "reason_1": [line[0] for line in padded],
            "reason_2": [line[1] for line in padded],
            "reason_3": [line[2] for line in padded],
            "training_lines": model.training_lines if model is not None else 0,
        }
    )
    result["site_rank"] = (
        result.sort_values(
            ["miss_probability", "value_at_risk", "order_id", "line_number"], ascending=[False, False, True, True]
        )
        .groupby("site_id")
        .cumcount()
        .add(1)
        .reindex(result.index)
    )
    return result.sort_values(["site_id", "site_rank"]).reset_index(drop=True)


def model_rows(model: RiskModel | None) -> pd.DataFrame:
    """The rows of marts.orders_at_risk_model: each feature's coefficient and the average it is measured against."""
    if model is None:
        return pd.DataFrame({name: [] for name, _, _ in MODEL_COLUMNS})
    return pd.DataFrame(
        {
            "feature": FEATURE_NAMES,
            "description": [feature.description for feature in FEATURES],
            "coefficient": model.classifier.coef_[0],
            "training_mean": model.mean,
            "training_scale": model.scale,
            "intercept": float(model.classifier.intercept_[0]),
            "training_lines": model.training_lines,
        }
    )


def write_orders_at_risk(
    con: duckdb.DuckDBPyConnection, horizon_days: int, history_days: int
) -> tuple[pd.DataFrame, RiskModel | None]:
    """Build marts.orders_at_risk and marts.orders_at_risk_model in the database `con` is connected to (the build's
    working database)."""
    frame = snapshot_lines(con, horizon_days, history_days)
    model = train(frame)
    rows = score_open_lines(frame, model)
    write_mart(con, RELATION, COLUMNS, rows)
    write_mart(con, MODEL_RELATION, MODEL_COLUMNS, model_rows(model))
    return rows, model
