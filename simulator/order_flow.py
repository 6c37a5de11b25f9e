"""Order to cash: orders, lines, picks, shipments, invoices, process events and exceptions.

Everything is computed per row with numpy over all sites and days at once. Times are epoch seconds;
quantities are integer tenths of the unit (so partial shipments add up exactly); money is in cents.
The go-live disruption of the order's site and day stretches every step and raises every error rate.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from simulator import codes
from simulator.columns import Booleans, Codes, Dates, Decimals, Frame, Ids, Integers, redeliver_when_set
from simulator.master_data import (
    Catalog,
    Staff,
    draw_weighted,
    item_ids,
    location_names,
    site_codes,
    weighted_table,
)
from simulator.world import WEEKDAY_VOLUME, World, epoch_day, expand_grid, grid_starts, ids_digits

HOUR = 3600
DAY = 86400
CUSTOMERS = 1500
NEVER_AT = np.iinfo(np.int64).max // 4  # an instant that never comes
# By activity (STANDARD_ACTIVITIES, then UNKNOWN_ACTIVITIES, then REGIONAL_ACTIVITY): who records it.
CLERK_STEPS = np.array([True, True, False, False, False, False, False, False, True, True, False])
WAREHOUSE_STEPS = np.array([False, False, False, False, True, True, True, False, False, False, True])


@dataclass(frozen=True)
class Orders:
    site: np.ndarray
    day: np.ndarray
    created: np.ndarray
    channel: np.ndarray
    entry_method: np.ndarray
    requested_day: np.ndarray
    customer: np.ndarray
    is_cancelled: np.ndarray
    cancelled_at: np.ndarray
    is_legacy: np.ndarray
    disruption: np.ndarray
    order_counts: np.ndarray  # (sites, days) orders created per site and day

    def __len__(self) -> int:
        return len(self.site)


@dataclass(frozen=True)
class Lines:
    order: np.ndarray
    line_number: np.ndarray
    item: np.ndarray
    qty: np.ndarray  # tenths
    price_cents: np.ndarray
    is_cancelled: np.ndarray
    first_line: np.ndarray  # (orders,) index of each order's first line
    line_count: np.ndarray  # (orders,)

    def __len__(self) -> int:
        return len(self.order)


@dataclass(frozen=True)
class Fulfilment:
    """What happened to each order and line, before cutting at the end of the range."""

    credit_at: np.ndarray
    allocated_at: np.ndarray
    released_at: np.ndarray
    pick_start_at: np.ndarray
    picked_at: np.ndarray  # order: last line picked
    packed_at: np.ndarray
    ship_at: np.ndarray  # order: first shipment wave
    line_picked_at: np.ndarray
    first_qty: np.ndarray  # line: quantity in the first shipment (0 = all backordered)
    backorder_at: np.ndarray  # line: NEVER_AT unless the remainder ships later
    ships: np.ndarray  # line: not cancelled and its order not cancelled


def build_orders(world: World) -> Orders:
    parameters = world.parameters
    rng = world.rng("orders")
    day = np.arange(world.days)
    season = 1.0 + 0.08 * np.sin(2 * np.pi * (day + world.clock.start_day) / 365.25)
    rate = (
        parameters.orders_per_site_weekday
        * parameters.scale
        * world.site_size[:, None]
        * WEEKDAY_VOLUME[world.weekday(day)][None, :]
        * season[None, :]
        * (1.0 - 0.1 * world.disruption)
    )
    counts = rng.poisson(rate)
    site, day = expand_grid(counts)
    count = len(site)
    channel = rng.choice(len(codes.ORDER_CHANNELS), count, p=codes.ORDER_CHANNEL_MIX)
    is_edi = channel == codes.ORDER_CHANNELS.index("edi")
    second = np.where(is_edi, rng.integers(0, DAY, count), world.business_seconds(rng, count, 11.0, 3.0))
    created = world.at_local(site, day, second)
    disruption = world.disruption_at(site, day)
    legacy = world.is_legacy(site, day)
    workaround_rate = (
        parameters.workaround_order_rate
        + parameters.workaround_order_surge * disruption
        + parameters.struggling_workaround_extra * (world.is_struggling[site] & ~legacy)
    )
    is_workaround = ~is_edi & (rng.random(count) < workaround_rate)
    workaround_method = np.where(rng.random(count) < 0.7, 2, 3)  # spreadsheet_upload, offline
    entry_method = np.where(is_edi, 1, np.where(is_workaround, workaround_method, 0))
    lead_days = rng.choice([0, 1, 2, 3, 5], count, p=[0.12, 0.5, 0.2, 0.12, 0.06])
    customer = draw_weighted(weighted_table(1.0 / (np.arange(CUSTOMERS) + 5.0)), rng, count)
    return Orders(
        site=site,
        day=day,
        created=created,
        channel=channel,
        entry_method=entry_method,
        requested_day=day + lead_days,
        customer=customer,
        is_cancelled=rng.random(count) < 0.015,
        cancelled_at=np.zeros(count, dtype=np.int64),  # set once the order's timeline is known
        is_legacy=legacy,
        disruption=disruption,
        order_counts=counts,
    )


def build_lines(world: World, orders: Orders, catalog: Catalog) -> Lines:
    parameters = world.parameters
    rng = world.rng("order-lines")
    line_count = np.minimum(
        rng.geometric(1.0 / parameters.mean_lines_per_order, len(orders)), parameters.max_lines_per_order
    )
    first_line = np.concatenate([[0], np.cumsum(line_count)[:-1]])
    order = np.repeat(np.arange(len(orders)), line_count)
    count = len(order)
    line_number = np.arange(count) - first_line[order] + 1
    item = catalog.sample(rng, count)
    step = catalog.step_tenths[item]
    units = np.clip(np.ceil(rng.lognormal(np.log(6.0), 0.9, count)), 1, 400).astype(np.int64)
    loose_tenths = np.clip(np.ceil(rng.lognormal(np.log(60.0), 1.0, count)), 1, 9999).astype(np.int64)
    qty = np.where(step == 10, units * 10, loose_tenths)
    price = np.round(catalog.list_price_cents[item] * rng.uniform(0.9, 1.0, count)).astype(np.int64)
    return Lines(
        order=order,
        line_number=line_number,
        item=item,
        qty=qty,
        price_cents=price,
        is_cancelled=rng.random(count) < 0.02,
        first_line=first_line,
        line_count=line_count,
    )


def fulfil(world: World, orders: Orders, lines: Lines, catalog: Catalog) -> tuple[Orders, Lines, Fulfilment]:
    """The order timeline, partial first shipments and backorders; cancels whole orders where needed."""
    parameters = world.parameters
    rng = world.rng("fulfilment")
    n = len(orders)
    stretch = orders.disruption
    credit = orders.created + rng.integers(120, 1800, n)
    allocated = credit + rng.integers(60, HOUR, n)
    released = allocated + _lognormal_seconds(rng, 1.5 * HOUR * (1 + 1.5 * stretch), 0.8)
    pick_start = released + _lognormal_seconds(rng, 1.2 * HOUR * (1 + 2.0 * stretch), 0.8)
    picked = pick_start + (lines.line_count - 1) * 120 + 90
    packed = picked + rng.integers(600, HOUR, n)
    ship = packed + _lognormal_seconds(rng, 1.5 * HOUR * (1 + 1.5 * stretch), 0.9)

    # An order all of whose lines were cancelled is a cancelled order.
    all_lines_cancelled = np.logical_and.reduceat(lines.is_cancelled, lines.first_line)
    is_cancelled = orders.is_cancelled | all_lines_cancelled
    cancelled_at = orders.created + (rng.uniform(0.2, 0.9, n) * (ship - orders.created)).astype(np.int64)
    cancelled_at = np.where(all_lines_cancelled & ~orders.is_cancelled, orders.created + 600, cancelled_at)
    cancelled_same_day = is_cancelled & (world.local_day(orders.site, cancelled_at) == orders.day)
    line_cancelled = lines.is_cancelled | cancelled_same_day[lines.order]
    orders = replace(orders, is_cancelled=is_cancelled, cancelled_at=np.where(is_cancelled, cancelled_at, NEVER_AT))
    lines = replace(lines, is_cancelled=line_cancelled)

    order = lines.order
    ships = ~line_cancelled & ~is_cancelled[order]
    m = len(lines)
    line_picked = pick_start[order] + (lines.line_number - 1) * 120 + rng.integers(0, 90, m)
    partial_rate = parameters.partial_first_shipment_rate + parameters.partial_first_shipment_surge * stretch[order]
    is_partial = ships & (rng.random(m) < partial_rate)
    step = catalog.step_tenths[lines.item]
    first_qty = np.where(is_partial, (lines.qty * rng.uniform(0.0, 0.9, m) // step).astype(np.int64) * step, lines.qty)
    first_qty = np.minimum(first_qty, lines.qty - step * is_partial).clip(0)
    backorder_delay = _lognormal_seconds(rng, 3 * DAY * (1 + stretch[order]), 0.6)
    never_completed = rng.random(m) < 0.05
    backorder_at = np.where(
        is_partial & ~never_completed & (lines.qty > first_qty), ship[order] + backorder_delay, NEVER_AT
    )
    fulfilment = Fulfilment(
        credit_at=credit,
        allocated_at=allocated,
        released_at=released,
        pick_start_at=pick_start,
        picked_at=picked,
        packed_at=packed,
        ship_at=ship,
        line_picked_at=line_picked,
        first_qty=first_qty,
        backorder_at=backorder_at,
        ships=ships,
    )
    return orders, lines, fulfilment


def _lognormal_seconds(rng: np.random.Generator, median_seconds: np.ndarray, sigma: float) -> np.ndarray:
    median = np.broadcast_to(np.asarray(median_seconds, dtype=float), np.shape(median_seconds))
    size = median.shape if median.shape else None
    return (median * rng.lognormal(0.0, sigma, size)).astype(np.int64)


def range_end(world: World, site: np.ndarray) -> np.ndarray:
    """The instant the generated range ends at each row's site (local midnight after the last day)."""
    sites = np.arange(world.site_count)
    end = world.clock.midnight(sites, np.full(world.site_count, world.days))
    return end[site]


