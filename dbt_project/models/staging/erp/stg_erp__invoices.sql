-- Generated from orchestration/contract.yml by `python -m orchestration.contract`; do not edit.
-- `invoices`: the latest version of each key when it is valid, typed, with coded columns
-- harmonised to the canonical codes (the exact code, else code_map, else the canonical code in another
-- case). A code that stays unknown keeps its delivered value and sets has_unknown_<column>: the row is
-- flagged, never dropped.
-- Incremental on DuckDB (merge on the key): a run restages only the keys base_erp__invoices revisited in
-- this run (_changed_in); those left without a valid latest version come as removals (a key and no source
-- row) and leave (macros/staging/incremental.sql).
{{
    config(
        materialized='incremental' if incremental_models() else 'table',
        incremental_strategy='merge',
        unique_key=['invoice_id'],
        merge_clauses=merge_with_removals('source_row_number'),
        on_schema_change='fail',
    )
}}

with

validated as (
    select * from {{ ref('base_erp__invoices') }}
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

canonical_adjustment_reason as (
    select 'pricing_error' as code
    union all
    select 'quantity_error' as code
    union all
    select 'duplicate' as code
    union all
    select 'wrong_customer' as code
    union all
    select 'return' as code
    union all
    select 'goodwill' as code
),

harmonised as (
    select
        latest.*,
        coalesce(
            (
                select min(canonical_adjustment_reason.code) from canonical_adjustment_reason
                where canonical_adjustment_reason.code = latest.adjustment_reason
            ),
            (
                select min(code_lookup.canonical_code)
                from code_lookup
                where
                    code_lookup.domain = 'invoices.adjustment_reason'
                    and code_lookup.source_key = lower(latest.adjustment_reason)
                    and code_lookup.canonical_code in (
                        select canonical_adjustment_reason.code from canonical_adjustment_reason
                    )
            ),
            (
                select min(canonical_adjustment_reason.code) from canonical_adjustment_reason
                where canonical_adjustment_reason.code = lower(latest.adjustment_reason)
            )
        ) as _canonical_adjustment_reason
    from latest
),

final as (
    select -- noqa: ST06
        invoice_id,
        site_id,
        order_id,
        invoiced_at,
        amount,
        adjusted_at,
        coalesce(_canonical_adjustment_reason, adjustment_reason) as adjustment_reason,
        coalesce(adjustment_reason is not null and _canonical_adjustment_reason is null, false)
            as has_unknown_adjustment_reason,
        (
            _is_flagged
            or coalesce(adjustment_reason is not null and _canonical_adjustment_reason is null, false)
        ) as is_flagged,
        _file_name as source_file_name,
        _row_number as source_row_number,
        _load_id as load_id,
        '{{ invocation_id }}' as staged_in
    from harmonised
){% if is_incremental() %},

    removed as (
        select distinct validated.invoice_id
        from validated
        where
            validated._changed_in = '{{ invocation_id }}'
            and validated.invoice_id is not null
            and not exists (
                select 1 from final
                where final.invoice_id = validated.invoice_id
            )
    )
{% endif %}

select * from final
{% if is_incremental() %}
    union all by name
    select * from removed
{% endif %}
