-- Generated from orchestration/contract.yml by `python -m orchestration.contract`; do not edit.
-- `helpdesk_tickets`: the latest version of each key when it is valid, typed, with coded columns
-- harmonised to the canonical codes (the exact code, else code_map, else the canonical code in another
-- case). A code that stays unknown keeps its delivered value and sets has_unknown_<column>: the row is
-- flagged, never dropped.
-- Incremental on DuckDB (merge on the key): a run restages only the keys base_erp__helpdesk_tickets revisited in
-- this run (_changed_in); those left without a valid latest version come as removals (a key and no source
-- row) and leave (macros/staging/incremental.sql).
{{
    config(
        materialized='incremental' if incremental_models() else 'table',
        incremental_strategy='merge',
        unique_key=['ticket_id'],
        merge_clauses=merge_with_removals('source_row_number'),
        on_schema_change='fail',
    )
}}

with

validated as (
    select * from {{ ref('base_erp__helpdesk_tickets') }}
),

latest as (
    select * from validated
    where
        _is_latest and not _is_rejected
    {% if is_incremental() %}
        and _changed_in = '{{ invocation_id }}'
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

canonical_priority as (
    select 'p1' as code
    union all
    select 'p2' as code
    union all
    select 'p3' as code
    union all
    select 'p4' as code
),

harmonised as (
    select
        latest.*,
        coalesce(
            (
                select min(canonical_priority.code) from canonical_priority
                where canonical_priority.code = latest.priority
            ),
            (
                select min(code_lookup.canonical_code)
                from code_lookup
                where
                    code_lookup.domain = 'helpdesk_tickets.priority'
                    and code_lookup.source_key = lower(latest.priority)
                    and code_lookup.canonical_code in (
                        select canonical_priority.code from canonical_priority
                    )
            ),
            (
                select min(canonical_priority.code) from canonical_priority
                where canonical_priority.code = lower(latest.priority)
            )
        ) as _canonical_priority
    from latest
),

final as (
    select -- noqa: ST06
        ticket_id,
        site_id,
        user_id,
        category,
        coalesce(_canonical_priority, priority) as priority,
        coalesce(priority is not null and _canonical_priority is null, false)
            as has_unknown_priority,
        opened_at,
        resolved_at,
        (
            _is_flagged
            or coalesce(priority is not null and _canonical_priority is null, false)
        ) as is_flagged,
        _file_name as source_file_name,
        _row_number as source_row_number,
        _load_id as load_id,
        '{{ invocation_id }}' as staged_in
    from harmonised
){% if is_incremental() %},

    removed as (
        select distinct validated.ticket_id
        from validated
        where
            validated._changed_in = '{{ invocation_id }}'
            and validated.ticket_id is not null
            and not exists (
                select 1 from final
                where final.ticket_id = validated.ticket_id
            )
    )
{% endif %}

select * from final
{% if is_incremental() %}
    union all by name
    select * from removed
{% endif %}