@dataclass(frozen=True)
class Shipped:
    """Shipment lines that happened within the range."""

    line: np.ndarray
    shipment: np.ndarray
    qty: np.ndarray
    at: np.ndarray
    is_backorder: np.ndarray

    def __len__(self) -> int:
        return len(self.line)


def shipped_lines(world: World, orders: Orders, lines: Lines, fulfilment: Fulfilment) -> Shipped:
    order = lines.order
    first = np.flatnonzero(fulfilment.ships & (fulfilment.first_qty > 0))
    later = np.flatnonzero(fulfilment.backorder_at < NEVER_AT)
    line = np.concatenate([first, later])
    at = np.concatenate([fulfilment.ship_at[order[first]], fulfilment.backorder_at[later]])
    # The first wave of an order is one shipment; each backordered remainder ships on its own.
    shipment = np.concatenate([order[first], len(orders) + later])
    qty = np.concatenate([fulfilment.first_qty[first], lines.qty[later] - fulfilment.first_qty[later]])
    is_backorder = np.concatenate([np.zeros(len(first), bool), np.ones(len(later), bool)])
    keep = at < range_end(world, orders.site[order[line]])
    return Shipped(line[keep], shipment[keep], qty[keep], at[keep], is_backorder[keep])


def order_frames(
    world: World, orders: Orders, lines: Lines, fulfilment: Fulfilment, shipped: Shipped, invoices: Invoiced
) -> tuple[Frame, Frame]:
    """sales_orders (re-delivered when their status changed after the day of entry) and sales_order_lines."""
    rng = world.rng("order-codes")
    n = len(orders)
    end = range_end(world, orders.site)
    first_ship = np.full(n, NEVER_AT, dtype=np.int64)
    np.minimum.at(first_ship, lines.order[shipped.line], shipped.at)
    closed_at = _closed_at(orders, lines, fulfilment, invoices)
    end_of_entry_day = world.clock.midnight(orders.site, orders.day + 1) - 1
    at_entry = _status_at(orders, fulfilment.released_at, first_ship, closed_at, end_of_entry_day)
    final = _status_at(orders, fulfilment.released_at, first_ship, closed_at, end - 1)
    changed_at = np.select(
        [final == 4, final == 3, final == 2, final == 1],
        [orders.cancelled_at, closed_at, first_ship, fulfilment.released_at],
        orders.created,
    )
    changed_day = world.local_day(orders.site, changed_at)
    redelivered = np.flatnonzero((final != at_entry) & (changed_day > orders.day))

    channel = world.coded(
        "sales_orders.channel",
        orders.channel,
        orders.site,
        orders.is_legacy,
        rng,
        unmapped_eligible=orders.channel == codes.ORDER_CHANNELS.index("phone"),
    )
    entry_method = world.coded("sales_orders.entry_method", orders.entry_method, orders.site, orders.is_legacy, rng)
    systems = (world.parameters.new_erp, *codes.LEGACY_SYSTEMS)
    source_system = np.where(orders.is_legacy, 1 + world.legacy_system_index()[orders.site], 0)

    def order_rows(status: np.ndarray, rows: np.ndarray, delivery_day: np.ndarray) -> Frame:
        # Status codes come from the system that delivered the row: a legacy order re-delivered after
        # go-live was migrated to the new ERP.
        delivered_by_legacy = world.is_legacy(orders.site[rows], delivery_day)
        status_codes = world.coded("sales_orders.status", status, orders.site[rows], delivered_by_legacy, rng)
        return Frame(
            {
                "order_id": order_ids(orders, rows),
                "site_id": site_codes(world, orders.site[rows]),
                "customer_id": Ids("C", orders.customer[rows], 5),
                "channel": Codes(channel.values, channel.index[rows]),
                "entry_method": Codes(entry_method.values, entry_method.index[rows]),
                "created_at": world.timestamps(orders.site[rows], orders.created[rows], orders.is_legacy[rows]),
                "requested_ship_date": Dates(epoch_day(world, orders.requested_day[rows]), np.ones(len(rows), bool)),
                "status": status_codes,
                "source_system": Codes(systems, source_system[rows].astype(np.int16)),
            },
            delivery_day.astype(np.int32),
        )

    every = np.arange(n)
    is_redelivered = np.zeros(n, dtype=bool)
    is_redelivered[redelivered] = True
    first_rows = order_rows(np.where(is_redelivered, at_entry, final), every, orders.day)
    later_rows = order_rows(final[redelivered], redelivered, changed_day[redelivered])
    sales_orders = Frame.concat([first_rows, later_rows])

    legacy_line = orders.is_legacy[lines.order]
    # The legacy ERPs only export the flag when a line is cancelled.
    cancelled_valid = ~legacy_line | lines.is_cancelled
    order_lines = Frame(
        {
            "order_id": order_ids(orders, lines.order),
            "line_number": Integers(lines.line_number),
            "item_id": item_ids(world, lines.item),
            "ordered_qty": Decimals(lines.qty, 1, np.ones(len(lines), bool)),
            "unit_price": Decimals(lines.price_cents, 2, np.ones(len(lines), bool)),
            "is_cancelled": Booleans(lines.is_cancelled, cancelled_valid),
        },
        orders.day[lines.order].astype(np.int32),
    )
    return sales_orders, order_lines


