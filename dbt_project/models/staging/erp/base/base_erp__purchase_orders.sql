-- Generated from orchestration/contract.yml by `python -m orchestration.contract`; do not edit.
-- `purchase_orders` as delivered, typed: every row of the current deliveries with, per column,
-- the delivered text (_raw_), the value (null when it breaks the contract) and why it breaks it (_fault_).
-- A fault in a required column rejects the row (_is_rejected), in an optional one it flags it (_is_flagged).
-- _is_latest marks the latest version of each key: the file that sorts last by name, then the last row.
-- Incremental on DuckDB: a run reads only the deliveries it has not seen; the post-hook drops the rows of
-- deliveries no longer current, decides _is_latest again for every key that gained or lost a version and
-- records those keys for the staging model (macros/staging/incremental.sql).
{{
    config(
        materialized='incremental' if incremental_models() else 'table',
        incremental_strategy='append',
        on_schema_change='fail',
        post_hook=(
            ["{{ mark_latest_versions('purchase_orders', ['po_id']) }}"]
            if incremental_models() else []
        ),
    )
}}

with

raw_rows as (
    select * from {{ source('erp', 'purchase_orders') }}
),

deliveries as (
    select * from {{ source('erp', '_deliveries') }}
),

current_deliveries as (
    select
        file_name,
        file_hash
    from deliveries
    where entity = 'purchase_orders' and is_current
),

delivered as (
    select raw_rows.*
    from raw_rows
    inner join current_deliveries
        on
            raw_rows._file_hash = current_deliveries.file_hash
            and raw_rows._file_name = current_deliveries.file_name
    {% if is_incremental() %}
        where not exists (
            select 1 from {{ this }} as validated
            where validated._file_name = raw_rows._file_name and validated._file_hash = raw_rows._file_hash
        )
    {% endif %}
),

parsed as (
    select
        _file_name,
        _file_hash,
        _row_number,
        _load_id,
        po_id as _raw_po_id,
        {{ parse_text('po_id') }} as _parsed_po_id,
        site_id as _raw_site_id,
        {{ parse_text('site_id') }} as _parsed_site_id,
        supplier_id as _raw_supplier_id,
        {{ parse_text('supplier_id') }} as _parsed_supplier_id,
        amount as _raw_amount,
        {{ parse_decimal('amount') }} as _parsed_amount,
        approval_required as _raw_approval_required,
        {{ parse_bool('approval_required') }} as _parsed_approval_required,
        created_at as _raw_created_at,
        {{ parse_timestamp('created_at') }} as _parsed_created_at,
        approved_at as _raw_approved_at,
        {{ parse_timestamp('approved_at') }} as _parsed_approved_at,
        issued_at as _raw_issued_at,
        {{ parse_timestamp('issued_at') }} as _parsed_issued_at
    from delivered
),

keyed as (
    select
        *,
        coalesce(
            cast(_parsed_po_id as {{ dbt.type_string() }}),
            _file_hash || ':' || cast(_row_number as {{ dbt.type_string() }})
        ) as _key_po_id
    from parsed
),

versioned as (
    select
        *,
        {% if is_incremental() %}
            -- decided by the post-hook once the rows are in, over every version of their keys
            cast(null as boolean) as _is_latest
        {% else %}
            row_number() over (
                partition by _key_po_id
                order by _file_name desc, _row_number desc
            ) = 1 as _is_latest
        {% endif %}
    from keyed
),

checked as (
    select
        *,
        {{ fault_reason('_raw_po_id', '_parsed_po_id', 'text', required=true) }}
            as _fault_po_id,
        {{ fault_reason('_raw_site_id', '_parsed_site_id', 'text', required=true) }}
            as _fault_site_id,
        {{ fault_reason('_raw_supplier_id', '_parsed_supplier_id', 'text') }}
            as _fault_supplier_id,
        {{ fault_reason('_raw_amount', '_parsed_amount', 'decimal') }}
            as _fault_amount,
        {{ fault_reason('_raw_approval_required', '_parsed_approval_required', 'bool', required=true) }}
            as _fault_approval_required,
        {{ fault_reason('_raw_created_at', '_parsed_created_at', 'timestamp', required=true) }}
            as _fault_created_at,
        {{ fault_reason('_raw_approved_at', '_parsed_approved_at', 'timestamp') }}
            as _fault_approved_at,
        {{ fault_reason('_raw_issued_at', '_parsed_issued_at', 'timestamp') }}
            as _fault_issued_at
    from versioned
),

final as (
    select -- noqa: ST06
        _file_name,
        _file_hash,
        _row_number,
        _load_id,
        _key_po_id,
        _is_latest,
        case when _fault_po_id is null then _parsed_po_id end as po_id,
        _raw_po_id,
        _fault_po_id,
        case when _fault_site_id is null then _parsed_site_id end as site_id,
        _raw_site_id,
        _fault_site_id,
        case when _fault_supplier_id is null then _parsed_supplier_id end as supplier_id,
        _raw_supplier_id,
        _fault_supplier_id,
        case when _fault_amount is null then _parsed_amount end as amount,
        _raw_amount,
        _fault_amount,
        case when _fault_approval_required is null then _parsed_approval_required end as approval_required,
        _raw_approval_required,
        _fault_approval_required,
        case when _fault_created_at is null then _parsed_created_at end as created_at,
        _raw_created_at,
        _fault_created_at,
        case when _fault_approved_at is null then _parsed_approved_at end as approved_at,
        _raw_approved_at,
        _fault_approved_at,
        case when _fault_issued_at is null then _parsed_issued_at end as issued_at,
        _raw_issued_at,
        _fault_issued_at,
        (
            _fault_po_id is not null
            or _fault_site_id is not null
            or _fault_approval_required is not null
            or _fault_created_at is not null
        ) as _is_rejected,
        (
            _fault_supplier_id is not null
            or _fault_amount is not null
            or _fault_approved_at is not null
            or _fault_issued_at is not null
        ) as _is_flagged
    from checked
)

select * from final
