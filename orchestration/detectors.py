"""The signal detectors, as pure functions over numpy arrays: KPI anomalies and silent delivery gaps.

They are small on purpose, so a reader can check each flag by hand (docs/kpis.md "Signals"):

- **KPI anomalies** judge each (site, ratio KPI) daily series on its additive numerator and denominator. A
  day's expected value is the pooled rate of the previous 28 days (days far from their median left out); its
  spread is the larger of a robust one (1.4826 × the median absolute deviation of the volume-weighted
  residuals) and the binomial one of that rate, so a quiet series is never judged on a spread of zero. Its
  score z is the day's departure in standard errors of a day of its volume. A day with fewer than MIN_VOLUME
  in the denominator is not judged.
  - spike: |z| ≥ SPIKE_Z;
  - level shift: a two-sided CUSUM of z (clipped to ±CUSUM_CLIP so one wild day is a spike, not a shift)
    with allowance CUSUM_ALLOWANCE; a shift is raised while the sum is at or above CUSUM_THRESHOLD and dated
    from the day the sum last left zero. The sum is capped, so it falls back soon after the shift ends.
  - In a site's go-live window (go-live day and the 27 days after, a typical 4-week hypercare) a dip is
    expected: the KPI is judged against the hypercare curve, a straight line through its last 7 days since
    go-live projected to the day (spikes from HYPERCARE_SPIKE_Z); the sums restart at go-live and at the window's
    end; the pre-go-live norm is not used
    after go-live, and `better` departures in the RECOVERY_DAYS after go-live are the recovery, not raised.
  - The last days of the data are not judged while a KPI's numerator is still to come (settling_days).
- **Delivery gaps** compare a site's rows of an entity in a day's delivery with the median of the same
  weekday over the previous 4 weeks: at most GAP_SHARE of it, where 3 of those 4 days held GAP_MIN_EXPECTED
  rows or more, on a day when other sites delivered rows of that entity, is a gap.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

DETECTOR = "robust_baseline_cusum"
BASELINE_DAYS = 28
HYPERCARE_BASELINE_DAYS = 7
MIN_BASELINE_DAYS = 14
MIN_HYPERCARE_BASELINE_DAYS = 5
MIN_VOLUME = 20
SPIKE_Z = 4.0
HYPERCARE_SPIKE_Z = 4.0
CUSUM_ALLOWANCE = 0.75
CUSUM_THRESHOLD = 4.0
CUSUM_CLIP = 3.0
CUSUM_CAP = 6.0
GO_LIVE_WINDOW_DAYS = 28
RECOVERY_DAYS = 56  # after go-live, `better` departures are the recovery: not raised in these days
# Days at the end of the data a KPI is not yet judged on: its numerator is still to come. A KPI dated by a plan
# date (the requested ship date) counts orders that may still ship today or tomorrow; an invoice is credited for
# an error up to 25 days after it was issued (the generator credits within 1-25 days).
PLAN_DATED_SETTLING_DAYS = 2
SETTLING_DAYS = {"invoice_error_rate": 25}
GAP_WEEKS = 4
GAP_MIN_EXPECTED = 30.0
GAP_SHARE = 0.05
MAD_TO_SIGMA = 1.4826
TRIM_Z = 3.0  # baseline days further from the median than this (in standard errors) are left out of the mean


@dataclass(frozen=True)
class KpiSeries:
    """One site's daily series of one KPI: consecutive days from `first_date`, zeros where no row."""

    site_id: str
    kpi: str
    kpi_direction: str  # higher / lower: which way is better
    first_date: dt.date
    numerator: np.ndarray
    denominator: np.ndarray
    go_live_date: dt.date | None = None
    is_rate: bool = True  # a share in [0, 1]: its binomial spread is a floor
    last_complete_date: dt.date | None = None  # later days are not judged (yet to happen, or incomplete)

    def date(self, index: int) -> dt.date:
        return self.first_date + dt.timedelta(days=index)


@dataclass(frozen=True)
class KpiAnomaly:
    site_id: str
    kpi: str
    kpi_date: dt.date
    kind: str  # spike / level_shift
    anomaly_start_date: dt.date
    observed_value: float
    expected_value: float
    lower_bound: float
    upper_bound: float
    numerator: float
    denominator: float
    score: float
    cusum: float
    direction: str  # worse / better
    kpi_direction: str
    in_go_live_window: bool
    detector: str = DETECTOR


@dataclass(frozen=True)
class Baseline:
    expected: float
    spread: float  # standard deviation of one unit of volume: a day of volume m has standard error spread/√m


