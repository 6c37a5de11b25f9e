{#- marts.kpi_detail_orders: the orders behind order_fill_rate and on_time_ship_rate, one row per order and
    KPI on its requested_ship_date (the KPIs' day), counted as the KPIs count them (int_order_fulfilment):
    every order in the denominator; in the numerator of order_fill_rate when every line was filled on its
    first shipment day, of on_time_ship_rate when every line had shipped complete by the end of its due day. -#}
{{
    config(
        materialized='incremental' if incremental_models() else 'table',
        incremental_strategy='delete+insert',
        unique_key=['order_id', 'kpi'],
        pre_hook="{{ delete_touched_site_days('site_id', 'kpi_date') }}",
        on_schema_change='fail',
    )
}}
-- depends_on: {{ ref('int_touched_site_days') }}
with

order_fulfilment as (
    select * from {{ ref('int_order_fulfilment') }}
    {%- if is_incremental() %}
    where {{ in_touched_site_days('site_id', 'requested_ship_date') }}
    {%- endif %}
),

order_fill_rate as (
    select
        site_id,
        requested_ship_date as kpi_date,
        'order_fill_rate' as kpi,
        order_id,
        line_count,
        completed_at,
        is_filled_on_first_shipment,
        is_shipped_complete_by_due_date,
        is_filled_on_first_shipment as is_counted_in_numerator,
        case
            when is_filled_on_first_shipment then 'every line filled on its first shipment'
            else 'a line short on its first shipment or not shipped'
        end as reason
    from order_fulfilment
),

on_time_ship_rate as (
    select
        site_id,
        requested_ship_date as kpi_date,
        'on_time_ship_rate' as kpi,
        order_id,
        line_count,
        completed_at,
        is_filled_on_first_shipment,
        is_shipped_complete_by_due_date,
        is_shipped_complete_by_due_date as is_counted_in_numerator,
        case
            when is_shipped_complete_by_due_date then 'shipped complete by the due day'
            when completed_at is null then 'not shipped complete yet'
            else 'shipped complete after the due day'
        end as reason
    from order_fulfilment
),

unioned as (
    select * from order_fill_rate
    union all
    select * from on_time_ship_rate
),

final as (
    select
        site_id,
        kpi_date,
        kpi,
        order_id,
        line_count,
        completed_at,
        is_filled_on_first_shipment,
        is_shipped_complete_by_due_date,
        true as is_counted_in_denominator,
        is_counted_in_numerator,
        reason
    from unioned
)

select * from final
