"""The entities of one generated world, each built on demand from shared intermediates built once.

Building on demand lets a writer process produce only its share of the entities: the intermediates its
entities need (the order flow, the staff) are built in that process, and nothing else is.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

from simulator import adoption, finance, master_data, order_flow, warehouse
from simulator.columns import Frame
from simulator.world import World


@dataclass(frozen=True)
class OrderFlow:
    orders: order_flow.Orders
    lines: order_flow.Lines
    fulfilment: order_flow.Fulfilment
    shipped: order_flow.Shipped
    invoices: order_flow.Invoiced


class Distributor:
    def __init__(self, world: World) -> None:
        self.world = world

    @cached_property
    def catalog(self) -> master_data.Catalog:
        return master_data.build_catalog(self.world)

    @cached_property
    def staff(self) -> master_data.Staff:
        return master_data.build_staff(self.world)

    @cached_property
    def order_flow(self) -> OrderFlow:
        world = self.world
        orders = order_flow.build_orders(world)
        lines = order_flow.build_lines(world, orders, self.catalog)
        orders, lines, fulfilment = order_flow.fulfil(world, orders, lines, self.catalog)
        shipped = order_flow.shipped_lines(world, orders, lines, fulfilment)
        invoices = order_flow.invoice_shipments(world, orders, lines, shipped)
        return OrderFlow(orders, lines, fulfilment, shipped, invoices)

    @cached_property
    def order_frames(self) -> tuple[Frame, Frame]:
        flow = self.order_flow
        return order_flow.order_frames(
            self.world, flow.orders, flow.lines, flow.fulfilment, flow.shipped, flow.invoices
        )

    @cached_property
    def purchase_orders(self) -> warehouse.PurchaseOrders:
        return warehouse.build_purchase_orders(self.world)

    @cached_property
    def close(self) -> tuple[list[finance.Period], finance.CloseTasks]:
        periods = finance.close_periods(self.world)
        return periods, finance.build_close_tasks(self.world, periods)

    def prepare_shared(self) -> None:
        """Build the intermediates every share of the entities needs."""
        _ = self.catalog, self.staff, self.order_flow

    def frame(self, entity: str) -> Frame:
        frame = ENTITY_BUILDERS[entity](self)
        if self.world.anomalies is not None:
            frame = self.world.anomalies.without_gaps(entity, frame)
        return frame

    def sites(self) -> Frame:
        return master_data.site_frame(self.world)

    def items(self) -> Frame:
        return master_data.item_frame(self.world, self.catalog)

    def users(self) -> Frame:
        return master_data.user_frame(self.world, self.staff)

    def sales_orders(self) -> Frame:
        return self.order_frames[0]

    def sales_order_lines(self) -> Frame:
        return self.order_frames[1]

    def shipments(self) -> Frame:
        flow = self.order_flow
        return order_flow.shipment_frame(self.world, flow.orders, flow.lines, flow.shipped)

    def picks(self) -> Frame:
        flow = self.order_flow
        return order_flow.pick_frame(self.world, flow.orders, flow.lines, flow.fulfilment, self.staff, self.catalog)

    def inventory_counts(self) -> Frame:
        return warehouse.inventory_count_frame(self.world, self.catalog, self.staff)

    def receipts(self) -> Frame:
        return warehouse.receipt_frame(self.world, self.purchase_orders, self.catalog)

    def transfers(self) -> Frame:
        return warehouse.transfer_frame(self.world, self.catalog)

    def purchase_order_frame(self) -> Frame:
        return warehouse.purchase_order_frame(self.world, self.purchase_orders)

    def invoices(self) -> Frame:
        return order_flow.invoice_frame(self.world, self.order_flow.orders, self.order_flow.invoices)

    def exceptions(self) -> Frame:
        return order_flow.exception_frame(self.world, self.order_flow.orders)

    def process_events(self) -> Frame:
        flow = self.order_flow
        return order_flow.process_event_frame(
            self.world, flow.orders, flow.lines, flow.fulfilment, flow.invoices, self.staff
        )

    def usage_events(self) -> Frame:
        return adoption.usage_event_frame(self.world, self.staff)

    def training_completions(self) -> Frame:
        return adoption.training_completion_frame(self.world, self.staff)

    def helpdesk_tickets(self) -> Frame:
        return adoption.helpdesk_ticket_frame(self.world, self.staff)

    def close_tasks(self) -> Frame:
        periods, tasks = self.close
        return finance.close_task_frame(self.world, periods, tasks)

    def close_adjustments(self) -> Frame:
        periods, tasks = self.close
        return finance.close_adjustment_frame(self.world, periods, tasks)


# Contract order. Each entity's builder; the whole list is what `generate` writes.
ENTITY_BUILDERS: dict[str, Callable[[Distributor], Frame]] = {
    "sites": Distributor.sites,
    "items": Distributor.items,
    "users": Distributor.users,
    "sales_orders": Distributor.sales_orders,
    "sales_order_lines": Distributor.sales_order_lines,
    "shipments": Distributor.shipments,
    "picks": Distributor.picks,
    "inventory_counts": Distributor.inventory_counts,
    "receipts": Distributor.receipts,
    "transfers": Distributor.transfers,
    "purchase_orders": Distributor.purchase_order_frame,
    "invoices": Distributor.invoices,
    "exceptions": Distributor.exceptions,
    "process_events": Distributor.process_events,
    "usage_events": Distributor.usage_events,
    "training_completions": Distributor.training_completions,
    "helpdesk_tickets": Distributor.helpdesk_tickets,
    "close_tasks": Distributor.close_tasks,
    "close_adjustments": Distributor.close_adjustments,
}

# How entities are shared out between two writer processes, each writing about half of the rows: the
# order flow and staff they both need are built before the second process is forked.
WORKER_SHARES = (
    (
        "process_events",
        "usage_events",
        "training_completions",
        "helpdesk_tickets",
        "close_tasks",
        "close_adjustments",
        "sites",
        "items",
        "users",
    ),
    (
        "sales_order_lines",
        "shipments",
        "picks",
        "sales_orders",
        "invoices",
        "exceptions",
        "inventory_counts",
        "purchase_orders",
        "receipts",
        "transfers",
    ),
)
