{#- marts.kpi_detail_order_lines: the order lines behind line_fill_rate, one row per line on its
    requested_ship_date (the KPI's day), counted as the KPI counts them (int_order_line_fills): every line
    in the denominator, a line filled on its first shipment day in the numerator. The reason says why a
    line is not filled, and whether it was late (not shipped complete by the end of its due day). -#}
{{
    config(
        materialized='incremental' if incremental_models() else 'table',
        incremental_strategy='delete+insert',
        unique_key=['order_id', 'line_number'],
        pre_hook="{{ delete_touched_site_days('site_id', 'kpi_date') }}",
        on_schema_change='fail',
    )
}}
-- depends_on: {{ ref('int_touched_site_days') }}
with

line_fills as (
    select * from {{ ref('int_order_line_fills') }}
    {%- if is_incremental() %}
    where {{ in_touched_site_days('site_id', 'requested_ship_date') }}
    {%- endif %}
),

final as (
    select
        site_id,
        requested_ship_date as kpi_date,
        'line_fill_rate' as kpi,
        order_id,
        line_number,
        item_id,
        ordered_qty,
        shipped_qty,
        first_shipment_date,
        shipped_qty_on_first_shipment_date,
        shipped_complete_at,
        is_filled_on_first_shipment,
        is_shipped_complete_by_due_date,
        true as is_counted_in_denominator,
        is_filled_on_first_shipment as is_counted_in_numerator,
        case
            when first_shipment_date is null then 'not shipped'
            when not is_filled_on_first_shipment and not is_shipped_complete_by_due_date
                then 'short on first shipment, late'
            when not is_filled_on_first_shipment then 'short on first shipment'
            when not is_shipped_complete_by_due_date then 'filled, late'
            else 'filled'
        end as reason
    from line_fills
)

select * from final