def _status_at(
    orders: Orders, released_at: np.ndarray, first_ship: np.ndarray, closed_at: np.ndarray, moment: np.ndarray
) -> np.ndarray:
    """Index into ORDER_STATUSES of each order's status at an instant."""
    return np.select(
        [orders.cancelled_at <= moment, closed_at <= moment, first_ship <= moment, released_at <= moment],
        [4, 3, 2, 1],
        0,
    )


def _closed_at(orders: Orders, lines: Lines, fulfilment: Fulfilment, invoices: Invoiced) -> np.ndarray:
    """An order closes with its last invoice, once every line that ships has shipped in full."""
    n = len(orders)
    line_done = ~fulfilment.ships | (fulfilment.first_qty >= lines.qty) | (fulfilment.backorder_at < NEVER_AT)
    complete = np.logical_and.reduceat(line_done, lines.first_line) & ~orders.is_cancelled
    last_invoice = np.zeros(n, dtype=np.int64)
    np.maximum.at(last_invoice, invoices.order, invoices.at)
    # Invoices still to come (after the range) leave the order open: compare the counts.
    invoiced_shipments = np.bincount(invoices.order, minlength=n)
    expected = _expected_shipments(orders, lines, fulfilment)
    return np.where(complete & (invoiced_shipments == expected) & (expected > 0), last_invoice, NEVER_AT)


