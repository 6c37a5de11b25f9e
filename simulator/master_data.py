"""Master data: sites, items and users (with the provisioning and activation that drive adoption)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulator import codes
from simulator.columns import Codes, Dates, Decimals, Frame, Ids, Texts
from simulator.world import World, epoch_day, ids_digits

NEVER = 10**6  # a day index that never comes

# category, unit of measure, item nouns, unit cost range in cents
ITEM_CATEGORIES = (
    ("fasteners", "EA", ("Hex bolt", "Lock nut", "Flat washer", "Wood screw", "Anchor"), (5, 400)),
    ("electrical", "EA", ("Breaker", "Junction box", "Conduit fitting", "Wall switch", "Fuse"), (150, 9000)),
    ("plumbing", "EA", ("Ball valve", "Elbow fitting", "Pipe clamp", "Coupling", "Trap"), (120, 6000)),
    ("safety", "EA", ("Safety glasses", "Work gloves", "Hard hat", "Ear plugs", "Hi-vis vest"), (80, 4000)),
    ("packaging", "CS", ("Stretch film", "Carton", "Tape roll", "Bubble wrap", "Pallet label"), (300, 5000)),
    ("chemicals", "KG", ("Degreaser", "Epoxy resin", "Cutting oil", "Sealant", "Cleaner"), (200, 3000)),
    ("cable", "M", ("Copper cable", "Steel wire rope", "Chain", "Hose", "Cord"), (40, 1500)),
    ("tools", "EA", ("Drill bit", "Saw blade", "Wrench", "Screwdriver", "Grinding disc"), (250, 12000)),
)
UNITS = ("EA", "CS", "KG", "M")
WEIGHTED_TABLE_SIZE = 1 << 16
LOCATIONS_PER_SITE = 1800


def site_frame(world: World) -> Frame:
    """Sites, delivered on the first day with no go-live date, then again on each go-live day.

    The contract wants go_live_date null while a site is not live, so each wave's go-live day brings a
    fresh delivery of every site with the live ones' dates filled in: the latest delivery wins.
    """
    sites = world.network.sites
    go_live = world.go_live_day
    delivery_days = sorted({0} | {int(day) for day in go_live if 0 < day < world.days})
    frames = []
    for day in delivery_days:
        is_live = go_live <= day
        frames.append(
            Frame(
                {
                    "site_id": Texts(np.array([site.site_id for site in sites], dtype=object)),
                    "site_name": Texts(np.array([site.site_name for site in sites], dtype=object)),
                    "region": Texts(np.array([site.region for site in sites], dtype=object)),
                    "legal_entity": Texts(np.array([site.legal_entity for site in sites], dtype=object)),
                    "timezone": Texts(np.array([site.timezone for site in sites], dtype=object)),
                    "go_live_date": Dates(epoch_day(world, go_live), is_live),
                    "rollout_wave": Texts(
                        np.array([world.network.wave_names[site.wave] for site in sites], dtype=object)
                    ),
                    "source_system": Texts(np.array([site.legacy_system for site in sites], dtype=object)),
                },
                np.full(len(sites), day, dtype=np.int32),
            )
        )
    return Frame.concat(frames)


@dataclass(frozen=True)
class Catalog:
    count: int
    category: np.ndarray
    unit: np.ndarray
    unit_cost_cents: np.ndarray
    list_price_cents: np.ndarray
    step_tenths: np.ndarray  # smallest orderable quantity in tenths: 10 for each/case, 1 for kg/m
    popularity: np.ndarray  # inverse-CDF table, see weighted_table
    names: np.ndarray

    def sample(self, rng: np.random.Generator, count: int) -> np.ndarray:
        """Item indices drawn by popularity (a few items sell far more often than the long tail)."""
        return draw_weighted(self.popularity, rng, count)

    def home_location(self, site: np.ndarray, item: np.ndarray) -> np.ndarray:
        return (item * 7919 + site * 104729) % LOCATIONS_PER_SITE


def build_catalog(world: World) -> Catalog:
    rng = world.rng("items")
    count = catalog_size(world)
    category = rng.integers(0, len(ITEM_CATEGORIES), count)
    low = np.array([entry[3][0] for entry in ITEM_CATEGORIES])[category]
    high = np.array([entry[3][1] for entry in ITEM_CATEGORIES])[category]
    cost = np.round(np.exp(rng.uniform(np.log(low), np.log(high)))).astype(np.int64)
    unit = np.array([UNITS.index(entry[1]) for entry in ITEM_CATEGORIES])[category]
    weights = 1.0 / (np.arange(count) + 10.0) ** 0.9
    nouns = [ITEM_CATEGORIES[c][2][rng.integers(0, 5)] for c in category]
    letters = rng.integers(0, 26, count)
    names = np.array(
        [
            f"{noun} {chr(65 + letter)}{index % 1000:03d}"
            for index, (noun, letter) in enumerate(zip(nouns, letters, strict=True))
        ],
        dtype=object,
    )
    return Catalog(
        count=count,
        category=category,
        unit=unit,
        unit_cost_cents=cost,
        list_price_cents=np.round(cost * rng.uniform(1.25, 1.6, count)).astype(np.int64),
        step_tenths=np.where(np.isin(unit, [UNITS.index("KG"), UNITS.index("M")]), 1, 10),
        popularity=weighted_table(weights),
        names=names,
    )


def weighted_table(weights: np.ndarray) -> np.ndarray:
    """An inverse-CDF table: entry k is the index whose cumulative weight covers (k + 0.5) / size.

    Drawing through it is one look-up per draw instead of a binary search, exact to 1/65,536.
    """
    cdf = np.cumsum(weights) / weights.sum()
    quantiles = (np.arange(WEIGHTED_TABLE_SIZE) + 0.5) / WEIGHTED_TABLE_SIZE
    return np.minimum(np.searchsorted(cdf, quantiles), len(weights) - 1)


def draw_weighted(table: np.ndarray, rng: np.random.Generator, count: int) -> np.ndarray:
    return table[rng.integers(0, len(table), count)]


def catalog_size(world: World) -> int:
    return max(50, world.parameters.items)


def item_ids(world: World, index: np.ndarray) -> Ids:
    return Ids("IT", index, ids_digits(catalog_size(world), 5))


def item_frame(world: World, catalog: Catalog) -> Frame:
    """All items on the first day; mid-range a price update re-delivers a few items with a new cost."""
    index = np.arange(catalog.count)
    full = Frame(
        {
            "item_id": item_ids(world, index),
            "item_name": Texts(catalog.names),
            "category": Codes(tuple(entry[0] for entry in ITEM_CATEGORIES), catalog.category.astype(np.int16)),
            "uom": Codes(UNITS, catalog.unit.astype(np.int16)),
            "unit_cost": Decimals(catalog.unit_cost_cents, 2, np.ones(catalog.count, dtype=bool)),
        },
        np.zeros(catalog.count, dtype=np.int32),
    )
    update_day = world.days // 2
    if update_day < 1:
        return full
    rng = world.rng("item-price-update")
    changed = np.sort(rng.choice(catalog.count, size=max(1, catalog.count // 50), replace=False))
    new_cost = np.round(catalog.unit_cost_cents[changed] * rng.uniform(1.03, 1.08, len(changed)))
    update = full.take(changed)
    update = update.with_columns(unit_cost=Decimals(new_cost.astype(np.int64), 2, np.ones(len(changed), bool)))
    return Frame.concat([full, update.delivered_on(np.full(len(changed), update_day, dtype=np.int32))])


def location_names() -> tuple[str, ...]:
    """Bin locations aisle-bay-level, e.g. A07-12-3; the same naming at every site."""
    names = []
    for index in range(LOCATIONS_PER_SITE):
        aisle, rest = divmod(index, 60)
        bay, level = divmod(rest, 4)
        names.append(f"{chr(65 + aisle % 26)}{aisle // 26 + 1:02d}-{bay + 1:02d}-{level + 1}")
    return tuple(names)


@dataclass(frozen=True)
class Staff:
    """The new ERP's users, numbered in order of provisioning."""

    site: np.ndarray
    role: np.ndarray
    provisioned_day: np.ndarray
    deactivated_day: np.ndarray  # NEVER while active
    first_active_day: np.ndarray  # first day with usage; NEVER for users who never log on
    is_cutover: np.ndarray  # provisioned for the site's go-live, not hired later

    def __len__(self) -> int:
        return len(self.site)

    def ids(self, index: np.ndarray) -> Ids:
        return Ids("U", index, ids_digits(len(self), 5))

    def choose(self, rng: np.random.Generator, site: np.ndarray, day: np.ndarray, roles: tuple[str, ...]) -> np.ndarray:
        """For each (site, day) row, a user of one of `roles` provisioned at that site by then; -1 if none."""
        chosen = np.full(len(site), -1, dtype=np.int64)
        role_mask = np.isin(self.role, [codes.ROLES.index(role) for role in roles])
        draws = rng.random(len(site))
        for site_index in np.unique(site):
            candidates = np.flatnonzero((self.site == site_index) & role_mask)
            rows = np.flatnonzero(site == site_index)
            if not len(candidates) or not len(rows):
                continue
            candidates = candidates[np.argsort(self.provisioned_day[candidates], kind="stable")]
            available = np.searchsorted(self.provisioned_day[candidates], day[rows], side="right")
            pick = np.minimum((draws[rows] * available).astype(np.int64), np.maximum(available - 1, 0))
            chosen[rows] = np.where(available > 0, candidates[pick], -1)
        return chosen


