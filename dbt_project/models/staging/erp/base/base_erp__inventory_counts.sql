-- Generated from orchestration/contract.yml by `python -m orchestration.contract`; do not edit.
-- `inventory_counts` as delivered, typed: every row of the current deliveries with, per column,
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
            ["{{ mark_latest_versions('inventory_counts', ['count_id']) }}"]
            if incremental_models() else []
        ),
    )
}}

with

raw_rows as (
    select * from {{ source('erp', 'inventory_counts') }}
),

deliveries as (
    select * from {{ source('erp', '_deliveries') }}
),

current_deliveries as (
    select
        file_name,
        file_hash
    from deliveries
    where entity = 'inventory_counts' and is_current
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
        count_id as _raw_count_id,
        {{ parse_text('count_id') }} as _parsed_count_id,
        site_id as _raw_site_id,
        {{ parse_text('site_id') }} as _parsed_site_id,
        location_id as _raw_location_id,
        {{ parse_text('location_id') }} as _parsed_location_id,
        item_id as _raw_item_id,
        {{ parse_text('item_id') }} as _parsed_item_id,
        counted_at as _raw_counted_at,
        {{ parse_timestamp('counted_at') }} as _parsed_counted_at,
        system_qty as _raw_system_qty,
        {{ parse_decimal('system_qty') }} as _parsed_system_qty,
        counted_qty as _raw_counted_qty,
        {{ parse_decimal('counted_qty') }} as _parsed_counted_qty,
        user_id as _raw_user_id,
        {{ parse_text('user_id') }} as _parsed_user_id
    from delivered
),

keyed as (
    select
        *,
        coalesce(
            cast(_parsed_count_id as {{ dbt.type_string() }}),
            _file_hash || ':' || cast(_row_number as {{ dbt.type_string() }})
        ) as _key_count_id
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
                partition by _key_count_id
                order by _file_name desc, _row_number desc
            ) = 1 as _is_latest
        {% endif %}
    from keyed
),

checked as (
    select
        *,
        {{ fault_reason('_raw_count_id', '_parsed_count_id', 'text', required=true) }}
            as _fault_count_id,
        {{ fault_reason('_raw_site_id', '_parsed_site_id', 'text', required=true) }}
            as _fault_site_id,
        {{ fault_reason('_raw_location_id', '_parsed_location_id', 'text', required=true) }}
            as _fault_location_id,
        {{ fault_reason('_raw_item_id', '_parsed_item_id', 'text', required=true) }}
            as _fault_item_id,
        {{ fault_reason('_raw_counted_at', '_parsed_counted_at', 'timestamp', required=true) }}
            as _fault_counted_at,
        {{ fault_reason('_raw_system_qty', '_parsed_system_qty', 'decimal', required=true) }}
            as _fault_system_qty,
        {{ fault_reason('_raw_counted_qty', '_parsed_counted_qty', 'decimal', required=true) }}
            as _fault_counted_qty,
        {{ fault_reason('_raw_user_id', '_parsed_user_id', 'text') }}
            as _fault_user_id
    from versioned
),

final as (
    select -- noqa: ST06
        _file_name,
        _file_hash,
        _row_number,
        _load_id,
        _key_count_id,
        _is_latest,
        case when _fault_count_id is null then _parsed_count_id end as count_id,
        _raw_count_id,
        _fault_count_id,
        case when _fault_site_id is null then _parsed_site_id end as site_id,
        _raw_site_id,
        _fault_site_id,
        case when _fault_location_id is null then _parsed_location_id end as location_id,
        _raw_location_id,
        _fault_location_id,
        case when _fault_item_id is null then _parsed_item_id end as item_id,
        _raw_item_id,
        _fault_item_id,
        case when _fault_counted_at is null then _parsed_counted_at end as counted_at,
        _raw_counted_at,
        _fault_counted_at,
        case when _fault_system_qty is null then _parsed_system_qty end as system_qty,
        _raw_system_qty,
        _fault_system_qty,
        case when _fault_counted_qty is null then _parsed_counted_qty end as counted_qty,
        _raw_counted_qty,
        _fault_counted_qty,
        case when _fault_user_id is null then _parsed_user_id end as user_id,
        _raw_user_id,
        _fault_user_id,
        (
            _fault_count_id is not null
            or _fault_site_id is not null
            or _fault_location_id is not null
            or _fault_item_id is not null
            or _fault_counted_at is not null
            or _fault_system_qty is not null
            or _fault_counted_qty is not null
        ) as _is_rejected,
        (
            _fault_user_id is not null
        ) as _is_flagged
    from checked
)

select * from final
