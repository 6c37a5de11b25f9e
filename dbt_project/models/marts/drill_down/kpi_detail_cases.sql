{#- marts.kpi_detail_cases: the order-to-cash cases behind process_compliance, one row per completed case
    on the site-local date of its first invoiced event (the KPI's day), counted as the KPI counts them
    (int_case_conformance): every case in the denominator, a conforming case in the numerator, with each
    reason a case does not conform and its variant: its activities in the order they occurred. -#}
{{
    config(
        materialized='incremental' if incremental_models() else 'table',
        incremental_strategy='delete+insert',
        unique_key='case_id',
        pre_hook="{{ delete_touched_site_days('site_id', 'cast(invoiced_at as date)') }}",
        on_schema_change='fail',
    )
}}
-- depends_on: {{ ref('int_touched_site_days') }}
with

case_conformance as (
    select * from {{ ref('int_case_conformance') }}
    {%- if is_incremental() %}
    where {{ in_touched_site_days('site_id', 'cast(invoiced_at as date)') }}
    {%- endif %}
),

process_events as (
    select * from {{ ref('stg_erp__process_events') }}
    {%- if is_incremental() %}
    where case_id in (select case_conformance.case_id from case_conformance)
    {%- endif %}
),

case_variants as (
    select
        case_id,
        count(*) as event_count,
        {{ ordered_listagg("coalesce(activity, 'unknown')", 'occurred_at', "' → '") }} as variant
    from process_events
    group by case_id
),

final as (
    select
        case_conformance.site_id,
        case_conformance.invoiced_date as kpi_date,
        'process_compliance' as kpi,
        case_conformance.case_id,
        case_conformance.invoiced_at,
        case_variants.variant,
        case_variants.event_count,
        case_conformance.has_missing_required_activity,
        case_conformance.has_out_of_order_activities,
        case_conformance.has_unknown_activity,
        case_conformance.has_manual_override,
        case_conformance.is_conforming,
        true as is_counted_in_denominator,
        case_conformance.is_conforming as is_counted_in_numerator,
        case
            when case_conformance.is_conforming then 'conforms'
            else concat_ws(
                ', ',
                case when case_conformance.has_missing_required_activity then 'required activity missing' end,
                case when case_conformance.has_out_of_order_activities then 'activities out of order' end,
                case when case_conformance.has_unknown_activity then 'activity outside the standard' end,
                case when case_conformance.has_manual_override then 'manual override' end
            )
        end as reason
    from case_conformance
    left join case_variants on case_conformance.case_id = case_variants.case_id
    where case_conformance.invoiced_date is not null
)

select * from final
