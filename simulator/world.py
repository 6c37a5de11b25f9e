"""Everything the entity generators share: parameters, network, clocks, go-live curves and random streams."""

from __future__ import annotations

import datetime as dt
import zlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from simulator import codes
from simulator.columns import Codes, Timestamps
from simulator.network import Network, SiteClock, build_network, disruption_curves
from simulator.parameters import Parameters

if TYPE_CHECKING:
    from simulator.anomalies import AnomalyPlan

# Relative order volume by weekday, Monday first: distributors ship little at weekends.
WEEKDAY_VOLUME = np.array([1.1, 1.05, 1.0, 1.0, 0.95, 0.25, 0.08])
# Relative office activity (usage, tickets, purchasing) by weekday.
WEEKDAY_OFFICE = np.array([1.0, 1.0, 1.0, 1.0, 0.9, 0.08, 0.03])


@dataclass(frozen=True)
class World:
    parameters: Parameters
    network: Network
    clock: SiteClock
    start: dt.date
    days: int
    seed: int
    disruption: np.ndarray  # (sites, days)
    anomalies: AnomalyPlan | None = None  # injected anomalies (`generate --anomalies`); None leaves data unchanged

    @classmethod
    def create(cls, parameters: Parameters, sites: int, days: int, start: dt.date, seed: int) -> World:
        network = build_network(parameters, sites)
        clock = SiteClock.build([site.timezone for site in network.sites], start, days)
        disruption = disruption_curves(network, parameters, days)
        return cls(parameters, network, clock, start, days, seed, disruption)

    def rng(self, stream: str) -> np.random.Generator:
        """An independent random stream per purpose, so changing one generator never shifts another."""
        return np.random.default_rng(np.random.SeedSequence([self.seed, zlib.crc32(stream.encode())]))

    @property
    def site_count(self) -> int:
        return len(self.network.sites)

    @property
    def go_live_day(self) -> np.ndarray:
        return self.network.array("go_live_day")

    @property
    def is_struggling(self) -> np.ndarray:
        return self.network.array("is_struggling")

    @property
    def site_size(self) -> np.ndarray:
        return self.network.array("size")

    def legacy_system_index(self) -> np.ndarray:
        return np.array([codes.LEGACY_SYSTEMS.index(site.legacy_system) for site in self.network.sites])

    def weekday(self, day: np.ndarray) -> np.ndarray:
        return (self.start.weekday() + day) % 7

    def disruption_at(self, site: np.ndarray, day: np.ndarray) -> np.ndarray:
        """Go-live disruption of a site on a day; days past the range keep the last day's value."""
        return self.disruption[site, np.clip(day, 0, self.days - 1)]

    def added_error_rate(self, kpi: str, site: np.ndarray, day: np.ndarray, rate: np.ndarray) -> np.ndarray:
        """`rate` plus any error rate an injected anomaly adds to this KPI's transactions on these site-days."""
        if self.anomalies is None:
            return rate
        return rate + self.anomalies.added_error_rate(kpi, site, day)

    def is_legacy(self, site: np.ndarray, day: np.ndarray) -> np.ndarray:
        """Rows dated before their site's go-live come from the legacy ERP."""
        return day < self.go_live_day[site]

    def timestamps(
        self, site: np.ndarray, utc: np.ndarray, legacy: np.ndarray, valid: np.ndarray | None = None
    ) -> Timestamps:
        """The new ERP exports UTC ('Z'); the legacy ERPs export site-local time with its offset."""
        if valid is None:
            valid = np.ones(len(utc), dtype=bool)
        offset = np.zeros(len(utc), dtype=np.int32)
        if legacy.any():
            offset[legacy] = self.clock.offset_at(site[legacy], utc[legacy])
        return Timestamps(utc, offset, ~legacy, valid)

    def local_day(self, site: np.ndarray, utc: np.ndarray) -> np.ndarray:
        return self.clock.local_day(site, utc)

    def at_local(self, site: np.ndarray, day: np.ndarray, second_of_day: np.ndarray) -> np.ndarray:
        return self.clock.to_utc(site, day, second_of_day)

    def coded(
        self,
        domain: str,
        canonical: np.ndarray,
        site: np.ndarray,
        legacy: np.ndarray,
        rng: np.random.Generator,
        *,
        unmapped_eligible: np.ndarray | None = None,
    ) -> Codes:
        """A coded column: canonical indices, with part of the legacy rows in their legacy ERP's codes.

        Where `unmapped_eligible` is given, a small share of those legacy rows (at least one, if any row is
        eligible) carries the domain's deliberately unmapped code.
        """
        width = len(codes.CANONICAL[domain])
        use_legacy = legacy & (rng.random(len(canonical)) < self.parameters.legacy_code_share) & (canonical >= 0)
        system = self.legacy_system_index()[site]
        index = np.where(use_legacy, canonical + width * (1 + system), canonical)
        if unmapped_eligible is not None and domain in codes.DELIBERATELY_UNMAPPED:
            candidates = np.flatnonzero(unmapped_eligible & legacy)
            if len(candidates):
                count = max(1, round(len(candidates) * self.parameters.unmapped_code_share))
                chosen = rng.choice(candidates, size=min(count, len(candidates)), replace=False)
                index[chosen] = codes.unmapped_index(domain)
        return Codes(codes.coded_values(domain), index.astype(np.int16))

    def business_seconds(
        self, rng: np.random.Generator, count: int, mean_hour: float = 11.5, sd_hours: float = 2.6
    ) -> np.ndarray:
        """Local seconds of the day for office-hours activity, clipped to 06:00-20:00."""
        hours = np.clip(rng.normal(mean_hour, sd_hours, count), 6.0, 20.0)
        return (hours * 3600).astype(np.int64)


def expand_grid(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows for a (sites, days) matrix of counts, day-major: (site, day) of every row."""
    flat = counts.T.ravel()
    cell = np.repeat(np.arange(flat.size), flat)
    sites = counts.shape[0]
    return (cell % sites).astype(np.intp), (cell // sites).astype(np.int32)


def grid_starts(counts: np.ndarray) -> np.ndarray:
    """(sites, days) index of the first row of each cell in the day-major expansion of `counts`."""
    flat = counts.T.ravel()
    starts = np.concatenate([[0], np.cumsum(flat)[:-1]])
    return starts.reshape(counts.shape[1], counts.shape[0]).T


def ids_digits(count: int, minimum: int) -> int:
    """Zero-padding wide enough for `count` ids, never narrower than `minimum`."""
    return max(minimum, len(str(max(count, 1))))


def epoch_day(world: World, day: np.ndarray) -> np.ndarray:
    """Days since 1970-01-01 of a day index from the start date."""
    return world.clock.start_day + day