def _expected_shipments(orders: Orders, lines: Lines, fulfilment: Fulfilment) -> np.ndarray:
    n = len(orders)
    has_first_wave = np.zeros(n, dtype=bool)
    np.logical_or.at(has_first_wave, lines.order, fulfilment.ships & (fulfilment.first_qty > 0))
    backorders = np.bincount(lines.order, weights=fulfilment.backorder_at < NEVER_AT, minlength=n)
    return has_first_wave.astype(np.int64) + backorders.astype(np.int64)


def order_ids(orders: Orders, rows: np.ndarray) -> Ids:
    return Ids("SO", rows, ids_digits(len(orders), 7))


def shipment_frame(world: World, orders: Orders, lines: Lines, shipped: Shipped) -> Frame:
    """Shipment lines on their shipping day; a few first arrive with a keyed-in error, corrected days later."""
    rng = world.rng("shipments")
    order = lines.order[shipped.line]
    site = orders.site[order]
    day = world.local_day(site, shipped.at)
    # One carrier per shipment (every line of it), from the carriers serving the site's continent.
    shipment_numbers, shipment_of_line = np.unique(shipped.shipment, return_inverse=True)
    shipment_count = len(shipment_numbers)
    is_europe = np.array([s.timezone.startswith("Europe/") for s in world.network.sites])[site]
    carrier = np.where(
        is_europe,
        rng.choice([3, 4, 5], shipment_count, p=[0.5, 0.3, 0.2])[shipment_of_line],
        rng.choice([0, 1, 2, 3], shipment_count, p=[0.4, 0.3, 0.2, 0.1])[shipment_of_line],
    )
    legacy = world.is_legacy(site, day)
    frame = Frame(
        {
            "shipment_line_id": Ids("SL", np.arange(len(shipped)), ids_digits(len(shipped), 8)),
            "shipment_id": Ids("SH", shipped.shipment, ids_digits(len(orders) + len(lines), 7)),
            "order_id": order_ids(orders, order),
            "line_number": Integers(lines.line_number[shipped.line]),
            "shipped_qty": Decimals(shipped.qty, 1, np.ones(len(shipped), bool)),
            "shipped_at": world.timestamps(site, shipped.at, legacy),
            "carrier": Codes(codes.CARRIERS, carrier.astype(np.int16)),
        },
        day,
    )
    correction_delay = rng.integers(1, 4, len(shipped))
    candidates = np.flatnonzero(day + correction_delay < world.days)
    count = min(len(candidates), round(len(shipped) * world.parameters.shipment_correction_share))
    corrected = np.sort(rng.choice(candidates, size=count, replace=False))
    # The first delivery of a corrected line carries a tenfold keying error; the correction wins later.
    wrong = frame.take(corrected).with_columns(
        shipped_qty=Decimals(shipped.qty[corrected] * 10, 1, np.ones(count, bool))
    )
    is_corrected = np.zeros(len(shipped), dtype=bool)
    is_corrected[corrected] = True
    original = frame.take(np.flatnonzero(~is_corrected))
    fixed = frame.take(corrected).delivered_on(day[corrected] + correction_delay[corrected])
    return Frame.concat([original, wrong, fixed])


