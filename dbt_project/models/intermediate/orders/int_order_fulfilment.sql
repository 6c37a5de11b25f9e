{#- One row per order in scope with at least one non-cancelled line: whether every line was filled on its
    first shipment day, whether every line had shipped complete by the end of the due day, and the order's
    completion instant (the shipment that brought its last line to its ordered quantity) with its local
    date and the hours from creation (SCOR RS.1.1, to ship). Incremental runs recompute the orders whose site
    and requested_ship_date are touched (int_touched_site_days). -#}
{{
    config(
        materialized='incremental' if incremental_models() else 'table',
        incremental_strategy='delete+insert',
        unique_key='order_id',
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

line_fills as (
    select * from {{ ref('int_order_line_fills') }}
    {%- if is_incremental() %}
    where {{ in_touched_site_days('site_id', 'requested_ship_date') }}
    {%- endif %}
),

order_line_summary as (
    select
        order_id,
        count(*) as line_count,
        sum(case when is_filled_on_first_shipment then 1 else 0 end) as lines_filled_on_first_shipment,
        sum(case when is_shipped_complete_by_due_date then 1 else 0 end) as lines_shipped_complete_by_due_date,
        count(shipped_complete_at) as lines_shipped_complete,
        max(shipped_complete_at) as last_line_shipped_complete_at
    from line_fills
    group by order_id
),

order_completions as (
    select
        orders.order_id,
        orders.site_id,
        orders.timezone,
        orders.created_at,
        orders.requested_ship_date,
        order_line_summary.line_count,
        order_line_summary.lines_filled_on_first_shipment = order_line_summary.line_count
            as is_filled_on_first_shipment,
        order_line_summary.lines_shipped_complete_by_due_date = order_line_summary.line_count
            as is_shipped_complete_by_due_date,
        case
            when order_line_summary.lines_shipped_complete = order_line_summary.line_count
                then order_line_summary.last_line_shipped_complete_at
        end as completed_at
    from orders
    inner join order_line_summary on orders.order_id = order_line_summary.order_id
),

final as (
    select
        order_id,
        site_id,
        created_at,
        requested_ship_date,
        line_count,
        is_filled_on_first_shipment,
        is_shipped_complete_by_due_date,
        completed_at,
        {{ local_date('completed_at', 'timezone') }} as completion_date,
        case when completed_at is not null then {{ hours_between('created_at', 'completed_at') }} end
            as cycle_time_hours
    from order_completions
)

select * from final
