-- Generated from orchestration/contract.yml by `python -m orchestration.contract`; do not edit.
-- `picks` as delivered, typed: every row of the deliveries with, per column, the delivered
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
    select * from {{ source('erp', 'picks') }}
),

deliveries as (
    select * from {{ source('erp', '_deliveries') }}
),

current_deliveries as (
    select
        file_name,
        file_hash
    from deliveries
    where entity = 'picks' and is_current
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
        pick_id as _raw_pick_id,
        {{ parse_text('pick_id') }} as _parsed_pick_id,
        site_id as _raw_site_id,
        {{ parse_text('site_id') }} as _parsed_site_id,
        order_id as _raw_order_id,
        {{ parse_text('order_id') }} as _parsed_order_id,
        line_number as _raw_line_number,
        {{ parse_int('line_number') }} as _parsed_line_number,
        item_id as _raw_item_id,
        {{ parse_text('item_id') }} as _parsed_item_id,
        location_id as _raw_location_id,
        {{ parse_text('location_id') }} as _parsed_location_id,
        user_id as _raw_user_id,
        {{ parse_text('user_id') }} as _parsed_user_id,
        requested_qty as _raw_requested_qty,
        {{ parse_decimal('requested_qty') }} as _parsed_requested_qty,
        picked_qty as _raw_picked_qty,
        {{ parse_decimal('picked_qty') }} as _parsed_picked_qty,
        picked_at as _raw_picked_at,
        {{ parse_timestamp('picked_at') }} as _parsed_picked_at,
        error_code as _raw_error_code,
        {{ parse_text('error_code') }} as _parsed_error_code
    from delivered
),

keyed as (
    select
        *,
        coalesce(
            cast(_parsed_pick_id as {{ dbt.type_string() }}),
            _file_hash || ':' || cast(_row_number as {{ dbt.type_string() }})
        ) as _key_pick_id
    from parsed
),

checked as (
    select
        *,
        {{ fault_reason('_raw_pick_id', '_parsed_pick_id', 'text', required=true) }}
            as _fault_pick_id,
        {{ fault_reason('_raw_site_id', '_parsed_site_id', 'text', required=true) }}
            as _fault_site_id,
        {{ fault_reason('_raw_order_id', '_parsed_order_id', 'text') }}
            as _fault_order_id,
        {{ fault_reason('_raw_line_number', '_parsed_line_number', 'int') }}
            as _fault_line_number,
        {{ fault_reason('_raw_item_id', '_parsed_item_id', 'text', required=true) }}
            as _fault_item_id,
        {{ fault_reason('_raw_location_id', '_parsed_location_id', 'text') }}
            as _fault_location_id,
        {{ fault_reason('_raw_user_id', '_parsed_user_id', 'text') }}
            as _fault_user_id,
        {{ fault_reason('_raw_requested_qty', '_parsed_requested_qty', 'decimal', required=true) }}
            as _fault_requested_qty,
        {{ fault_reason('_raw_picked_qty', '_parsed_picked_qty', 'decimal', required=true) }}
            as _fault_picked_qty,
        {{ fault_reason('_raw_picked_at', '_parsed_picked_at', 'timestamp', required=true) }}
            as _fault_picked_at,
        {{ fault_reason('_raw_error_code', '_parsed_error_code', 'text') }}
            as _fault_error_code
    from keyed
),

typed as (
    select -- noqa: ST06
        _file_name,
        _file_hash,
        _row_number,
        _load_id,
        _key_pick_id,
        case when _fault_pick_id is null then _parsed_pick_id end as pick_id,
        _raw_pick_id,
        _fault_pick_id,
        case when _fault_site_id is null then _parsed_site_id end as site_id,
        _raw_site_id,
        _fault_site_id,
        case when _fault_order_id is null then _parsed_order_id end as order_id,
        _raw_order_id,
        _fault_order_id,
        case when _fault_line_number is null then _parsed_line_number end as line_number,
        _raw_line_number,
        _fault_line_number,
        case when _fault_item_id is null then _parsed_item_id end as item_id,
        _raw_item_id,
        _fault_item_id,
        case when _fault_location_id is null then _parsed_location_id end as location_id,
        _raw_location_id,
        _fault_location_id,
        case when _fault_user_id is null then _parsed_user_id end as user_id,
        _raw_user_id,
        _fault_user_id,
        case when _fault_requested_qty is null then _parsed_requested_qty end as requested_qty,
        _raw_requested_qty,
        _fault_requested_qty,
        case when _fault_picked_qty is null then _parsed_picked_qty end as picked_qty,
        _raw_picked_qty,
        _fault_picked_qty,
        case when _fault_picked_at is null then _parsed_picked_at end as picked_at,
        _raw_picked_at,
        _fault_picked_at,
        case when _fault_error_code is null then _parsed_error_code end as error_code,
        _raw_error_code,
        _fault_error_code,
        (
            _fault_pick_id is not null
            or _fault_site_id is not null
            or _fault_item_id is not null
            or _fault_requested_qty is not null
            or _fault_picked_qty is not null
            or _fault_picked_at is not null
        ) as _is_rejected,
        (
            _fault_order_id is not null
            or _fault_line_number is not null
            or _fault_location_id is not null
            or _fault_user_id is not null
            or _fault_error_code is not null
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
        select _key_pick_id from typed
        union
        select previous._key_pick_id
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
                changed_keys._key_pick_id = previous._key_pick_id
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
            partition by _key_pick_id, _is_current
            order by _file_name desc, _row_number desc
        ) = 1 as _is_latest,
        '{{ invocation_id }}' as _changed_in
    from currency
)

select * from final
