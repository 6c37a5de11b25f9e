-- Generated from orchestration/contract.yml by `python -m orchestration.contract`; do not edit.
-- `invoices`: the latest version of each key when it is valid, typed, with coded columns
-- harmonised to the canonical codes (the exact code, else code_map, else the canonical code in another
-- case). A code that stays unknown keeps its delivered value and sets has_unknown_<column>: the row is
-- flagged, never dropped.
-- Incremental on DuckDB: a run restages only the keys base_erp__invoices recorded as changed, after taking
-- their staged rows out, and records the site-days the rows whose content changed touch
-- (macros/staging/incremental.sql, touched_site_days.sql).
{{
    config(
        materialized='incremental' if incremental_models() else 'table',
        incremental_strategy='append',
        on_schema_change='fail',
        pre_hook=[
            "{{ keep_replaced_rows('invoices', ref('base_erp__invoices'), ['invoice_id']) }}",
            "{{ unstage_changed_keys(ref('base_erp__invoices'), ['invoice_id']) }}",
        ] if incremental_models() else [],
        post_hook=[
            "{{ record_touched_site_days('invoices', ref('base_erp__invoices'), ['invoice_id']) }}",
            "{{ clear_changed_keys(ref('base_erp__invoices')) }}",
        ] if incremental_models() else [],
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
        and exists (
            select 1 from {{ changed_keys_relation(ref('base_erp__invoices')) }} as changed_keys
            where
                changed_keys._key_invoice_id = validated._key_invoice_id
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
        _load_id as load_id
    from harmonised
)

select * from final
