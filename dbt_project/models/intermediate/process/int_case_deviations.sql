{#- One row per completed case and each way it deviates from process_standard, as approved_variations names
    them: `skip` (a required activity missing), `add` (an activity outside the standard; one row per distinct
    activity), `swap` (two standard activities whose first occurrences are out of step order: activity is the
    earlier step, other_activity the later one). Manual overrides are not deviations a site may have
    approved: int_case_variants keeps them out of the governed count. Each deviation carries the approved
    variation that covers it, if any: same site and type, same activity (a swap in either order), valid on
    the case's completion date (site-local date of its first invoiced event, within [valid_from, valid_to]).
    Scoped like int_case_conformance (incremental, delete+insert of the touched site-days); a new
    approved_variations delivery makes the run a full refresh (int_touched_site_days). -#}
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
    where case_id in (select case_conformance.case_id from case_conformance)
),

process_standard as (
    select * from {{ ref('stg_reference__process_standard') }}
),

approved_variations as (
    select * from {{ ref('stg_reference__approved_variations') }}
),

first_occurrences as (
    select
        process_events.case_id,
        process_standard.activity,
        process_standard.step,
        min(process_events.occurred_at) as first_occurred_at
    from process_events
    inner join process_standard on process_events.activity = process_standard.activity
    where not process_events.has_unknown_activity
    group by process_events.case_id, process_standard.activity, process_standard.step
),

skipped_activities as (
    select
        case_conformance.case_id,
        'skip' as variation_type,
        process_standard.activity,
        cast(null as {{ dbt.type_string() }}) as other_activity
    from case_conformance
    cross join process_standard
    left join first_occurrences
        on
            case_conformance.case_id = first_occurrences.case_id
            and process_standard.activity = first_occurrences.activity
    where coalesce(process_standard.is_required, false) and first_occurrences.case_id is null
),

added_activities as (
    select distinct
        case_id,
        'add' as variation_type,
        coalesce(activity, 'unknown') as activity,
        cast(null as {{ dbt.type_string() }}) as other_activity
    from process_events
    where
        has_unknown_activity
        or activity not in (select standard.activity from process_standard as standard)
),

swapped_activities as (
    select
        earlier_step.case_id,
        'swap' as variation_type,
        earlier_step.activity,
        later_step.activity as other_activity
    from first_occurrences as earlier_step
    inner join first_occurrences as later_step
        on
            earlier_step.case_id = later_step.case_id
            and earlier_step.step < later_step.step
            and earlier_step.first_occurred_at > later_step.first_occurred_at
),

deviations as (
    select * from skipped_activities
    union all
    select * from added_activities
    union all
    select * from swapped_activities
),

dated_deviations as (
    select
        case_conformance.case_id,
        case_conformance.site_id,
        case_conformance.invoiced_at,
        case_conformance.invoiced_date,
        deviations.variation_type,
        deviations.activity,
        deviations.other_activity
    from deviations
    inner join case_conformance on deviations.case_id = case_conformance.case_id
),

{# Two approvals covering one deviation (overlapping validity): the lowest variation_id. -#}
final as (
    select
        dated_deviations.case_id,
        dated_deviations.site_id,
        dated_deviations.invoiced_at,
        dated_deviations.invoiced_date,
        dated_deviations.variation_type,
        dated_deviations.activity,
        dated_deviations.other_activity,
        min(approved_variations.variation_id) as approved_variation_id,
        min(approved_variations.variation_id) is not null as is_approved
    from dated_deviations
    left join approved_variations
        on
            dated_deviations.site_id = approved_variations.site_id
            and dated_deviations.variation_type = approved_variations.variation_type
            and dated_deviations.invoiced_date >= approved_variations.valid_from
            and dated_deviations.invoiced_date <= approved_variations.valid_to
            and (
                (
                    dated_deviations.variation_type <> 'swap'
                    and dated_deviations.activity = approved_variations.activity
                )
                or (
                    dated_deviations.activity = approved_variations.activity
                    and dated_deviations.other_activity = approved_variations.other_activity
                )
                or (
                    dated_deviations.activity = approved_variations.other_activity
                    and dated_deviations.other_activity = approved_variations.activity
                )
            )
    group by
        dated_deviations.case_id,
        dated_deviations.site_id,
        dated_deviations.invoiced_at,
        dated_deviations.invoiced_date,
        dated_deviations.variation_type,
        dated_deviations.activity,
        dated_deviations.other_activity
)

select * from final
