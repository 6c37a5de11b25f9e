-- Generated from orchestration/contract.yml by `python -m orchestration.contract`; do not edit.
-- `shipments` as delivered, typed: every row of the current deliveries with, per column,
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
            ["{{ mark_latest_versions('shipments', ['shipment_line_id']) }}"]
            if incremental_models() else []
        ),
    )
}}

with

raw_rows as (
    select * from {{ source('erp', 'shipments') }}
),

deliveries as (
    select * from {{ source('erp', '_deliveries') }}
),

current_deliveries as (
    select
        file_name,
        file_hash
    from deliveries
    where entity = 'shipments' and is_current
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
        shipment_line_id as _raw_shipment_line_id,
        {{ parse_text('shipment_line_id') }} as _parsed_shipment_line_id,
        shipment_id as _raw_shipment_id,
        {{ parse_text('shipment_id') }} as _parsed_shipment_id,
        order_id as _raw_order_id,
        {{ parse_text('order_id') }} as _parsed_order_id,
        line_number as _raw_line_number,
        {{ parse_int('line_number') }} as _parsed_line_number,
        shipped_qty as _raw_shipped_qty,
        {{ parse_decimal('shipped_qty') }} as _parsed_shipped_qty,
        shipped_at as _raw_shipped_at,
        {{ parse_timestamp('shipped_at') }} as _parsed_shipped_at,
        carrier as _raw_carrier,
        {{ parse_text('carrier') }} as _parsed_carrier
    from delivered
),

keyed as (
    select
        *,
        coalesce(
            cast(_parsed_shipment_line_id as {{ dbt.type_string() }}),
            _file_hash || ':' || cast(_row_number as {{ dbt.type_string() }})
        ) as _key_shipment_line_id
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
                partition by _key_shipment_line_id
                order by _file_name desc, _row_number desc
            ) = 1 as _is_latest
        {% endif %}
    from keyed
),

checked as (
    select
        *,
        {{ fault_reason('_raw_shipment_line_id', '_parsed_shipment_line_id', 'text', required=true) }}
            as _fault_shipment_line_id,
        {{ fault_reason('_raw_shipment_id', '_parsed_shipment_id', 'text', required=true) }}
            as _fault_shipment_id,
        {{ fault_reason('_raw_order_id', '_parsed_order_id', 'text', required=true) }}
            as _fault_order_id,
        {{ fault_reason('_raw_line_number', '_parsed_line_number', 'int', required=true) }}
            as _fault_line_number,
        {{ fault_reason('_raw_shipped_qty', '_parsed_shipped_qty', 'decimal', required=true) }}
            as _fault_shipped_qty,
        {{ fault_reason('_raw_shipped_at', '_parsed_shipped_at', 'timestamp', required=true) }}
            as _fault_shipped_at,
        {{ fault_reason('_raw_carrier', '_parsed_carrier', 'text') }}
            as _fault_carrier
    from versioned
),

final as (
    select -- noqa: ST06
        _file_name,
        _file_hash,
        _row_number,
        _load_id,
        _key_shipment_line_id,
        _is_latest,
        case when _fault_shipment_line_id is null then _parsed_shipment_line_id end as shipment_line_id,
        _raw_shipment_line_id,
        _fault_shipment_line_id,
        case when _fault_shipment_id is null then _parsed_shipment_id end as shipment_id,
        _raw_shipment_id,
        _fault_shipment_id,
        case when _fault_order_id is null then _parsed_order_id end as order_id,
        _raw_order_id,
        _fault_order_id,
        case when _fault_line_number is null then _parsed_line_number end as line_number,
        _raw_line_number,
        _fault_line_number,
        case when _fault_shipped_qty is null then _parsed_shipped_qty end as shipped_qty,
        _raw_shipped_qty,
        _fault_shipped_qty,
        case when _fault_shipped_at is null then _parsed_shipped_at end as shipped_at,
        _raw_shipped_at,
        _fault_shipped_at,
        case when _fault_carrier is null then _parsed_carrier end as carrier,
        _raw_carrier,
        _fault_carrier,
        (
            _fault_shipment_line_id is not null
            or _fault_shipment_id is not null
            or _fault_order_id is not null
            or _fault_line_number is not null
            or _fault_shipped_qty is not null
            or _fault_shipped_at is not null
        ) as _is_rejected,
        (
            _fault_carrier is not null
        ) as _is_flagged
    from checked
)

select * from final
