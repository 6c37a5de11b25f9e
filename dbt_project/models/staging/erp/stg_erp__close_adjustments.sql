-- Generated from orchestration/contract.yml by `python -m orchestration.contract`; do not edit.
-- `close_adjustments`: the latest version of each key when it is valid, typed, with coded columns
-- harmonised to the canonical codes (the exact code, else code_map, else the canonical code in another
-- case). A code that stays unknown keeps its delivered value and sets has_unknown_<column>: the row is
-- flagged, never dropped.
-- Incremental on DuckDB: a run restages only the keys base_erp__close_adjustments recorded as changed, after taking
-- their staged rows out, and records the site-days the rows whose content changed touch
-- (macros/staging/incremental.sql, touched_site_days.sql).
{{
    config(
        materialized='incremental' if incremental_models() else 'table',
        incremental_strategy='append',
        on_schema_change='fail',
        pre_hook=[
            "{{ keep_replaced_rows('close_adjustments', ref('base_erp__close_adjustments'), ['adjustment_id']) }}",
            "{{ unstage_changed_keys(ref('base_erp__close_adjustments'), ['adjustment_id']) }}",
        ] if incremental_models() else [],
        post_hook=[
            "{{ record_touched_site_days('close_adjustments', ref('base_erp__close_adjustments'), ['adjustment_id']) }}",
            "{{ clear_changed_keys(ref('base_erp__close_adjustments')) }}",
        ] if incremental_models() else [],
    )
}}

with

validated as (
    select * from {{ ref('base_erp__close_adjustments') }}
),

latest as (
    select * from validated
    where
        _is_latest and not _is_rejected
    {% if is_incremental() %}
        and exists (
            select 1 from {{ changed_keys_relation(ref('base_erp__close_adjustments')) }} as changed_keys
            where
                changed_keys._key_adjustment_id = validated._key_adjustment_id
        )
    {% endif %}
),

final as (
    select -- noqa: ST06
        adjustment_id,
        legal_entity,
        period,
        posted_at,
        amount,
        _is_flagged as is_flagged,
        _file_name as source_file_name,
        _row_number as source_row_number,
        _load_id as load_id
    from latest
)

select * from final
