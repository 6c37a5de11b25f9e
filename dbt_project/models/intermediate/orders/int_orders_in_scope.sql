{#- The orders that count in order KPIs, with their site's time zone: an order whose status is cancelled
    or unknown (a code neither canonical nor mapped) is out of every order KPI; a null status is not
    cancelled. An order at a site missing from sites cannot be placed on a local calendar and is out too
    (it is reported as an orphan in marts.data_quality). -#}
with

sales_orders as (
    select * from {{ ref('stg_erp__sales_orders') }}
),

sites as (
    select * from {{ ref('stg_erp__sites') }}
),

orders_not_cancelled as (
    select *
    from sales_orders
    where
        not has_unknown_status
        and (status is null or status != 'cancelled')
),

final as (
    select
        orders_not_cancelled.order_id,
        orders_not_cancelled.site_id,
        sites.timezone,
        orders_not_cancelled.created_at,
        orders_not_cancelled.requested_ship_date,
        orders_not_cancelled.status,
        orders_not_cancelled.entry_method,
        orders_not_cancelled.has_unknown_entry_method
    from orders_not_cancelled
    inner join sites on orders_not_cancelled.site_id = sites.site_id
)

select * from final
