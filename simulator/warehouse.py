"""Inbound and stock: inventory counts, purchase orders, receipts with putaway, inter-site transfers."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from simulator.columns import Booleans, Codes, Decimals, Frame, Ids
from simulator.master_data import Catalog, Staff, item_ids, location_names, site_codes
from simulator.order_flow import DAY, HOUR, range_end
from simulator.world import WEEKDAY_OFFICE, WEEKDAY_VOLUME, World, expand_grid, ids_digits

SUPPLIERS = 240


def _site_day_counts(world: World, per_site_weekday: float, weekday_profile: np.ndarray, stream: str) -> np.ndarray:
    rate = (
        per_site_weekday
        * world.parameters.scale
        * world.site_size[:, None]
        * weekday_profile[world.weekday(np.arange(world.days))][None, :]
    )
    return world.rng(stream).poisson(rate)


def _quantity_tenths(rng: np.random.Generator, step: np.ndarray, median_units: float) -> np.ndarray:
    units = np.clip(np.round(rng.lognormal(np.log(median_units), 0.8, len(step))), 0, 5000).astype(np.int64)
    return units * 10 // np.maximum(step, 1) * step


def inventory_count_frame(world: World, catalog: Catalog, staff: Staff) -> Frame:
    """Cycle counts; after go-live the system quantity is wrong far more often (bad migrated stock)."""
    parameters = world.parameters
    counts = _site_day_counts(world, parameters.counts_per_site_weekday, WEEKDAY_OFFICE, "count-volume")
    rng = world.rng("counts")
    site, day = expand_grid(counts)
    n = len(site)
    item = catalog.sample(rng, n)
    step = catalog.step_tenths[item]
    system_qty = _quantity_tenths(rng, step, 40.0)
    stretch = world.disruption_at(site, day)
    mismatch_rate = world.added_error_rate(
        "inventory_accuracy", site, day, parameters.count_mismatch_rate + parameters.count_mismatch_surge * stretch
    )
    mismatch = rng.random(n) < mismatch_rate
    delta = rng.integers(1, 6, n) * np.where(rng.random(n) < 0.6, -1, 1) * step
    counted = np.where(mismatch, np.maximum(system_qty + delta, 0), system_qty)
    counted = np.where(mismatch & (counted == system_qty), system_qty + step, counted)
    at = world.at_local(site, day, world.business_seconds(rng, n, 10.0, 2.5))
    legacy = world.is_legacy(site, day)
    user = np.where(legacy, -1, staff.choose(rng, site, day, ("inventory_control",)))
    return Frame(
        {
            "count_id": Ids("IC", np.arange(n), ids_digits(n, 7)),
            "site_id": site_codes(world, site),
            "location_id": Codes(location_names(), catalog.home_location(site, item).astype(np.int16)),
            "item_id": item_ids(world, item),
            "counted_at": world.timestamps(site, at, legacy),
            "system_qty": Decimals(system_qty, 1, np.ones(n, bool)),
            "counted_qty": Decimals(counted, 1, np.ones(n, bool)),
            "user_id": staff.ids(user),
        },
        day,
    )


@dataclass(frozen=True)
class PurchaseOrders:
    site: np.ndarray
    day: np.ndarray
    created: np.ndarray
    approved: np.ndarray
    issued: np.ndarray
    approval_required: np.ndarray
    is_approved: np.ndarray
    is_issued: np.ndarray
    amount_cents: np.ndarray
    supplier: np.ndarray

    def __len__(self) -> int:
        return len(self.site)


def build_purchase_orders(world: World) -> PurchaseOrders:
    """POs needing approval above 5,000; after go-live more are issued before anyone approved them."""
    parameters = world.parameters
    counts = _site_day_counts(world, parameters.purchase_orders_per_site_weekday, WEEKDAY_OFFICE, "po-volume")
    rng = world.rng("purchase-orders")
    site, day = expand_grid(counts)
    n = len(site)
    created = world.at_local(site, day, world.business_seconds(rng, n))
    amount = np.round(rng.lognormal(np.log(350_000), 1.0, n)).astype(np.int64)
    approval_required = (amount > 500_000) | (rng.random(n) < 0.05)
    stretch = world.disruption_at(site, day)
    approved = created + (4 * HOUR * (1 + stretch) * rng.lognormal(0, 0.7, n)).astype(np.int64)
    issued = created + (6 * HOUR * rng.lognormal(0, 0.6, n)).astype(np.int64)
    issued = np.where(approval_required, np.maximum(issued, approved + 1800), issued)
    late = approval_required & (
        rng.random(n) < parameters.late_approval_rate + parameters.late_approval_surge * stretch
    )
    # A late approval: the buyer issued first and the approver signed off hours or days afterwards.
    issued = np.where(late, created + (2 * HOUR * rng.lognormal(0, 0.5, n)).astype(np.int64), issued)
    approved = np.where(late, issued + rng.integers(2 * HOUR, 72 * HOUR, n), approved)
    never_approved = late & (rng.random(n) < 0.15)
    end = range_end(world, site)
    return PurchaseOrders(
        site=site,
        day=day,
        created=created,
        approved=approved,
        issued=issued,
        approval_required=approval_required,
        is_approved=approval_required & ~never_approved & (approved < end),
        is_issued=issued < end,
        amount_cents=amount,
        supplier=rng.integers(0, SUPPLIERS, n),
    )


def purchase_order_frame(world: World, orders: PurchaseOrders) -> Frame:
    """POs on their creation day, re-delivered when approved or issued on a later day."""
    n = len(orders)
    site = orders.site
    legacy = world.is_legacy(site, orders.day)
    approved_day = world.local_day(site, orders.approved)
    issued_day = world.local_day(site, orders.issued)
    frame = Frame(
        {
            "po_id": Ids("PO", np.arange(n), ids_digits(n, 6)),
            "site_id": site_codes(world, site),
            "supplier_id": Ids("SUP", orders.supplier, 4),
            "amount": Decimals(orders.amount_cents, 2, np.ones(n, bool)),
            "approval_required": Booleans(orders.approval_required, np.ones(n, bool)),
            "created_at": world.timestamps(site, orders.created, legacy),
            "approved_at": world.timestamps(site, orders.approved, legacy, orders.is_approved),
            "issued_at": world.timestamps(site, orders.issued, legacy, orders.is_issued),
        },
        orders.day,
    )
    last_day = np.maximum(np.where(orders.is_approved, approved_day, -1), np.where(orders.is_issued, issued_day, -1))
    later = last_day > orders.day
    approved, issued = frame.columns["approved_at"], frame.columns["issued_at"]
    first = frame.with_columns(
        approved_at=replace(approved, valid=approved.valid & (approved_day <= orders.day)),
        issued_at=replace(issued, valid=issued.valid & (issued_day <= orders.day)),
    )
    rows = np.flatnonzero(later)
    return Frame.concat([first, frame.take(rows).delivered_on(last_day[rows].astype(np.int32))])


def receipt_frame(world: World, orders: PurchaseOrders, catalog: Catalog) -> Frame:
    """Receipt lines of issued POs; putaway slows after go-live and some lines wait days to be put away."""
    rng = world.rng("receipts")
    issued = np.flatnonzero(orders.is_issued)
    line_count = rng.integers(1, 5, len(issued))
    po = np.repeat(issued, line_count)
    n = len(po)
    site = orders.site[po]
    lead_days = np.repeat(rng.integers(2, 13, len(issued)), line_count)
    day = world.local_day(site, orders.issued[po]) + lead_days
    received = world.at_local(site, day, world.business_seconds(rng, n, 10.0, 2.0))
    keep = received < range_end(world, site)
    po, site, day, received = po[keep], site[keep], day[keep], received[keep]
    n = len(po)
    stretch = world.disruption_at(site, day)
    putaway = received + (2.5 * HOUR * (1 + 3.0 * stretch) * rng.lognormal(0, 0.9, n)).astype(np.int64)
    late = rng.random(n) < 0.03 + 0.1 * stretch
    putaway = np.where(late, putaway + rng.integers(DAY, 4 * DAY, n), putaway)
    end = range_end(world, site)
    is_put_away = (rng.random(n) >= 0.005) & (putaway < end)
    item = catalog.sample(rng, n)
    qty = np.maximum(_quantity_tenths(rng, catalog.step_tenths[item], 60.0), catalog.step_tenths[item])
    legacy = world.is_legacy(site, day)
    is_return = rng.random(n) < 0.03  # customer returns arrive without a PO
    frame = Frame(
        {
            "receipt_line_id": Ids("RL", np.arange(n), ids_digits(n, 7)),
            "site_id": site_codes(world, site),
            "po_id": Ids("PO", np.where(is_return, -1, po), ids_digits(len(orders), 6)),
            "item_id": item_ids(world, item),
            "received_qty": Decimals(qty, 1, np.ones(n, bool)),
            "received_at": world.timestamps(site, received, legacy),
            "putaway_at": world.timestamps(site, putaway, legacy, is_put_away),
        },
        day.astype(np.int32),
    )
    putaway_day = world.local_day(site, putaway)
    later = is_put_away & (putaway_day > day)
    stamps = frame.columns["putaway_at"]
    first = frame.with_columns(putaway_at=replace(stamps, valid=stamps.valid & ~later))
    rows = np.flatnonzero(later)
    return Frame.concat([first, frame.take(rows).delivered_on(putaway_day[rows])])


def transfer_frame(world: World, catalog: Catalog) -> Frame:
    """Stock moved between sites, mostly within a region; a go-live at either end slows it down."""
    parameters = world.parameters
    rng = world.rng("transfers")
    counts = _site_day_counts(world, parameters.transfers_per_site_weekday, WEEKDAY_VOLUME, "transfer-volume")
    source, day = expand_grid(counts)
    n = len(source)
    if world.site_count < 2 or n == 0:
        return _empty_transfers(world)
    region = np.array([site.region for site in world.network.sites])
    target = (source + rng.integers(1, world.site_count, n)) % world.site_count
    same_region = [
        np.flatnonzero((region == region[s]) & (np.arange(world.site_count) != s)) for s in range(world.site_count)
    ]
    prefer_region = rng.random(n) < 0.6
    for site_index, neighbours in enumerate(same_region):
        rows = np.flatnonzero((source == site_index) & prefer_region)
        if len(neighbours) and len(rows):
            target[rows] = neighbours[rng.integers(0, len(neighbours), len(rows))]
    requested = world.at_local(source, day, world.business_seconds(rng, n))
    shipped = requested + (18 * HOUR * (1 + world.disruption_at(source, day)) * rng.lognormal(0, 0.6, n)).astype(
        np.int64
    )
    transit_median = np.where(region[source] == region[target], 30 * HOUR, 100 * HOUR)
    received_day_guess = world.local_day(target, shipped)
    received = shipped + (
        transit_median * (1 + 0.5 * world.disruption_at(target, received_day_guess)) * rng.lognormal(0, 0.4, n)
    ).astype(np.int64)
    is_shipped = shipped < range_end(world, source)
    is_received = received < range_end(world, target)
    item = catalog.sample(rng, n)
    qty = np.maximum(_quantity_tenths(rng, catalog.step_tenths[item], 30.0), catalog.step_tenths[item])
    legacy = world.is_legacy(source, day)
    frame = Frame(
        {
            "transfer_id": Ids("TR", np.arange(n), ids_digits(n, 6)),
            "from_site_id": site_codes(world, source),
            "to_site_id": site_codes(world, target),
            "item_id": item_ids(world, item),
            "qty": Decimals(qty, 1, np.ones(n, bool)),
            "requested_at": world.timestamps(source, requested, legacy),
            "shipped_at": world.timestamps(source, shipped, legacy, is_shipped),
            "received_at": world.timestamps(target, received, world.is_legacy(target, received_day_guess), is_received),
        },
        day,
    )
    shipped_day = world.local_day(source, shipped)
    received_day = world.local_day(target, received)
    last_day = np.maximum(np.where(is_shipped, shipped_day, -1), np.where(is_received, received_day, -1))
    shipped_stamps, received_stamps = frame.columns["shipped_at"], frame.columns["received_at"]
    first = frame.with_columns(
        shipped_at=replace(shipped_stamps, valid=shipped_stamps.valid & (shipped_day <= day)),
        received_at=replace(received_stamps, valid=received_stamps.valid & (received_day <= day)),
    )
    rows = np.flatnonzero(last_day > day)
    return Frame.concat([first, frame.take(rows).delivered_on(last_day[rows].astype(np.int32))])


def _empty_transfers(world: World) -> Frame:
    empty = np.zeros(0, dtype=np.int64)
    none = np.zeros(0, dtype=bool)
    stamps = world.timestamps(empty, empty, none)
    return Frame(
        {
            "transfer_id": Ids("TR", empty, 6),
            "from_site_id": site_codes(world, empty),
            "to_site_id": site_codes(world, empty),
            "item_id": item_ids(world, empty),
            "qty": Decimals(empty, 1, none),
            "requested_at": stamps,
            "shipped_at": stamps,
            "received_at": stamps,
        },
        np.zeros(0, dtype=np.int32),
    )