def build_staff(world: World) -> Staff:
    """Users per site by role; most provisioned 1-5 weeks before go-live, some hired later.

    Users whose provisioning lies after the generated range do not exist yet and are left out.
    """
    parameters = world.parameters
    rng = world.rng("users")
    parts = []
    for site_index, site in enumerate(world.network.sites):
        share = np.clip((site.size - 0.8) / 0.45, 0.0, 1.0)
        count = round(
            parameters.users_per_site_min + share * (parameters.users_per_site_max - parameters.users_per_site_min)
        )
        count = max(count, len(codes.ROLES))
        role = np.concatenate(
            [np.arange(len(codes.ROLES)), rng.choice(len(codes.ROLES), count - len(codes.ROLES), p=codes.ROLE_MIX)]
        )
        go_live = site.go_live_day
        is_cutover = rng.random(count) < 0.88
        provisioned = np.where(is_cutover, go_live - rng.integers(7, 36, count), go_live + rng.integers(0, 300, count))
        lag_mean = parameters.struggling_activation_lag_days if site.is_struggling else parameters.activation_lag_days
        never_share = parameters.struggling_never_active_share if site.is_struggling else parameters.never_active_share
        lag = np.floor(rng.exponential(lag_mean, count)).astype(np.int64)
        first_active = np.where(rng.random(count) < never_share, NEVER, np.maximum(provisioned, go_live) + lag)
        leaves = rng.random(count) < 0.05
        deactivated = np.where(leaves, provisioned + rng.integers(30, 240, count), NEVER)
        parts.append((np.full(count, site_index), role, provisioned, deactivated, first_active, is_cutover))
    site, role, provisioned, deactivated, first_active, is_cutover = (
        np.concatenate(p) for p in zip(*parts, strict=True)
    )
    deactivated = np.where(deactivated < world.days, deactivated, NEVER)
    keep = provisioned < world.days
    order = np.lexsort((site[keep], provisioned[keep]))
    return Staff(
        site=site[keep][order],
        role=role[keep][order],
        provisioned_day=provisioned[keep][order].astype(np.int64),
        deactivated_day=deactivated[keep][order].astype(np.int64),
        first_active_day=first_active[keep][order].astype(np.int64),
        is_cutover=is_cutover[keep][order],
    )


