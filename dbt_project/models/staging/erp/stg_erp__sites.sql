-- Generated from orchestration/contract.yml by `python -m orchestration.contract`; do not edit.
-- `sites`: the latest version of each key when it is valid, typed, with coded columns
-- harmonised to the canonical codes (the exact code, else code_map, else the canonical code in another
-- case). A code that stays unknown keeps its delivered value and sets has_unknown_<column>: the row is
-- flagged, never dropped.
-- Incremental on DuckDB (merge on the key): a run restages only the keys base_erp__sites revisited in
-- this run (_changed_in); those left without a valid latest version come as removals (a key and no source
-- row) and leave (macros/staging/incremental.sql).
{{
    config(
        materialized='incremental' if incremental_models() else 'table',
        incremental_strategy='merge',
        unique_key=['site_id'],
        merge_clauses=merge_with_removals('source_row_number'),
        on_schema_change='fail',
    )
}}

with

validated as (
    select * from {{ ref('base_erp__sites') }}
),

latest as (
    select * from validated
    where
        _is_latest and not _is_rejected
    {% if is_incremental() %}
        and _changed_in = '{{ invocation_id }}'
    {% endif %}
),

final as (
    select -- noqa: ST06
        site_id,
        site_name,
        region,
        legal_entity,
        timezone,
        go_live_date,
        rollout_wave,
        source_system,
        _is_flagged as is_flagged,
        _file_name as source_file_name,
        _row_number as source_row_number,
        _load_id as load_id,
        '{{ invocation_id }}' as staged_in
    from latest
){% if is_incremental() %},

    removed as (
        select distinct validated.site_id
        from validated
        where
            validated._changed_in = '{{ invocation_id }}'
            and validated.site_id is not null
            and not exists (
                select 1 from final
                where final.site_id = validated.site_id
            )
    )
{% endif %}

select * from final
{% if is_incremental() %}
    union all by name
    select * from removed
{% endif %}