@dataclass(frozen=True)
class Invoiced:
    """One invoice per shipment, within the range."""

    shipment: np.ndarray
    order: np.ndarray
    at: np.ndarray
    amount_cents: np.ndarray

    def __len__(self) -> int:
        return len(self.shipment)


def invoice_shipments(world: World, orders: Orders, lines: Lines, shipped: Shipped) -> Invoiced:
    rng = world.rng("invoices")
    shipment, first_row, inverse = np.unique(shipped.shipment, return_index=True, return_inverse=True)
    value = np.round(shipped.qty * lines.price_cents[shipped.line] / 10.0)
    amount = np.round(np.bincount(inverse, weights=value, minlength=len(shipment))).astype(np.int64)
    order = lines.order[shipped.line[first_row]]
    at = shipped.at[first_row] + _lognormal_seconds(rng, np.full(len(shipment), 3.0 * HOUR), 0.7)
    keep = at < range_end(world, orders.site[order])
    return Invoiced(shipment[keep], order[keep], at[keep], amount[keep])


def invoice_frame(world: World, orders: Orders, invoices: Invoiced) -> Frame:
    """Invoices on their day; adjusted ones re-delivered on the day of the credit or re-bill."""
    parameters = world.parameters
    rng = world.rng("invoice-adjustments")
    n = len(invoices)
    site = orders.site[invoices.order]
    day = world.local_day(site, invoices.at)
    stretch = world.disruption_at(site, day)
    error_rate = parameters.invoice_error_rate + parameters.invoice_error_surge * stretch
    draw = rng.random(n)
    error_reason = rng.choice(4, n, p=[0.5, 0.3, 0.1, 0.1])
    other_reason = rng.choice([4, 5], n, p=[0.8, 0.2])
    reason = np.where(draw < error_rate, error_reason, np.where(draw < error_rate + 0.02, other_reason, -1))
    adjusted_at = invoices.at + rng.integers(1 * DAY, 25 * DAY, n)
    adjusted_day = world.local_day(site, adjusted_at)
    is_adjusted = (reason >= 0) & (adjusted_day < world.days)
    legacy = world.is_legacy(site, day)
    adjustment_reason = world.coded("invoices.adjustment_reason", np.where(is_adjusted, reason, -1), site, legacy, rng)
    frame = Frame(
        {
            "invoice_id": Ids("IN", invoices.shipment, ids_digits(int(invoices.shipment.max(initial=0)), 7)),
            "site_id": site_codes(world, site),
            "order_id": order_ids(orders, invoices.order),
            "invoiced_at": world.timestamps(site, invoices.at, legacy),
            "amount": Decimals(invoices.amount_cents, 2, np.ones(n, bool)),
            "adjusted_at": world.timestamps(site, adjusted_at, legacy, is_adjusted),
            "adjustment_reason": adjustment_reason,
        },
        day,
    )
    before = frame.with_columns(
        adjusted_at=world.timestamps(site, adjusted_at, legacy, np.zeros(n, bool)),
        adjustment_reason=Codes(adjustment_reason.values, np.full(n, -1, dtype=np.int16)),
    )
    adjusted = np.flatnonzero(is_adjusted)
    return Frame.concat([before, frame.take(adjusted).delivered_on(adjusted_day[adjusted])])


