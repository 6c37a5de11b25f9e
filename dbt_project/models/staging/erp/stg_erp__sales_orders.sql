-- Generated from orchestration/contract.yml by `python -m orchestration.contract`; do not edit.
-- `sales_orders`: the latest version of each key when it is valid, typed, with coded columns
-- harmonised to the canonical codes (the exact code, else code_map, else the canonical code in another
-- case). A code that stays unknown keeps its delivered value and sets has_unknown_<column>: the row is
-- flagged, never dropped.
-- Incremental on DuckDB (merge on the key): a run restages only the keys base_erp__sales_orders revisited in
-- this run (_changed_in); those left without a valid latest version come as removals (a key and no source
-- row) and leave (macros/staging/incremental.sql).
{{
    config(
        materialized='incremental' if incremental_models() else 'table',
        incremental_strategy='merge',
        unique_key=['order_id'],
        merge_clauses=merge_with_removals('source_row_number'),
        on_schema_change='fail',
    )
}}

with

validated as (
    select * from {{ ref('base_erp__sales_orders') }}
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

canonical_channel as (
    select 'edi' as code
    union all
    select 'direct' as code
    union all
    select 'marketplace' as code
    union all
    select 'phone' as code
),

canonical_entry_method as (
    select 'system' as code
    union all
    select 'edi' as code
    union all
    select 'spreadsheet_upload' as code
    union all
    select 'offline' as code
),

canonical_status as (
    select 'open' as code
    union all
    select 'released' as code
    union all
    select 'shipped' as code
    union all
    select 'closed' as code
    union all
    select 'cancelled' as code
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
                    code_lookup.domain = 'sales_orders.channel'
                    and code_lookup.source_key = lower(latest.channel)
                    and code_lookup.canonical_code in (
                        select canonical_channel.code from canonical_channel
                    )
            ),
            (
                select min(canonical_channel.code) from canonical_channel
                where canonical_channel.code = lower(latest.channel)
            )
        ) as _canonical_channel,
        coalesce(
            (
                select min(canonical_entry_method.code) from canonical_entry_method
                where canonical_entry_method.code = latest.entry_method
            ),
            (
                select min(code_lookup.canonical_code)
                from code_lookup
                where
                    code_lookup.domain = 'sales_orders.entry_method'
                    and code_lookup.source_key = lower(latest.entry_method)
                    and code_lookup.canonical_code in (
                        select canonical_entry_method.code from canonical_entry_method
                    )
            ),
            (
                select min(canonical_entry_method.code) from canonical_entry_method
                where canonical_entry_method.code = lower(latest.entry_method)
            )
        ) as _canonical_entry_method,
        coalesce(
            (
                select min(canonical_status.code) from canonical_status
                where canonical_status.code = latest.status
            ),
            (
                select min(code_lookup.canonical_code)
                from code_lookup
                where
                    code_lookup.domain = 'sales_orders.status'
                    and code_lookup.source_key = lower(latest.status)
                    and code_lookup.canonical_code in (
                        select canonical_status.code from canonical_status
                    )
            ),
            (
                select min(canonical_status.code) from canonical_status
                where canonical_status.code = lower(latest.status)
            )
        ) as _canonical_status
    from latest
),

final as (
    select -- noqa: ST06
        order_id,
        site_id,
        customer_id,
        coalesce(_canonical_channel, channel) as channel,
        coalesce(channel is not null and _canonical_channel is null, false)
            as has_unknown_channel,
        coalesce(_canonical_entry_method, entry_method) as entry_method,
        coalesce(entry_method is not null and _canonical_entry_method is null, false)
            as has_unknown_entry_method,
        created_at,
        requested_ship_date,
        coalesce(_canonical_status, status) as status,
        coalesce(status is not null and _canonical_status is null, false)
            as has_unknown_status,
        source_system,
        (
            _is_flagged
            or coalesce(channel is not null and _canonical_channel is null, false)
            or coalesce(entry_method is not null and _canonical_entry_method is null, false)
            or coalesce(status is not null and _canonical_status is null, false)
        ) as is_flagged,
        _file_name as source_file_name,
        _row_number as source_row_number,
        _load_id as load_id,
        '{{ invocation_id }}' as staged_in
    from harmonised
){% if is_incremental() %},

    removed as (
        select distinct validated.order_id
        from validated
        where
            validated._changed_in = '{{ invocation_id }}'
            and validated.order_id is not null
            and not exists (
                select 1 from final
                where final.order_id = validated.order_id
            )
    )
{% endif %}

select * from final
{% if is_incremental() %}
    union all by name
    select * from removed
{% endif %}
