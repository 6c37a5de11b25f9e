-- Generated from orchestration/contract.yml by `python -m orchestration.contract`; do not edit.
-- `usage_events`: the latest version of each key when it is valid, typed, with coded columns
-- harmonised to the canonical codes (the exact code, else code_map, else the canonical code in another
-- case). A code that stays unknown keeps its delivered value and sets has_unknown_<column>: the row is
-- flagged, never dropped.
-- Incremental on DuckDB: a run restages only the keys base_erp__usage_events recorded as changed, after taking
-- their staged rows out, and records the site-days the rows whose content changed touch
-- (macros/staging/incremental.sql, touched_site_days.sql).
{{
    config(
        materialized='incremental' if incremental_models() else 'table',
        incremental_strategy='append',
        on_schema_change='fail',
        pre_hook=[
            "{{ keep_replaced_rows('usage_events', ref('base_erp__usage_events'), ['event_id']) }}",
            "{{ unstage_changed_keys(ref('base_erp__usage_events'), ['event_id']) }}",
        ] if incremental_models() else [],
        post_hook=[
            "{{ record_touched_site_days('usage_events', ref('base_erp__usage_events'), ['event_id']) }}",
            "{{ clear_changed_keys(ref('base_erp__usage_events')) }}",
        ] if incremental_models() else [],
    )
}}

with

validated as (
    select * from {{ ref('base_erp__usage_events') }}
),

latest as (
    select * from validated
    where
        _is_latest and not _is_rejected
    {% if is_incremental() %}
        and exists (
            select 1 from {{ changed_keys_relation(ref('base_erp__usage_events')) }} as changed_keys
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

canonical_channel as (
    select 'ui' as code
    union all
    select 'api' as code
    union all
    select 'export' as code
    union all
    select 'import' as code
),

harmonised as (
    select
        latest.*,
        coalesce(
            (
                select min(canonical_channel.code) from canonical_channel
                where canonical_channel.code = latest.channel
            ),
            (
                select min(code_lookup.canonical_code)
                from code_lookup
                where
                    code_lookup.domain = 'usage_events.channel'
                    and code_lookup.source_key = lower(latest.channel)
                    and code_lookup.canonical_code in (
                        select canonical_channel.code from canonical_channel
                    )
            ),
            (
                select min(canonical_channel.code) from canonical_channel
                where canonical_channel.code = lower(latest.channel)
            )
        ) as _canonical_channel
    from latest
),

final as (
    select -- noqa: ST06
        event_id,
        user_id,
        occurred_at,
        transaction_code,
        coalesce(_canonical_channel, channel) as channel,
        coalesce(channel is not null and _canonical_channel is null, false)
            as has_unknown_channel,
        duration_seconds,
        (
            _is_flagged
            or coalesce(channel is not null and _canonical_channel is null, false)
        ) as is_flagged,
        _file_name as source_file_name,
        _row_number as source_row_number,
        _load_id as load_id
    from harmonised
)

select * from final