def pick_frame(
    world: World, orders: Orders, lines: Lines, fulfilment: Fulfilment, staff: Staff, catalog: Catalog
) -> Frame:
    """One pick per shipping line at first pick (short when partial), one more per backordered remainder."""
    parameters = world.parameters
    rng = world.rng("picks")
    first = np.flatnonzero(fulfilment.ships)
    later = np.flatnonzero(fulfilment.backorder_at < NEVER_AT)
    line = np.concatenate([first, later])
    at = np.concatenate(
        [fulfilment.line_picked_at[first], fulfilment.backorder_at[later] - rng.integers(HOUR, 4 * HOUR, len(later))]
    )
    requested = np.concatenate([lines.qty[first], lines.qty[later] - fulfilment.first_qty[later]])
    picked = np.concatenate([fulfilment.first_qty[first], requested[len(first) :]])
    order = lines.order[line]
    site = orders.site[order]
    keep = at < range_end(world, site)
    line, at, requested, picked, order, site = (a[keep] for a in (line, at, requested, picked, order, site))
    n = len(line)
    day = world.local_day(site, at)
    stretch = world.disruption_at(site, day)
    is_short = picked < requested
    error_rate = world.added_error_rate(
        "pick_accuracy", site, day, parameters.pick_error_rate + parameters.pick_error_surge * stretch
    )
    has_error = ~is_short & (rng.random(n) < error_rate)
    error = np.where(is_short, 3, np.where(has_error, rng.choice(3, n, p=[0.45, 0.4, 0.15]), -1))
    step = catalog.step_tenths[lines.item[line]]
    picked = np.where(error == 1, requested + step, picked)
    legacy = world.is_legacy(site, day)
    user = np.where(legacy, -1, staff.choose(rng, site, day, ("picker", "warehouse_supervisor")))
    item = lines.item[line]
    return Frame(
        {
            "pick_id": Ids("PK", np.arange(n), ids_digits(n, 8)),
            "site_id": site_codes(world, site),
            "order_id": order_ids(orders, order),
            "line_number": Integers(lines.line_number[line]),
            "item_id": item_ids(world, item),
            "location_id": Codes(location_names(), catalog.home_location(site, item).astype(np.int16)),
            "user_id": staff.ids(user),
            "requested_qty": Decimals(requested, 1, np.ones(n, bool)),
            "picked_qty": Decimals(picked, 1, np.ones(n, bool)),
            "picked_at": world.timestamps(site, at, legacy),
            "error_code": world.coded("picks.error_code", error, site, legacy, rng),
        },
        day,
    )


def _site_mask(world: World, orders: Orders, site_ids: tuple[str, ...]) -> np.ndarray:
    indices = [index for index, site in enumerate(world.network.sites) if site.site_id in site_ids]
    return np.isin(orders.site, indices)


