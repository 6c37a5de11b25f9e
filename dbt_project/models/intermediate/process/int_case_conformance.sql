{#- One row per completed case (a case with an `invoiced` event): where and when it completed (its first
    invoiced event, at that event's site) and whether it conforms to process_standard, with each reason it
    does not: a required activity missing, the first occurrences of the standard activities out of step
    order (by occurred_at; equal instants are in order), an activity outside the standard, a manual
    override. Incremental runs recompute the cases with an event on a touched site-day; the rows kept are those
    whose site and UTC invoiced day are not touched (int_touched_site_days). -#}
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

process_events as (
    select * from {{ ref('stg_erp__process_events') }}
    {%- if is_incremental() %}
    where case_id in (
        select touched_events.case_id
        from {{ ref('stg_erp__process_events') }} as touched_events
        where {{ in_touched_site_days('touched_events.site_id', 'cast(touched_events.occurred_at as date)') }}
    )
    {%- endif %}
),

process_standard as (
    select * from {{ ref('stg_reference__process_standard') }}
),

sites as (
    select * from {{ ref('stg_erp__sites') }}
),

invoiced_events as (
    select
        case_id,
        site_id,
        occurred_at
    from process_events
    where activity = 'invoiced' and not has_unknown_activity
),

first_invoiced_instants as (
    select
        case_id,
        min(occurred_at) as invoiced_at
    from invoiced_events
    group by case_id
),

{# Two first invoiced events at the same instant at different sites: the lowest site_id. -#}
completed_cases as (
    select
        first_invoiced_instants.case_id,
        first_invoiced_instants.invoiced_at,
        min(invoiced_events.site_id) as site_id
    from first_invoiced_instants
    inner join invoiced_events
        on
            first_invoiced_instants.case_id = invoiced_events.case_id
            and first_invoiced_instants.invoiced_at = invoiced_events.occurred_at
    group by first_invoiced_instants.case_id, first_invoiced_instants.invoiced_at
),

first_occurrences as (
    select
        process_events.case_id,
        process_standard.activity,
        process_standard.step,
        coalesce(process_standard.is_required, false) as is_required,
        min(process_events.occurred_at) as first_occurred_at
    from process_events
    inner join process_standard on process_events.activity = process_standard.activity
    where not process_events.has_unknown_activity
    group by
        process_events.case_id,
        process_standard.activity,
        process_standard.step,
        process_standard.is_required
),

required_activity_count as (
    select count(*) as required_activities
    from process_standard
    where is_required
),

required_occurrences as (
    select
        case_id,
        sum(case when is_required then 1 else 0 end) as required_activities_present
    from first_occurrences
    group by case_id
),

out_of_order_cases as (
    select distinct earlier_step.case_id
    from first_occurrences as earlier_step
    inner join first_occurrences as later_step
        on
            earlier_step.case_id = later_step.case_id
            and earlier_step.step < later_step.step
            and earlier_step.first_occurred_at > later_step.first_occurred_at
),

case_event_flags as (
    select
        case_id,
        max(case
            when has_unknown_activity then 1
            when activity not in (select standard.activity from process_standard as standard) then 1
            else 0
        end) = 1 as has_unknown_activity,
        max(case when is_manual_override then 1 else 0 end) = 1 as has_manual_override
    from process_events
    group by case_id
),

case_checks as (
    select
        completed_cases.case_id,
        completed_cases.site_id,
        completed_cases.invoiced_at,
        case_event_flags.has_unknown_activity,
        case_event_flags.has_manual_override,
        coalesce(required_occurrences.required_activities_present, 0)
        < required_activity_count.required_activities as has_missing_required_activity,
        out_of_order_cases.case_id is not null as has_out_of_order_activities
    from completed_cases
    cross join required_activity_count
    left join required_occurrences on completed_cases.case_id = required_occurrences.case_id
    left join out_of_order_cases on completed_cases.case_id = out_of_order_cases.case_id
    inner join case_event_flags on completed_cases.case_id = case_event_flags.case_id
),

final as (
    select
        case_checks.case_id,
        case_checks.site_id,
        case_checks.invoiced_at,
        {{ local_date('case_checks.invoiced_at', 'sites.timezone') }} as invoiced_date,
        case_checks.has_missing_required_activity,
        case_checks.has_out_of_order_activities,
        case_checks.has_unknown_activity,
        case_checks.has_manual_override,
        not(
            case_checks.has_missing_required_activity
            or case_checks.has_out_of_order_activities
            or case_checks.has_unknown_activity
            or case_checks.has_manual_override
        ) as is_conforming
    from case_checks
    left join sites on case_checks.site_id = sites.site_id
    {%- if is_incremental() %}
    where {{ in_touched_site_days('case_checks.site_id', 'cast(case_checks.invoiced_at as date)') }}
    {%- endif %}
)

select * from final
