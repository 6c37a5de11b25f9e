{#- One row per order line that counts in order KPIs (not cancelled, of an order in scope): its first
    shipment day and whether that day filled it, whether it had shipped complete by the end of its due
    day, and the instant it became shipped complete. Local dates use the order's site time zone;
    quantities are compared exactly (decimal). Incremental runs recompute the lines of the orders whose site
    and requested_ship_date are touched (int_touched_site_days). -#}
{{
    config(
        materialized='incremental' if incremental_models() else 'table',
        incremental_strategy='delete+insert',
        unique_key=['order_id', 'line_number'],
        pre_hook="{{ delete_touched_site_days('site_id', 'requested_ship_date') }}",
        on_schema_change='fail',
    )
}}
-- depends_on: {{ ref('int_touched_site_days') }}
with

orders as (
    select * from {{ ref('int_orders_in_scope') }}
    {%- if is_incremental() %}
    where {{ in_touched_site_days('site_id', 'requested_ship_date') }}
    {%- endif %}
),

sales_order_lines as (
    select * from {{ ref('stg_erp__sales_order_lines') }}
),

shipments as (
    select * from {{ ref('stg_erp__shipments') }}
),

order_lines as (
    select
        sales_order_lines.order_id,
        sales_order_lines.line_number,
        sales_order_lines.item_id,
        sales_order_lines.ordered_qty,
        orders.site_id,
        orders.timezone,
        orders.requested_ship_date
    from sales_order_lines
    inner join orders on sales_order_lines.order_id = orders.order_id
    where not coalesce(sales_order_lines.is_cancelled, false)
),

line_shipments as (
    select
        order_lines.order_id,
        order_lines.line_number,
        shipments.shipped_qty,
        shipments.shipped_at,
        {{ local_date('shipments.shipped_at', 'order_lines.timezone') }} as shipped_date
    from shipments
    inner join order_lines
        on
            shipments.order_id = order_lines.order_id
            and shipments.line_number = order_lines.line_number
),

first_shipments as (
    select
        order_id,
        line_number,
        min(shipped_at) as first_shipped_at,
        min(shipped_date) as first_shipment_date,
        sum(shipped_qty) as shipped_qty
    from line_shipments
    group by order_id, line_number
),

{# Shipments at the same instant count together (range frame), so a line completes at the first instant
    its running total reaches the ordered quantity. -#}
cumulative_shipments as (
    select
        order_id,
        line_number,
        shipped_at,
        sum(shipped_qty) over (
            partition by order_id, line_number
            order by shipped_at
            range between unbounded preceding and current row
        ) as cumulative_shipped_qty
    from line_shipments
),

line_shipment_totals as (
    select
        order_lines.order_id,
        order_lines.line_number,
        first_shipments.first_shipped_at,
        first_shipments.first_shipment_date,
        coalesce(first_shipments.shipped_qty, 0) as shipped_qty,
        coalesce(sum(
            case
                when line_shipments.shipped_date = first_shipments.first_shipment_date
                    then line_shipments.shipped_qty
            end
        ), 0) as shipped_qty_on_first_shipment_date,
        coalesce(sum(
            case
                when line_shipments.shipped_date <= order_lines.requested_ship_date
                    then line_shipments.shipped_qty
            end
        ), 0) as shipped_qty_by_due_date
    from order_lines
    left join first_shipments
        on
            order_lines.order_id = first_shipments.order_id
            and order_lines.line_number = first_shipments.line_number
    left join line_shipments
        on
            order_lines.order_id = line_shipments.order_id
            and order_lines.line_number = line_shipments.line_number
    group by
        order_lines.order_id,
        order_lines.line_number,
        first_shipments.first_shipped_at,
        first_shipments.first_shipment_date,
        first_shipments.shipped_qty
),

line_completions as (
    select
        cumulative_shipments.order_id,
        cumulative_shipments.line_number,
        min(cumulative_shipments.shipped_at) as shipped_complete_at
    from cumulative_shipments
    inner join order_lines
        on
            cumulative_shipments.order_id = order_lines.order_id
            and cumulative_shipments.line_number = order_lines.line_number
    where cumulative_shipments.cumulative_shipped_qty >= order_lines.ordered_qty
    group by cumulative_shipments.order_id, cumulative_shipments.line_number
),

final as (
    select
        order_lines.order_id,
        order_lines.line_number,
        order_lines.site_id,
        order_lines.item_id,
        order_lines.requested_ship_date,
        order_lines.ordered_qty,
        line_shipment_totals.shipped_qty,
        line_shipment_totals.first_shipped_at,
        line_shipment_totals.first_shipment_date,
        line_shipment_totals.shipped_qty_on_first_shipment_date,
        line_shipment_totals.shipped_qty_by_due_date,
        line_completions.shipped_complete_at,
        line_shipment_totals.first_shipment_date is not null
        and line_shipment_totals.shipped_qty_on_first_shipment_date >= order_lines.ordered_qty
            as is_filled_on_first_shipment,
        line_shipment_totals.shipped_qty_by_due_date >= order_lines.ordered_qty
            as is_shipped_complete_by_due_date
    from order_lines
    inner join line_shipment_totals
        on
            order_lines.order_id = line_shipment_totals.order_id
            and order_lines.line_number = line_shipment_totals.line_number
    left join line_completions
        on
            order_lines.order_id = line_completions.order_id
            and order_lines.line_number = line_completions.line_number
)

select * from final