def regional_variation_cases(world: World, orders: Orders, eligible: np.ndarray) -> np.ndarray:
    """The orders (indices) that record the regional customs step: a share of the packed and shipped orders of the
    sites in process_variation_sites. None (and no random draw) when no site is named."""
    parameters = world.parameters
    if not parameters.process_variation_sites:
        return np.zeros(0, dtype=np.int64)
    rng = world.rng("process-variation")
    chosen = _site_mask(world, orders, parameters.process_variation_sites) & eligible
    chosen &= rng.random(len(orders)) < parameters.process_variation_share
    return np.flatnonzero(chosen)


def workaround_cases(world: World, orders: Orders) -> np.ndarray:
    """Whether each order skips released_to_warehouse as the unapproved workaround: a share of the orders created
    on or after go-live at the sites in process_workaround_sites. All false (and no random draw) when none."""
    parameters = world.parameters
    if not parameters.process_workaround_sites:
        return np.zeros(len(orders), dtype=bool)
    rng = world.rng("process-workaround")
    live = ~world.is_legacy(orders.site, orders.day)
    chosen = _site_mask(world, orders, parameters.process_workaround_sites) & live
    return chosen & (rng.random(len(orders)) < parameters.process_workaround_share)


def process_event_frame(
    world: World, orders: Orders, lines: Lines, fulfilment: Fulfilment, invoices: Invoiced, staff: Staff
) -> Frame:
    """The order lifecycle as process-mining events, with the deviations a conformance check must catch.

    Deviations (skipped credit checks, allocation before the credit check, manual overrides, activities
    outside the standard) grow with the go-live disruption.
    """
    parameters = world.parameters
    rng = world.rng("process-events")
    n = len(orders)
    has_first_wave = np.zeros(n, dtype=bool)
    np.logical_or.at(has_first_wave, lines.order, fulfilment.ships & (fulfilment.first_qty > 0))
    first_ship = np.where(has_first_wave, fulfilment.ship_at, NEVER_AT)
    backorder_first = np.full(n, NEVER_AT, dtype=np.int64)
    np.minimum.at(backorder_first, lines.order, fulfilment.backorder_at)
    first_ship = np.minimum(first_ship, backorder_first)
    picked = np.where(has_first_wave, fulfilment.picked_at, first_ship - 2 * HOUR)
    packed = np.where(has_first_wave, fulfilment.packed_at, first_ship - HOUR)
    first_invoice = np.full(n, NEVER_AT, dtype=np.int64)
    np.minimum.at(first_invoice, invoices.order, invoices.at)

    deviation = parameters.process_deviation_rate + parameters.process_deviation_surge * orders.disruption
    allocated = fulfilment.allocated_at.copy()
    out_of_order = rng.random(n) < 0.3 * deviation
    allocated[out_of_order] = fulfilment.credit_at[out_of_order] - rng.integers(60, 900, int(out_of_order.sum()))
    times = np.stack(
        [
            orders.created,
            fulfilment.credit_at,
            allocated,
            fulfilment.released_at,
            picked,
            packed,
            first_ship,
            first_invoice,
        ],
        axis=1,
    )
    end = range_end(world, orders.site)
    present = times < end[:, None]
    # A cancelled order stops where it was cancelled and never reaches the warehouse.
    present &= ~orders.is_cancelled[:, None] | ((times < orders.cancelled_at[:, None]) & (np.arange(8) < 4)[None, :])
    present[:, 1] &= rng.random(n) >= 0.25 * deviation  # credit check skipped
    present[:, 0] = True
    present[:, 3] &= ~workaround_cases(world, orders)

    override_step = np.where(rng.random(n) < 0.3 * deviation, rng.choice([2, 3, 6], n), -1)
    case, step = np.nonzero(present)
    at = times[case, step]
    is_override = override_step[case] == step

    unknown = np.flatnonzero(rng.random(n) < 0.15 * deviation)
    unknown_step = len(codes.STANDARD_ACTIVITIES) + rng.integers(0, len(codes.UNKNOWN_ACTIVITIES), len(unknown))
    unknown_at = orders.created[unknown] + rng.integers(600, 4 * HOUR, len(unknown))
    within = unknown_at < end[unknown]
    unknown, unknown_step, unknown_at = unknown[within], unknown_step[within], unknown_at[within]
    case = np.concatenate([case, unknown])
    step = np.concatenate([step, unknown_step])
    at = np.concatenate([at, unknown_at])
    is_override = np.concatenate([is_override, np.zeros(len(unknown), bool)])

    customs = regional_variation_cases(world, orders, present[:, 5] & present[:, 6])
    customs_at = times[customs, 5] + (times[customs, 6] - times[customs, 5]) // 2
    case = np.concatenate([case, customs])
    step = np.concatenate([step, np.full(len(customs), len(codes.STANDARD_ACTIVITIES) + len(codes.UNKNOWN_ACTIVITIES))])
    at = np.concatenate([at, customs_at])
    is_override = np.concatenate([is_override, np.zeros(len(customs), bool)])

    site = orders.site[case]
    legacy = orders.is_legacy[case]
    day = world.local_day(site, at)
    # order entry, credit check and the unknown (manual) activities are clerks'; picking to shipping the warehouse's
    by_clerk = CLERK_STEPS[step] & (orders.channel[case] != codes.ORDER_CHANNELS.index("edi"))
    by_warehouse = WAREHOUSE_STEPS[step]
    clerk = staff.choose(rng, orders.site, orders.day, ("customer_service",))[case]
    warehouse = staff.choose(rng, orders.site, orders.day, ("picker", "warehouse_supervisor"))[case]
    user = np.where(legacy, -1, np.where(by_clerk, clerk, np.where(by_warehouse, warehouse, -1)))
    activities = codes.STANDARD_ACTIVITIES + codes.UNKNOWN_ACTIVITIES + (codes.REGIONAL_ACTIVITY,)
    return Frame(
        {
            "event_id": Ids("PE", np.arange(len(case)), ids_digits(len(case), 8)),
            "case_id": order_ids(orders, case),
            "site_id": site_codes(world, site),
            "activity": Codes(activities, step.astype(np.int16)),
            "occurred_at": world.timestamps(site, at, legacy),
            "user_id": staff.ids(user),
            # The legacy ERPs have no override flag; the new ERP writes it on every event.
            "is_manual_override": Booleans(is_override, ~legacy),
        },
        day,
    )


