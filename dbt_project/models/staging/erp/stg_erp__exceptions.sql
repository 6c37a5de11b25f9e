-- Generated from orchestration/contract.yml by `python -m orchestration.contract`; do not edit.
-- `exceptions`: the latest version of each key when it is valid, typed, with coded columns
-- harmonised to the canonical codes (the exact code, else code_map, else the canonical code in another
-- case). A code that stays unknown keeps its delivered value and sets has_unknown_<column>: the row is
-- flagged, never dropped.
-- Incremental on DuckDB (merge on the key): a run restages only the keys base_erp__exceptions revisited in
-- this run (_changed_in); those left without a valid latest version come as removals (a key and no source
-- row) and leave (macros/staging/incremental.sql).
{{
    config(
        materialized='incremental' if incremental_models() else 'table',
        incremental_strategy='merge',
        unique_key=['exception_id'],
        merge_clauses=merge_with_removals('source_row_number'),
        on_schema_change='fail',
    )
}}

with

validated as (
    select * from {{ ref('base_erp__exceptions') }}
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

canonical_exception_type as (
    select 'shortage' as code
    union all
    select 'damaged_goods' as code
    union all
    select 'carrier_delay' as code
    union all
    select 'credit_hold' as code
    union all
    select 'pricing_hold' as code
    union all
    select 'address_error' as code
    union all
    select 'system_error' as code
),

canonical_severity as (
    select 'low' as code
    union all
    select 'medium' as code
    union all
    select 'high' as code
    union all
    select 'critical' as code
),

harmonised as (
    select
        latest.*,
        coalesce(
            (
                select min(canonical_exception_type.code) from canonical_exception_type
                where canonical_exception_type.code = latest.exception_type
            ),
            (
                select min(code_lookup.canonical_code)
                from code_lookup
                where
                    code_lookup.domain = 'exceptions.exception_type'
                    and code_lookup.source_key = lower(latest.exception_type)
                    and code_lookup.canonical_code in (
                        select canonical_exception_type.code from canonical_exception_type
                    )
            ),
            (
                select min(canonical_exception_type.code) from canonical_exception_type
                where canonical_exception_type.code = lower(latest.exception_type)
            )
        ) as _canonical_exception_type,
        coalesce(
            (
                select min(canonical_severity.code) from canonical_severity
                where canonical_severity.code = latest.severity
            ),
            (
                select min(code_lookup.canonical_code)
                from code_lookup
                where
                    code_lookup.domain = 'exceptions.severity'
                    and code_lookup.source_key = lower(latest.severity)
                    and code_lookup.canonical_code in (
                        select canonical_severity.code from canonical_severity
                    )
            ),
            (
                select min(canonical_severity.code) from canonical_severity
                where canonical_severity.code = lower(latest.severity)
            )
        ) as _canonical_severity
    from latest
),

final as (
    select -- noqa: ST06
        exception_id,
        site_id,
        coalesce(_canonical_exception_type, exception_type) as exception_type,
        coalesce(exception_type is not null and _canonical_exception_type is null, false)
            as has_unknown_exception_type,
        coalesce(_canonical_severity, severity) as severity,
        coalesce(severity is not null and _canonical_severity is null, false)
            as has_unknown_severity,
        order_id,
        opened_at,
        resolved_at,
        (
            _is_flagged
            or coalesce(exception_type is not null and _canonical_exception_type is null, false)
            or coalesce(severity is not null and _canonical_severity is null, false)
        ) as is_flagged,
        _file_name as source_file_name,
        _row_number as source_row_number,
        _load_id as load_id,
        '{{ invocation_id }}' as staged_in
    from harmonised
){% if is_incremental() %},

    removed as (
        select distinct validated.exception_id
        from validated
        where
            validated._changed_in = '{{ invocation_id }}'
            and validated.exception_id is not null
            and not exists (
                select 1 from final
                where final.exception_id = validated.exception_id
            )
    )
{% endif %}

select * from final
{% if is_incremental() %}
    union all by name
    select * from removed
{% endif %}
