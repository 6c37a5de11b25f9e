{#- Daily numerators and denominators of the order fulfilment KPIs per site: line_fill_rate,
    order_fill_rate and on_time_ship_rate on the order's requested_ship_date; order_cycle_time_hours on
    the site-local date of the shipment that completed the order. -#}
with

line_fills as (
    select * from {{ ref('int_order_line_fills') }}
),

order_fulfilment as (
    select * from {{ ref('int_order_fulfilment') }}
),

line_fill_rate as (
    select
        site_id,
        requested_ship_date as kpi_date,
        'line_fill_rate' as kpi,
        sum(case when is_filled_on_first_shipment then 1 else 0 end) as numerator,
        count(*) as denominator
    from line_fills
    group by site_id, requested_ship_date
),

order_fill_rate as (
    select
        site_id,
        requested_ship_date as kpi_date,
        'order_fill_rate' as kpi,
        sum(case when is_filled_on_first_shipment then 1 else 0 end) as numerator,
        count(*) as denominator
    from order_fulfilment
    group by site_id, requested_ship_date
),

on_time_ship_rate as (
    select
        site_id,
        requested_ship_date as kpi_date,
        'on_time_ship_rate' as kpi,
        sum(case when is_shipped_complete_by_due_date then 1 else 0 end) as numerator,
        count(*) as denominator
    from order_fulfilment
    group by site_id, requested_ship_date
),

order_cycle_time_hours as (
    select
        site_id,
        completion_date as kpi_date,
        'order_cycle_time_hours' as kpi,
        sum(cycle_time_hours) as numerator,
        count(*) as denominator
    from order_fulfilment
    where completed_at is not null
    group by site_id, completion_date
),

unioned as (
    select * from line_fill_rate
    union all
    select * from order_fill_rate
    union all
    select * from on_time_ship_rate
    union all
    select * from order_cycle_time_hours
),

final as (
    select
        site_id,
        kpi_date,
        kpi,
        cast(numerator as {{ type_double() }}) as numerator,
        cast(denominator as {{ type_double() }}) as denominator
    from unioned
)

select * from final