def exception_frame(world: World, orders: Orders) -> Frame:
    """Operational exceptions per site and day, surging after go-live; some age past 72 h, some stay open."""
    parameters = world.parameters
    rng = world.rng("exceptions")
    counts = orders.order_counts
    rate = counts * parameters.exceptions_per_100_orders / 100.0 * (1.0 + parameters.exception_surge * world.disruption)
    exception_counts = rng.poisson(rate)
    site, day = expand_grid(exception_counts)
    n = len(site)
    stretch = world.disruption_at(site, day)
    weights = np.array([0.35, 0.12, 0.2, 0.15, 0.08, 0.08, 0.02])[None, :] + np.outer(
        stretch, [0.0, 0.0, 0.0, 0.05, 0.2, 0.05, 0.5]
    )
    cumulative = np.cumsum(weights, axis=1) / weights.sum(axis=1, keepdims=True)
    kind = np.minimum((rng.random(n)[:, None] > cumulative).sum(axis=1), len(codes.EXCEPTION_TYPES) - 1)
    severity = np.where(kind == 6, rng.choice(4, n, p=[0.1, 0.3, 0.4, 0.2]), rng.choice(4, n, p=[0.3, 0.45, 0.2, 0.05]))
    opened = world.at_local(site, day, world.business_seconds(rng, n))
    resolve_hours = 8.0 * (1 + 2.0 * stretch) * rng.lognormal(0.0, 1.2, n)
    resolved = opened + (resolve_hours * HOUR).astype(np.int64)
    end = range_end(world, site)
    is_resolved = (rng.random(n) >= 0.02) & (resolved < end)
    order_related = kind != 6
    start = grid_starts(counts)[site, day]
    available = counts[site, day]
    order = np.where(order_related & (available > 0), start + (rng.random(n) * available).astype(np.int64), -1)
    legacy = world.is_legacy(site, day)
    resolved_day = world.local_day(site, resolved)
    frame = Frame(
        {
            "exception_id": Ids("EX", np.arange(n), ids_digits(n, 6)),
            "site_id": site_codes(world, site),
            "exception_type": world.coded(
                "exceptions.exception_type", kind, site, legacy, rng, unmapped_eligible=kind == 1
            ),
            "severity": world.coded("exceptions.severity", severity, site, legacy, rng),
            "order_id": order_ids(orders, order),
            "opened_at": world.timestamps(site, opened, legacy),
            "resolved_at": world.timestamps(site, resolved, legacy, is_resolved),
        },
        day,
    )
    return redeliver_when_set(frame, "resolved_at", is_resolved, resolved_day, day)
