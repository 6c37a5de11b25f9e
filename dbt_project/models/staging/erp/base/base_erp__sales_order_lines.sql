-- Generated from orchestration/contract.yml by `python -m orchestration.contract`; do not edit.
-- `sales_order_lines` as delivered, typed: every row of the deliveries with, per column, the delivered
-- text (_raw_), the value (null when it breaks the contract) and why it breaks it (_fault_). A fault in a
-- required column rejects the row (_is_rejected), in an optional one it flags it (_is_flagged).
-- _is_latest marks the latest version of each key among the current deliveries: the file that sorts last by
-- name, then the last row. Rows of deliveries no longer current stay, marked not _is_current, until the next
-- full refresh.
-- Incremental on DuckDB: a run parses only the rows of deliveries it has not seen, and decides again every
-- version of each key that gained a version or whose delivery stopped (or started again) being current.
-- Those rows carry this run's invocation id (_changed_in) and whether they were the latest before it
-- (_was_latest): the staging model restages their keys and int_touched_site_days compares the versions.
{{
    config(
        materialized='incremental' if incremental_models() else 'table',
        incremental_strategy='delete+insert',
        unique_key=['_file_name', '_file_hash', '_row_number'],
        on_schema_change='fail',
    )
}}

with

raw_rows as (
    select * from {{ source('erp', 'sales_order_lines') }}
),

deliveries as (
    select * from {{ source('erp', '_deliveries') }}
),

current_deliveries as (
    select
        file_name,
        file_hash
    from deliveries
    where entity = 'sales_order_lines' and is_current
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
        order_id as _raw_order_id,
        {{ parse_text('order_id') }} as _parsed_order_id,
        line_number as _raw_line_number,
        {{ parse_int('line_number') }} as _parsed_line_number,
        item_id as _raw_item_id,
        {{ parse_text('item_id') }} as _parsed_item_id,
        ordered_qty as _raw_ordered_qty,
        {{ parse_decimal('ordered_qty') }} as _parsed_ordered_qty,
        unit_price as _raw_unit_price,
        {{ parse_decimal('unit_price') }} as _parsed_unit_price,
        is_cancelled as _raw_is_cancelled,
        {{ parse_bool('is_cancelled') }} as _parsed_is_cancelled
    from delivered
),

keyed as (
    select
        *,
        coalesce(
            cast(_parsed_order_id as {{ dbt.type_string() }}),
            _file_hash || ':' || cast(_row_number as {{ dbt.type_string() }})
        ) as _key_order_id,
        coalesce(
            cast(_parsed_line_number as {{ dbt.type_string() }}),
            _file_hash || ':' || cast(_row_number as {{ dbt.type_string() }})
        ) as _key_line_number
    from parsed
),

checked as (
    select
        *,
        {{ fault_reason('_raw_order_id', '_parsed_order_id', 'text', required=true) }}
            as _fault_order_id,
        {{ fault_reason('_raw_line_number', '_parsed_line_number', 'int', required=true) }}
            as _fault_line_number,
        {{ fault_reason('_raw_item_id', '_parsed_item_id', 'text', required=true) }}
            as _fault_item_id,
        {{ fault_reason('_raw_ordered_qty', '_parsed_ordered_qty', 'decimal', required=true, constraint='positive') }}
            as _fault_ordered_qty,
        {{ fault_reason('_raw_unit_price', '_parsed_unit_price', 'decimal') }}
            as _fault_unit_price,
        {{ fault_reason('_raw_is_cancelled', '_parsed_is_cancelled', 'bool') }}
            as _fault_is_cancelled
    from keyed
),

typed as (
    select -- noqa: ST06
        _file_name,
        _file_hash,
        _row_number,
        _load_id,
        _key_order_id,
        _key_line_number,
        case when _fault_order_id is null then _parsed_order_id end as order_id,
        _raw_order_id,
        _fault_order_id,
        case when _fault_line_number is null then _parsed_line_number end as line_number,
        _raw_line_number,
        _fault_line_number,
        case when _fault_item_id is null then _parsed_item_id end as item_id,
        _raw_item_id,
        _fault_item_id,
        case when _fault_ordered_qty is null then _parsed_ordered_qty end as ordered_qty,
        _raw_ordered_qty,
        _fault_ordered_qty,
        case when _fault_unit_price is null then _parsed_unit_price end as unit_price,
        _raw_unit_price,
        _fault_unit_price,
        case when _fault_is_cancelled is null then _parsed_is_cancelled end as is_cancelled,
        _raw_is_cancelled,
        _fault_is_cancelled,
        (
            _fault_order_id is not null
            or _fault_line_number is not null
            or _fault_item_id is not null
            or _fault_ordered_qty is not null
        ) as _is_rejected,
        (
            _fault_unit_price is not null
            or _fault_is_cancelled is not null
        ) as _is_flagged
    from checked
),

{% if is_incremental() %}
    previous as (
        select * from {{ this }}
    ),

    previous_deliveries as (
        select distinct
            _file_name,
            _file_hash,
            _is_current
        from previous
    ),

    -- deliveries that stopped (or started again) being current since this table last saw them
    changed_deliveries as (
        select
            previous_deliveries._file_name,
            previous_deliveries._file_hash
        from previous_deliveries
        left join current_deliveries
            on
                previous_deliveries._file_name = current_deliveries.file_name
                and previous_deliveries._file_hash = current_deliveries.file_hash
        where previous_deliveries._is_current <> (current_deliveries.file_name is not null)
    ),

    changed_keys as (
        select _key_order_id, _key_line_number from typed
        union
        select previous._key_order_id, previous._key_line_number
        from previous
        inner join changed_deliveries
            on
                previous._file_name = changed_deliveries._file_name
                and previous._file_hash = changed_deliveries._file_hash
    ),

    versions as (
        select
            *,
            false as _was_latest
        from typed
        union all
        select
            * exclude (_is_current, _is_latest, _was_latest, _changed_in),
            _is_latest as _was_latest
        from previous
        where exists (
            select 1 from changed_keys
            where
                changed_keys._key_order_id = previous._key_order_id
                and changed_keys._key_line_number = previous._key_line_number
        )
    ),
{% else %}
    versions as (
        select
            *,
            false as _was_latest
        from typed
    ),
{% endif %}

currency as (
    select
        versions.*,
        current_deliveries.file_name is not null as _is_current
    from versions
    left join current_deliveries
        on
            versions._file_name = current_deliveries.file_name
            and versions._file_hash = current_deliveries.file_hash
),

final as (
    select
        *,
        _is_current and row_number() over (
            partition by _key_order_id, _key_line_number, _is_current
            order by _file_name desc, _row_number desc
        ) = 1 as _is_latest,
        '{{ invocation_id }}' as _changed_in
    from currency
)

select * from final
