-- Generated from orchestration/contract.yml by `python -m orchestration.contract`; do not edit.
-- `users`: the latest version of each key when it is valid, typed, with coded columns
-- harmonised to the canonical codes (the exact code, else code_map, else the canonical code in another
-- case). A code that stays unknown keeps its delivered value and sets has_unknown_<column>: the row is
-- flagged, never dropped.
-- Incremental on DuckDB (merge on the key): a run restages only the keys base_erp__users revisited in
-- this run (_changed_in); those left without a valid latest version come as removals (a key and no source
-- row) and leave (macros/staging/incremental.sql).
{{
    config(
        materialized='incremental' if incremental_models() else 'table',
        incremental_strategy='merge',
        unique_key=['user_id'],
        merge_clauses=merge_with_removals('source_row_number'),
        on_schema_change='fail',
    )
}}

with

validated as (
    select * from {{ ref('base_erp__users') }}
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

canonical_role as (
    select 'customer_service' as code
    union all
    select 'picker' as code
    union all
    select 'warehouse_supervisor' as code
    union all
    select 'inventory_control' as code
    union all
    select 'receiver' as code
    union all
    select 'buyer' as code
    union all
    select 'planner' as code
    union all
    select 'finance' as code
    union all
    select 'manager' as code
),

harmonised as (
    select
        latest.*,
        coalesce(
            (
                select min(canonical_role.code) from canonical_role
                where canonical_role.code = latest.role
            ),
            (
                select min(code_lookup.canonical_code)
                from code_lookup
                where
                    code_lookup.domain = 'users.role'
                    and code_lookup.source_key = lower(latest.role)
                    and code_lookup.canonical_code in (
                        select canonical_role.code from canonical_role
                    )
            ),
            (
                select min(canonical_role.code) from canonical_role
                where canonical_role.code = lower(latest.role)
            )
        ) as _canonical_role
    from latest
),

final as (
    select -- noqa: ST06
        user_id,
        site_id,
        coalesce(_canonical_role, role) as role,
        coalesce(role is not null and _canonical_role is null, false)
            as has_unknown_role,
        provisioned_date,
        deactivated_date,
        (
            _is_flagged
            or coalesce(role is not null and _canonical_role is null, false)
        ) as is_flagged,
        _file_name as source_file_name,
        _row_number as source_row_number,
        _load_id as load_id,
        '{{ invocation_id }}' as staged_in
    from harmonised
){% if is_incremental() %},

    removed as (
        select distinct validated.user_id
        from validated
        where
            validated._changed_in = '{{ invocation_id }}'
            and validated.user_id is not null
            and not exists (
                select 1 from final
                where final.user_id = validated.user_id
            )
    )
{% endif %}

select * from final
{% if is_incremental() %}
    union all by name
    select * from removed
{% endif %}
