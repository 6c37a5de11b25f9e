{#- The warehouse's as-of instant for the signals: the newest instant it holds of the order flow (an order
    created, a shipment, an exception opened or resolved). The queue and the orders at risk are "as the data
    stands", so a rebuild of the same deliveries gives the same rows, and a sample from the past reads as it
    did then; marts.entity_freshness says how old that instant is against the wall clock. -#}
with

sales_orders as (
    select * from {{ ref('stg_erp__sales_orders') }}
),

shipments as (
    select * from {{ ref('stg_erp__shipments') }}
),

exceptions as (
    select * from {{ ref('stg_erp__exceptions') }}
),

instants as (
    select max(created_at) as event_at from sales_orders
    union all
    select max(shipped_at) as event_at from shipments
    union all
    select max(opened_at) as event_at from exceptions
    union all
    select max(resolved_at) as event_at from exceptions
),

final as (
    select max(event_at) as as_of_at
    from instants
)

select * from final
