-- Generated from orchestration/contract.yml by `python -m orchestration.contract`; do not edit.
-- `process_events`: the latest version of each key when it is valid, typed, with coded columns
-- harmonised to the canonical codes (the exact code, else code_map, else the canonical code in another
-- case). A code that stays unknown keeps its delivered value and sets has_unknown_<column>: the row is
-- flagged, never dropped.
-- Incremental on DuckDB: a run restages only the keys base_erp__process_events recorded as changed, after taking
-- their staged rows out, and records the site-days the rows whose content changed touch
-- (macros/staging/incremental.sql, touched_site_days.sql).
{{
    config(
        materialized='incremental' if incremental_models() else 'table',
        incremental_strategy='append',
        on_schema_change='fail',
        pre_hook=[
            "{{ keep_replaced_rows('process_events', ref('base_erp__process_events'), ['event_id']) }}",
            "{{ unstage_changed_keys(ref('base_erp__process_events'), ['event_id']) }}",
        ] if incremental_models() else [],
        post_hook=[
            "{{ record_touched_site_days('process_events', ref('base_erp__process_events'), ['event_id']) }}",
            "{{ clear_changed_keys(ref('base_erp__process_events')) }}",
        ] if incremental_models() else [],
    )
}}

with

validated as (
    select * from {{ ref('base_erp__process_events') }}
),

latest as (
    select * from validated
    where
        _is_latest and not _is_rejected
    {% if is_incremental() %}
        and exists (
            select 1 from {{ changed_keys_relation(ref('base_erp__process_events')) }} as changed_keys
            where
                changed_keys._key_event_id = validated._key_event_id
        )
    {% endif %}
),

code_map as (
    select * from {{ ref('stg_reference__code_map') }}
),

code_lookup as (
    select
        domain,
        lower(trim(source_code)) as source_key,
        min(canonical_code) as canonical_code
    from code_map
    group by domain, lower(trim(source_code))
),

canonical_activity as (
    select activity as code from {{ ref('stg_reference__process_standard') }}
),

harmonised as (
    select
        latest.*,
        coalesce(
            (
                select min(canonical_activity.code) from canonical_activity
                where canonical_activity.code = latest.activity
            ),
            (
                select min(code_lookup.canonical_code)
                from code_lookup
                where
                    code_lookup.domain = 'process_events.activity'
                    and code_lookup.source_key = lower(latest.activity)
                    and code_lookup.canonical_code in (
                        select canonical_activity.code from canonical_activity
                    )
            ),
            (
                select min(canonical_activity.code) from canonical_activity
                where canonical_activity.code = lower(latest.activity)
            )
        ) as _canonical_activity
    from latest
),

final as (
    select -- noqa: ST06
        event_id,
        case_id,
        site_id,
        coalesce(_canonical_activity, activity) as activity,
        coalesce(activity is not null and _canonical_activity is null, false)
            as has_unknown_activity,
        occurred_at,
        user_id,
        is_manual_override,
        (
            _is_flagged
            or coalesce(activity is not null and _canonical_activity is null, false)
        ) as is_flagged,
        _file_name as source_file_name,
        _row_number as source_row_number,
        _load_id as load_id
    from harmonised
)

select * from final
