-- Generated from orchestration/contract.yml by `python -m orchestration.contract`; do not edit.
-- `exception_sla` as delivered, typed: every row of the current deliveries with, per column,
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
            ["{{ mark_latest_versions('exception_sla', ['severity', 'exception_type']) }}"]
            if incremental_models() else []
        ),
    )
}}

with

raw_rows as (
    select * from {{ source('erp', 'exception_sla') }}
),

deliveries as (
    select * from {{ source('erp', '_deliveries') }}
),

current_deliveries as (
    select
        file_name,
        file_hash
    from deliveries
    where entity = 'exception_sla' and is_current
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
        severity as _raw_severity,
        {{ parse_text('severity') }} as _parsed_severity,
        exception_type as _raw_exception_type,
        {{ parse_text('exception_type') }} as _parsed_exception_type,
        sla_hours as _raw_sla_hours,
        {{ parse_decimal('sla_hours') }} as _parsed_sla_hours,
        weight as _raw_weight,
        {{ parse_decimal('weight') }} as _parsed_weight
    from delivered
),

keyed as (
    select
        *,
        coalesce(
            cast(_parsed_severity as {{ dbt.type_string() }}),
            _file_hash || ':' || cast(_row_number as {{ dbt.type_string() }})
        ) as _key_severity,
        coalesce(
            cast(_parsed_exception_type as {{ dbt.type_string() }}),
            _file_hash || ':' || cast(_row_number as {{ dbt.type_string() }})
        ) as _key_exception_type
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
                partition by _key_severity, _key_exception_type
                order by _file_name desc, _row_number desc
            ) = 1 as _is_latest
        {% endif %}
    from keyed
),

checked as (
    select
        *,
        {{ fault_reason('_raw_severity', '_parsed_severity', 'text', required=true) }}
            as _fault_severity,
        {{ fault_reason('_raw_exception_type', '_parsed_exception_type', 'text', required=true) }}
            as _fault_exception_type,
        {{ fault_reason('_raw_sla_hours', '_parsed_sla_hours', 'decimal', required=true, constraint='positive') }}
            as _fault_sla_hours,
        {{ fault_reason('_raw_weight', '_parsed_weight', 'decimal', required=true, constraint='positive') }}
            as _fault_weight
    from versioned
),

final as (
    select -- noqa: ST06
        _file_name,
        _file_hash,
        _row_number,
        _load_id,
        _key_severity,
        _key_exception_type,
        _is_latest,
        case when _fault_severity is null then _parsed_severity end as severity,
        _raw_severity,
        _fault_severity,
        case when _fault_exception_type is null then _parsed_exception_type end as exception_type,
        _raw_exception_type,
        _fault_exception_type,
        case when _fault_sla_hours is null then _parsed_sla_hours end as sla_hours,
        _raw_sla_hours,
        _fault_sla_hours,
        case when _fault_weight is null then _parsed_weight end as weight,
        _raw_weight,
        _fault_weight,
        (
            _fault_severity is not null
            or _fault_exception_type is not null
            or _fault_sla_hours is not null
            or _fault_weight is not null
        ) as _is_rejected,
        false as _is_flagged
    from checked
)

select * from final
