"""The distributor's network (regions, legal entities, sites, rollout waves) and the sites' clocks."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import numpy as np

from simulator.codes import LEGACY_SYSTEMS
from simulator.parameters import Parameters
from simulator.text import EPOCH

# Waves beyond the configured go-live days follow every eight weeks.
LATER_WAVE_SPACING_DAYS = 56


@dataclass(frozen=True)
class Site:
    site_id: str
    site_name: str
    region: str
    legal_entity: str
    timezone: str
    legacy_system: str
    wave: int
    go_live_day: int  # planned go-live, as a day index from the start date (may lie after the range)
    recovery_days: float
    is_struggling: bool
    size: float


@dataclass(frozen=True)
class Network:
    sites: tuple[Site, ...]
    wave_names: tuple[str, ...]

    @property
    def legal_entities(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(site.legal_entity for site in self.sites))

    def array(self, attribute: str) -> np.ndarray:
        return np.array([getattr(site, attribute) for site in self.sites])


def build_network(parameters: Parameters, site_count: int) -> Network:
    """Site i lies in region i mod R and in wave floor(i * W / N), so every wave spans regions."""
    if site_count < 1:
        raise ValueError("a network needs at least one site")
    unknown = sorted({region.legacy_system for region in parameters.regions} - set(LEGACY_SYSTEMS))
    if unknown:
        raise ValueError(f"legacy systems {unknown} have no codes; use one of {list(LEGACY_SYSTEMS)}")
    regions = parameters.regions
    wave_count = min(len(parameters.wave_names), site_count)
    struggling = set(parameters.struggling_sites)
    sites = []
    for index in range(site_count):
        region = regions[index % len(regions)]
        position = index // len(regions)
        wave = index * wave_count // site_count
        sites.append(
            Site(
                site_id=_pick(region.site_ids, position, region.site_ids[0][:3]),
                site_name=_pick(region.site_names, position, f"{region.name} DC"),
                region=region.name,
                legal_entity=region.legal_entity,
                timezone=region.timezone,
                legacy_system=region.legacy_system,
                wave=wave,
                go_live_day=_wave_go_live_day(parameters.wave_go_live_days, wave),
                recovery_days=float(_cycle(parameters.recovery_days, index)),
                is_struggling=index in struggling,
                size=float(_cycle(parameters.site_size_factors, index)),
            )
        )
    return Network(sites=tuple(sites), wave_names=parameters.wave_names[:wave_count])


def _pick(pool: tuple[str, ...], position: int, stem: str) -> str:
    """The position-th name of a region's pool; past its end, the stem numbered on."""
    return pool[position] if position < len(pool) else f"{stem}{position + 1}"


def _cycle(values: tuple, index: int):
    return values[index % len(values)]


def _wave_go_live_day(go_live_days: tuple[int, ...], wave: int) -> int:
    if wave < len(go_live_days):
        return go_live_days[wave]
    return go_live_days[-1] + LATER_WAVE_SPACING_DAYS * (wave - len(go_live_days) + 1)


def disruption_curves(network: Network, parameters: Parameters, days: int) -> np.ndarray:
    """(sites, days) go-live disruption in [0, 1]: 0 before go-live, 1 on the day, decaying after.

    Each site recovers exponentially with its own time constant; a struggling site keeps a residual
    share of the disruption for good, which is what the COO must notice on the scorecards.
    """
    day = np.arange(days)[None, :]
    go_live = network.array("go_live_day")[:, None]
    tau = network.array("recovery_days")[:, None]
    residual = np.where(network.array("is_struggling"), parameters.struggling_residual, 0.0)[:, None]
    since = day - go_live
    decay = np.exp(-np.maximum(since, 0) / tau)
    return np.where(since >= 0, residual + (1.0 - residual) * decay, 0.0)


@dataclass(frozen=True)
class SiteClock:
    """UTC offsets of every site for every hour of the generated range (plus margins), as a table.

    Looking offsets up in a table keeps timezone handling vectorised: zoneinfo is asked once per day and
    once per hour only around daylight-saving changes.
    """

    start_day: int  # days since the epoch of the first generated local date
    first_hour: int  # hours since the epoch of the table's first row
    offsets: np.ndarray  # (sites, hours) seconds east of UTC

    @classmethod
    def build(cls, timezones: list[str], start: dt.date, days: int) -> SiteClock:
        start_day = (start - EPOCH).days
        first_hour = (start_day - 3) * 24
        hours = (days + 3 + 400) * 24  # late shipments, adjustments and close tasks run past the range
        table = {zone: _hourly_offsets(zone, first_hour, hours) for zone in dict.fromkeys(timezones)}
        return cls(start_day, first_hour, np.stack([table[zone] for zone in timezones]))

    def offset_at(self, site: np.ndarray, utc: np.ndarray) -> np.ndarray:
        hour = np.clip(utc // 3600 - self.first_hour, 0, self.offsets.shape[1] - 1)
        return self.offsets[site, hour]

    def to_utc(self, site: np.ndarray, day: np.ndarray, second_of_day: np.ndarray) -> np.ndarray:
        """Epoch seconds of a site-local wall-clock time on a day index (from the start date)."""
        local = (self.start_day + day.astype(np.int64)) * 86400 + second_of_day.astype(np.int64)
        guess = local - self.offset_at(site, local)
        return local - self.offset_at(site, guess)

    def local_day(self, site: np.ndarray, utc: np.ndarray) -> np.ndarray:
        """Day index (from the start date) of the site-local date of an instant."""
        return ((utc + self.offset_at(site, utc)) // 86400 - self.start_day).astype(np.int32)

    def midnight(self, site: np.ndarray, day: np.ndarray) -> np.ndarray:
        """The instant a site-local day begins."""
        return self.to_utc(site, day, np.zeros_like(day))


def _hourly_offsets(zone_name: str, first_hour: int, hours: int) -> np.ndarray:
    zone = ZoneInfo(zone_name)

    def offset(hour: int) -> int:
        moment = dt.datetime.fromtimestamp(hour * 3600, tz=dt.UTC).astimezone(zone)
        return int(moment.utcoffset().total_seconds())

    days = hours // 24 + 1
    daily = np.array([offset(first_hour + 24 * day) for day in range(days + 1)], dtype=np.int32)
    table = np.repeat(daily[:-1], 24)[:hours]
    for day in np.flatnonzero(daily[1:] != daily[:-1]):
        for hour in range(24 * day, min(24 * day + 24, hours)):
            table[hour] = offset(first_hour + hour)
    return table
