-- Generated from orchestration/contract.yml by `python -m orchestration.contract`; do not edit.
-- `helpdesk_tickets`: the latest version of each key when it is valid, typed, with coded columns
-- harmonised to the canonical codes (the exact code, else code_map, else the canonical code in another
-- case). A code that stays unknown keeps its delivered value and sets has_unknown_<column>: the row is
-- flagged, never dropped.
-- Incremental on DuckDB: a run restages only the keys base_erp__helpdesk_tickets recorded as changed, after taking
-- their staged rows out, and records the site-days the rows whose content changed touch
-- (macros/staging/incremental.sql, touched_site_days.sql).
{{
    config(
        materialized='incremental' if incremental_models() else 'table',
        incremental_strategy='append',
        on_schema_change='fail',
        pre_hook=[
            "{{ keep_replaced_rows('helpdesk_tickets', ref('base_erp__helpdesk_tickets'), ['ticket_id']) }}",
            "{{ unstage_changed_keys(ref('base_erp__helpdesk_tickets'), ['ticket_id']) }}",
        ] if incremental_models() else [],
        post_hook=[
            "{{ record_touched_site_days('helpdesk_tickets', ref('base_erp__helpdesk_tickets'), ['ticket_id']) }}",
            "{{ clear_changed_keys(ref('base_erp__helpdesk_tickets')) }}",
        ] if incremental_models() else [],
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
        and exists (
            select 1 from {{ changed_keys_relation(ref('base_erp__helpdesk_tickets')) }} as changed_keys
            where
                changed_keys._key_ticket_id = validated._key_ticket_id
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
        _load_id as load_id
    from harmonised
)

select * from final
