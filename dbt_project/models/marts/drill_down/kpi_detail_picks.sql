{#- marts.kpi_detail_picks: the picks behind pick_accuracy, one row per pick on its site-local picked
    date (the KPI's day), counted as the KPI counts them (int_pick_outcomes): in the denominator unless its
    error code is an unknown code, in the numerator when also accurate. No user column: the drill-down shows
    what went wrong, not who picked. -#}
{{
    config(
        materialized='incremental' if incremental_models() else 'table',
        incremental_strategy='delete+insert',
        unique_key='pick_id',
        pre_hook="{{ delete_touched_site_days('site_id', 'kpi_date') }}",
        on_schema_change='fail',
    )
}}
-- depends_on: {{ ref('int_touched_site_days') }}
with

pick_outcomes as (
    select * from {{ ref('int_pick_outcomes') }}
    {%- if is_incremental() %}
    where {{ in_touched_site_days('site_id', 'picked_date') }}
    {%- endif %}
),

final as (
    select
        site_id,
        picked_date as kpi_date,
        'pick_accuracy' as kpi,
        pick_id,
        order_id,
        line_number,
        item_id,
        location_id,
        requested_qty,
        picked_qty,
        picked_at,
        error_code,
        is_in_pick_accuracy as is_counted_in_denominator,
        is_in_pick_accuracy and is_accurate as is_counted_in_numerator,
        case
            when not is_in_pick_accuracy then 'unknown error code: not counted'
            when is_accurate and error_code is null then 'accurate'
            when is_accurate then 'short (stock-out): accurate'
            else 'picking error'
        end as reason
    from pick_outcomes
)

select * from final
