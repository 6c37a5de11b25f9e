-- Generated from orchestration/contract.yml by `python -m orchestration.contract`; do not edit.
-- `picks`: the latest version of each key when it is valid, typed, with coded columns
-- harmonised to the canonical codes (the exact code, else code_map, else the canonical code in another
-- case). A code that stays unknown keeps its delivered value and sets has_unknown_<column>: the row is
-- flagged, never dropped.
-- Incremental on DuckDB: a run restages only the keys base_erp__picks recorded as changed, after taking
-- their staged rows out, and records the site-days the rows whose content changed touch
-- (macros/staging/incremental.sql, touched_site_days.sql).
{{
    config(
        materialized='incremental' if incremental_models() else 'table',
        incremental_strategy='append',
        on_schema_change='fail',
        pre_hook=[
            "{{ keep_replaced_rows('picks', ref('base_erp__picks'), ['pick_id']) }}",
            "{{ unstage_changed_keys(ref('base_erp__picks'), ['pick_id']) }}",
        ] if incremental_models() else [],
        post_hook=[
            "{{ record_touched_site_days('picks', ref('base_erp__picks'), ['pick_id']) }}",
            "{{ clear_changed_keys(ref('base_erp__picks')) }}",
        ] if incremental_models() else [],
    )
}}

with

validated as (
    select * from {{ ref('base_erp__picks') }}
),

latest as (
    select * from validated
    where
        _is_latest and not _is_rejected
    {% if is_incremental() %}
        and exists (
            select 1 from {{ changed_keys_relation(ref('base_erp__picks')) }} as changed_keys
            where
                changed_keys._key_pick_id = validated._key_pick_id
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

canonical_error_code as (
    select 'wrong_item' as code
    union all
    select 'wrong_qty' as code
    union all
    select 'damaged' as code
    union all
    select 'short' as code
),

harmonised as (
    select
        latest.*,
        coalesce(
            (
                select min(canonical_error_code.code) from canonical_error_code
                where canonical_error_code.code = latest.error_code
            ),
            (
                select min(code_lookup.canonical_code)
                from code_lookup
                where
                    code_lookup.domain = 'picks.error_code'
                    and code_lookup.source_key = lower(latest.error_code)
                    and code_lookup.canonical_code in (
                        select canonical_error_code.code from canonical_error_code
                    )
            ),
            (
                select min(canonical_error_code.code) from canonical_error_code
                where canonical_error_code.code = lower(latest.error_code)
            )
        ) as _canonical_error_code
    from latest
),

final as (
    select -- noqa: ST06
        pick_id,
        site_id,
        order_id,
        line_number,
        item_id,
        location_id,
        user_id,
        requested_qty,
        picked_qty,
        picked_at,
        coalesce(_canonical_error_code, error_code) as error_code,
        coalesce(error_code is not null and _canonical_error_code is null, false)
            as has_unknown_error_code,
        (
            _is_flagged
            or coalesce(error_code is not null and _canonical_error_code is null, false)
        ) as is_flagged,
        _file_name as source_file_name,
        _row_number as source_row_number,
        _load_id as load_id
    from harmonised
)

select * from final