def user_frame(world: World, staff: Staff) -> Frame:
    """Users on their provisioning day; re-delivered with the deactivation date when they leave.

    Users provisioned before go-live come from the legacy HR feed, so part of them carry legacy role codes.
    """
    rng = world.rng("user-roles")
    index = np.arange(len(staff))
    legacy = world.is_legacy(staff.site, staff.provisioned_day)
    role = world.coded("users.role", staff.role, staff.site, legacy, rng)
    left = staff.deactivated_day < NEVER
    frame = Frame(
        {
            "user_id": staff.ids(index),
            "site_id": Codes(tuple(site.site_id for site in world.network.sites), staff.site.astype(np.int16)),
            "role": role,
            "provisioned_date": Dates(epoch_day(world, staff.provisioned_day), np.ones(len(staff), dtype=bool)),
            "deactivated_date": Dates(
                epoch_day(world, np.where(left, staff.deactivated_day, 0)), np.zeros(len(staff), bool)
            ),
        },
        np.clip(staff.provisioned_day, 0, world.days - 1).astype(np.int32),
    )
    leavers = frame.take(np.flatnonzero(left))
    leavers = leavers.with_columns(
        deactivated_date=Dates(epoch_day(world, staff.deactivated_day[left]), np.ones(int(left.sum()), dtype=bool))
    ).delivered_on(staff.deactivated_day[left].astype(np.int32))
    return Frame.concat([frame, leavers])


def site_codes(world: World, site: np.ndarray) -> Codes:
    return Codes(tuple(s.site_id for s in world.network.sites), site.astype(np.int16))