def baseline(
    values: np.ndarray, volumes: np.ndarray, is_rate: bool, minimum: int = MIN_BASELINE_DAYS
) -> Baseline | None:
    """Expected value and robust spread of earlier valid days (values with their volumes), or None if too few.

    The expected value is the pooled rate (sum over sum) of the days within TRIM_Z robust standard errors of the
    median: unbiased where a day holds only a few events (the median of small counts is not their mean), and
    robust to the spikes it looks for.
    """
    if len(values) < minimum:
        return None
    median = float(np.median(values))
    weights = np.sqrt(volumes)
    residuals = (values - median) * weights
    spread = MAD_TO_SIGMA * float(np.median(np.abs(residuals - np.median(residuals))))
    if is_rate:
        # Smoothed pooled rate: a series with no error yet still has a floor above zero.
        pooled = (float(np.sum(values * volumes)) + 1.0) / (float(np.sum(volumes)) + 2.0)
        spread = max(spread, float(np.sqrt(pooled * (1.0 - pooled))))
    else:
        spread = max(spread, 0.05 * abs(median), 1e-9)
    kept = np.abs(residuals) <= TRIM_Z * spread
    expected = float(np.sum(values[kept] * volumes[kept]) / np.sum(volumes[kept])) if kept.any() else median
    return Baseline(expected, spread)


def trend_baseline(
    days: np.ndarray, day: int, values: np.ndarray, volumes: np.ndarray, is_rate: bool, minimum: int
) -> Baseline | None:
    """The hypercare curve: a volume-weighted straight line through the earlier days, projected to `day`."""
    if len(values) < minimum:
        return None
    slope, intercept = np.polyfit(days.astype(float), values, 1, w=np.sqrt(volumes))
    fitted = slope * days + intercept
    expected = float(slope * day + intercept)
    residuals = (values - fitted) * np.sqrt(volumes)
    spread = MAD_TO_SIGMA * float(np.median(np.abs(residuals - np.median(residuals))))
    if is_rate:
        expected = min(max(expected, 0.0), 1.0)
        pooled = (float(np.sum(values * volumes)) + 1.0) / (float(np.sum(volumes)) + 2.0)
        spread = max(spread, float(np.sqrt(pooled * (1.0 - pooled))))
    else:
        spread = max(spread, 0.05 * abs(expected), 1e-9)
    return Baseline(expected, spread)


def settling_days(kpi: str, day_definition: str) -> int:
    """Days at the end of the data on which a KPI is not yet judged (see SETTLING_DAYS)."""
    plan_dated = PLAN_DATED_SETTLING_DAYS if "requested_ship_date" in day_definition else 0
    return max(SETTLING_DAYS.get(kpi, 0), plan_dated)


