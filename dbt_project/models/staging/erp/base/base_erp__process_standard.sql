-- Generated from orchestration/contract.yml by `python -m orchestration.contract`; do not edit.
-- `process_standard` as delivered, typed: every row of the current deliveries with, per column,
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
            ["{{ mark_latest_versions('process_standard', ['activity']) }}"]
            if incremental_models() else []
        ),
    )
}}

with

raw_rows as (
    select * from {{ source('erp', 'process_standard') }}
),

deliveries as (
    select * from {{ source('erp', '_deliveries') }}
),

current_deliveries as (
    select
        file_name,
        file_hash
    from deliveries
    where entity = 'process_standard' and is_current
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
        step as _raw_step,
        {{ parse_int('step') }} as _parsed_step,
        activity as _raw_activity,
        {{ parse_text('activity') }} as _parsed_activity,
        is_required as _raw_is_required,
        {{ parse_bool('is_required') }} as _parsed_is_required
    from delivered
),

keyed as (
    select
        *,
        coalesce(
            cast(_parsed_activity as {{ dbt.type_string() }}),
            _file_hash || ':' || cast(_row_number as {{ dbt.type_string() }})
        ) as _key_activity
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
                partition by _key_activity
                order by _file_name desc, _row_number desc
            ) = 1 as _is_latest
        {% endif %}
    from keyed
),

checked as (
    select
        *,
        {{ fault_reason('_raw_step', '_parsed_step', 'int', required=true) }}
            as _fault_step,
        {{ fault_reason('_raw_activity', '_parsed_activity', 'text', required=true) }}
            as _fault_activity,
        {{ fault_reason('_raw_is_required', '_parsed_is_required', 'bool', required=true) }}
            as _fault_is_required
    from versioned
),

final as (
    select -- noqa: ST06
        _file_name,
        _file_hash,
        _row_number,
        _load_id,
        _key_activity,
        _is_latest,
        case when _fault_step is null then _parsed_step end as step,
        _raw_step,
        _fault_step,
        case when _fault_activity is null then _parsed_activity end as activity,
        _raw_activity,
        _fault_activity,
        case when _fault_is_required is null then _parsed_is_required end as is_required,
        _raw_is_required,
        _fault_is_required,
        (
            _fault_step is not null
            or _fault_activity is not null
            or _fault_is_required is not null
        ) as _is_rejected,
        false as _is_flagged
    from checked
)

select * from final
