{#- Daily numerators and denominators of the warehouse KPIs per site, on the site-local date of each event:
    pick_accuracy (picked_at), inventory_accuracy (counted_at), dock_to_stock_hours (putaway_at) and
    transfer_cycle_hours (received_at, at the receiving site). Which picks count and which are accurate:
    int_pick_outcomes. -#}
with

pick_outcomes as (
    select * from {{ ref('int_pick_outcomes') }}
),

inventory_counts as (
    select * from {{ ref('stg_erp__inventory_counts') }}
),

receipts as (
    select * from {{ ref('stg_erp__receipts') }}
),

transfers as (
    select * from {{ ref('stg_erp__transfers') }}
),

sites as (
    select * from {{ ref('stg_erp__sites') }}
),

pick_accuracy as (
    select
        site_id,
        picked_date as kpi_date,
        'pick_accuracy' as kpi,
        sum(case when is_accurate then 1 else 0 end) as numerator,
        count(*) as denominator
    from pick_outcomes
    where is_in_pick_accuracy
    group by site_id, picked_date
),

dated_counts as (
    select
        inventory_counts.site_id,
        {{ local_date('inventory_counts.counted_at', 'sites.timezone') }} as counted_date,
        inventory_counts.counted_qty = inventory_counts.system_qty as is_accurate
    from inventory_counts
    inner join sites on inventory_counts.site_id = sites.site_id
),

inventory_accuracy as (
    select
        site_id,
        counted_date as kpi_date,
        'inventory_accuracy' as kpi,
        sum(case when is_accurate then 1 else 0 end) as numerator,
        count(*) as denominator
    from dated_counts
    group by site_id, counted_date
),

put_away_receipts as (
    select
        receipts.site_id,
        {{ local_date('receipts.putaway_at', 'sites.timezone') }} as putaway_date,
        {{ hours_between('receipts.received_at', 'receipts.putaway_at') }} as dock_to_stock_hours
    from receipts
    inner join sites on receipts.site_id = sites.site_id
    where receipts.putaway_at is not null
),

dock_to_stock_hours as (
    select
        site_id,
        putaway_date as kpi_date,
        'dock_to_stock_hours' as kpi,
        sum(dock_to_stock_hours) as numerator,
        count(*) as denominator
    from put_away_receipts
    group by site_id, putaway_date
),

received_transfers as (
    select
        transfers.to_site_id as site_id,
        {{ local_date('transfers.received_at', 'sites.timezone') }} as received_date,
        {{ hours_between('transfers.requested_at', 'transfers.received_at') }} as transfer_cycle_hours
    from transfers
    inner join sites on transfers.to_site_id = sites.site_id
    where transfers.received_at is not null
),

transfer_cycle_hours as (
    select
        site_id,
        received_date as kpi_date,
        'transfer_cycle_hours' as kpi,
        sum(transfer_cycle_hours) as numerator,
        count(*) as denominator
    from received_transfers
    group by site_id, received_date
),

unioned as (
    select * from pick_accuracy
    union all
    select * from inventory_accuracy
    union all
    select * from dock_to_stock_hours
    union all
    select * from transfer_cycle_hours
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
