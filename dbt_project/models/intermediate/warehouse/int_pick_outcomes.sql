{#- One row per pick: its site-local picked date, whether it counts in pick_accuracy (a pick whose
    error_code is an unknown code is out: the KPI needs that column) and whether it was accurate (no error
    code, or short: a stock-out, not a picking error). Read by pick_accuracy and its drill-down. -#}
with

picks as (
    select * from {{ ref('stg_erp__picks') }}
),

sites as (
    select * from {{ ref('stg_erp__sites') }}
),

final as (
    select
        picks.pick_id,
        picks.site_id,
        picks.order_id,
        picks.line_number,
        picks.item_id,
        picks.location_id,
        picks.requested_qty,
        picks.picked_qty,
        picks.picked_at,
        picks.error_code,
        {{ local_date('picks.picked_at', 'sites.timezone') }} as picked_date,
        not picks.has_unknown_error_code as is_in_pick_accuracy,
        picks.error_code is null or picks.error_code = 'short' as is_accurate
    from picks
    inner join sites on picks.site_id = sites.site_id
)

select * from final