def _window_start(index: int, go_live: int | None) -> tuple[int, bool]:
    """First day of the baseline window of day `index`, and whether the day is in the go-live window."""
    if go_live is None or index < go_live:
        return index - BASELINE_DAYS, False
    if index < go_live + GO_LIVE_WINDOW_DAYS:
        return max(index - HYPERCARE_BASELINE_DAYS, go_live), True
    # After hypercare the pre-go-live norm no longer applies: start from the window's last two weeks.
    return max(index - BASELINE_DAYS, go_live + GO_LIVE_WINDOW_DAYS // 2), False


def detect_kpi_anomalies(series: KpiSeries) -> list[KpiAnomaly]:
    """Every flagged day of one series, in date order."""
    numerator = np.asarray(series.numerator, dtype=float)
    denominator = np.asarray(series.denominator, dtype=float)
    days = len(denominator)
    valid = denominator >= MIN_VOLUME
    if series.last_complete_date is not None:
        valid[max((series.last_complete_date - series.first_date).days + 1, 0) :] = False
    value = np.divide(numerator, denominator, out=np.zeros(days), where=denominator > 0)
    go_live = None if series.go_live_date is None else (series.go_live_date - series.first_date).days
    sign = 1.0 if series.kpi_direction == "higher" else -1.0
    upper_sum = lower_sum = 0.0
    upper_start = lower_start = 0
    found: list[KpiAnomaly] = []
    spike_start: int | None = None
    previous_spike = -2
    for index in range(days):
        start, in_window = _window_start(index, go_live)
        if go_live is not None and index in (go_live, go_live + GO_LIVE_WINDOW_DAYS):
            upper_sum = lower_sum = 0.0  # a new regime: the sums start again
        if not valid[index]:
            continue
        earlier = np.arange(max(start, 0), index)
        earlier = earlier[valid[earlier]]
        minimum = MIN_HYPERCARE_BASELINE_DAYS if in_window else MIN_BASELINE_DAYS
        if in_window:
            base = trend_baseline(earlier, index, value[earlier], denominator[earlier], series.is_rate, minimum)
        else:
            base = baseline(value[earlier], denominator[earlier], series.is_rate, minimum)
        if base is None:
            continue
        standard_error = base.spread / np.sqrt(denominator[index])
        score = (value[index] - base.expected) / standard_error
        threshold = HYPERCARE_SPIKE_Z if in_window else SPIKE_Z
        kind = None
        clipped = float(np.clip(score, -CUSUM_CLIP, CUSUM_CLIP))
        if upper_sum == 0.0:
            upper_start = index
        if lower_sum == 0.0:
            lower_start = index
        upper_sum = min(max(0.0, upper_sum + clipped - CUSUM_ALLOWANCE), CUSUM_CAP)
        lower_sum = min(max(0.0, lower_sum - clipped - CUSUM_ALLOWANCE), CUSUM_CAP)
        if upper_sum >= CUSUM_THRESHOLD and score > 0:
            kind, anomaly_start, cusum = "level_shift", upper_start, upper_sum
        elif lower_sum >= CUSUM_THRESHOLD and score < 0:
            kind, anomaly_start, cusum = "level_shift", lower_start, -lower_sum
        if kind is None and abs(score) >= threshold:
            if spike_start is None or previous_spike != index - 1:
                spike_start = index
            previous_spike = index
            kind, anomaly_start, cusum = "spike", spike_start, upper_sum if score > 0 else -lower_sum
        if kind is None:
            continue
        is_better = sign * score > 0
        if is_better and go_live is not None and go_live <= index < go_live + RECOVERY_DAYS:
            continue  # improving after go-live is the expected recovery, not news
        found.append(
            KpiAnomaly(
                site_id=series.site_id,
                kpi=series.kpi,
                kpi_date=series.date(index),
                kind=kind,
                anomaly_start_date=series.date(anomaly_start),
                observed_value=float(value[index]),
                expected_value=base.expected,
                lower_bound=base.expected - threshold * standard_error,
                upper_bound=base.expected + threshold * standard_error,
                numerator=float(numerator[index]),
                denominator=float(denominator[index]),
                score=float(score),
                cusum=float(cusum),
                direction="better" if is_better else "worse",
                kpi_direction=series.kpi_direction,
                in_go_live_window=in_window,
            )
        )
    return found


@dataclass(frozen=True)
class DeliveryGap:
    site_id: str
    entity: str
    gap_date: dt.date
    gap_start_date: dt.date
    expected_rows: float
    observed_rows: int
    other_sites_delivering: int
    detector: str = "weekday_median"


def detect_delivery_gaps(
    entity: str, sites: list[str], first_date: dt.date, rows: np.ndarray, site_first_index: np.ndarray | None = None
) -> list[DeliveryGap]:
    """Gaps of one entity: `rows` is (sites, days) rows delivered per site and day from `first_date`.

    A site is judged from its own first delivered day (`site_first_index`, else its first day with rows).
    """
    rows = np.asarray(rows, dtype=float)
    site_count, days = rows.shape
    delivering = rows > 0
    found: list[DeliveryGap] = []
    for site in range(site_count):
        with_rows = np.flatnonzero(delivering[site])
        if not len(with_rows):
            continue
        first = int(site_first_index[site]) if site_first_index is not None else int(with_rows[0])
        previous_gap = -2
        start = 0
        for index in range(first + 7 * GAP_WEEKS, days):
            same_weekday = rows[site, index - 7 * GAP_WEEKS : index : 7]
            expected = float(np.median(same_weekday))
            # Busy on this weekday in at least 3 of the 4 weeks: a lumpy entity (a few orders' events on a
            # Saturday) is not judged, while one earlier gap on the same weekday does not stop the judging.
            busy = float(np.sort(same_weekday)[1]) >= GAP_MIN_EXPECTED
            others = int(np.sum(delivering[:, index])) - int(delivering[site, index])
            if not busy or others == 0 or rows[site, index] > GAP_SHARE * expected:
                continue
            start = start if previous_gap == index - 1 else index
            previous_gap = index
            found.append(
                DeliveryGap(
                    site_id=sites[site],
                    entity=entity,
                    gap_date=first_date + dt.timedelta(days=index),
                    gap_start_date=first_date + dt.timedelta(days=start),
                    expected_rows=expected,
                    observed_rows=int(rows[site, index]),
                    other_sites_delivering=others,
                )
            )
    return found
