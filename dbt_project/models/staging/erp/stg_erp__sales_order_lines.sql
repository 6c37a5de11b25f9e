-- Generated from orchestration/contract.yml by `python -m orchestration.contract`; do not edit.
-- `sales_order_lines`: the latest version of each key when it is valid, typed, with coded columns
-- harmonised to the canonical codes (the exact code, else code_map, else the canonical code in another
-- case). A code that stays unknown keeps its delivered value and sets has_unknown_<column>: the row is
-- flagged, never dropped.
-- Incremental on DuckDB: a run restages only the keys base_erp__sales_order_lines recorded as changed, after taking
-- their staged rows out, and records the site-days the rows whose content changed touch
-- (macros/staging/incremental.sql, touched_site_days.sql).
{{
    config(
        materialized='incremental' if incremental_models() else 'table',
        incremental_strategy='append',
        on_schema_change='fail',
        pre_hook=[
            "{{ keep_replaced_rows('sales_order_lines', ref('base_erp__sales_order_lines'), ['order_id', 'line_number']) }}",
            "{{ unstage_changed_keys(ref('base_erp__sales_order_lines'), ['order_id', 'line_number']) }}",
        ] if incremental_models() else [],
        post_hook=[
            "{{ record_touched_site_days('sales_order_lines', ref('base_erp__sales_order_lines'), ['order_id', 'line_number']) }}",
            "{{ clear_changed_keys(ref('base_erp__sales_order_lines')) }}",
        ] if incremental_models() else [],
    )
}}

with

validated as (
    select * from {{ ref('base_erp__sales_order_lines') }}
),

latest as (
    select * from validated
    where
        _is_latest and not _is_rejected
    {% if is_incremental() %}
        and exists (
            select 1 from {{ changed_keys_relation(ref('base_erp__sales_order_lines')) }} as changed_keys
            where
                changed_keys._key_order_id = validated._key_order_id
                and changed_keys._key_line_number = validated._key_line_number
        )
    {% endif %}
),

final as (
    select -- noqa: ST06
        order_id,
        line_number,
        item_id,
        ordered_qty,
        unit_price,
        is_cancelled,
        _is_flagged as is_flagged,
        _file_name as source_file_name,
        _row_number as source_row_number,
        _load_id as load_id
    from latest
)

select * from final
