{#- One row per completed case: its variant (its activities in the order they occurred, ties by activity name,
    joined by arrows, as marts.kpi_detail_cases shows it) with a stable short id (the first 10 hex digits of
    the variant's MD5), its throughput (hours from its first event to its first invoiced event), whether it
    conforms (int_case_conformance: process_compliance's numerator) and whether it conforms or deviates only
    as approved variations valid on its completion date allow (int_case_deviations, no manual override:
    governed_process_compliance's numerator). Scoped like int_case_conformance (incremental, delete+insert of
    the touched site-days). -#}
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

case_deviations as (
    select * from {{ ref('int_case_deviations') }}
    {%- if is_incremental() %}
    where {{ in_touched_site_days('site_id', 'cast(invoiced_at as date)') }}
    {%- endif %}
),

process_events as (
    select * from {{ ref('stg_erp__process_events') }}
    where case_id in (select case_conformance.case_id from case_conformance)
),

case_sequences as (
    select
        case_id,
        min(occurred_at) as started_at,
        count(*) as event_count,
        {{ ordered_listagg("coalesce(activity, 'unknown')", 'occurred_at', "' → '") }} as variant
    from process_events
    group by case_id
),

deviation_counts as (
    select
        case_id,
        count(*) as deviation_count,
        sum(case when is_approved then 0 else 1 end) as unapproved_deviation_count
    from case_deviations
    group by case_id
),

case_checks as (
    select
        case_conformance.case_id,
        case_conformance.site_id,
        case_conformance.invoiced_at,
        case_conformance.invoiced_date,
        case_sequences.started_at,
        case_sequences.event_count,
        case_sequences.variant,
        case_conformance.is_conforming,
        case_conformance.has_manual_override,
        coalesce(deviation_counts.deviation_count, 0) as deviation_count,
        coalesce(deviation_counts.unapproved_deviation_count, 0) as unapproved_deviation_count
    from case_conformance
    inner join case_sequences on case_conformance.case_id = case_sequences.case_id
    left join deviation_counts on case_conformance.case_id = deviation_counts.case_id
),

final as (
    select
        case_id,
        site_id,
        invoiced_at,
        invoiced_date,
        substr({{ dbt.hash('variant') }}, 1, 10) as variant_id,
        variant,
        event_count,
        started_at,
        {{ hours_between('started_at', 'invoiced_at') }} as throughput_hours,
        deviation_count,
        unapproved_deviation_count,
        deviation_count = 0 as is_standard_sequence,
        deviation_count > 0 and unapproved_deviation_count = 0 as is_within_approved_variation,
        is_conforming,
        has_manual_override,
        (
            is_conforming
            or (deviation_count > 0 and unapproved_deviation_count = 0 and not has_manual_override)
        ) as is_governed_conforming
    from case_checks
)

select * from final
