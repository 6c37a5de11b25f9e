-- Generated from orchestration/contract.yml by `python -m orchestration.contract`; do not edit.
-- `code_map` as delivered, typed: every row of the current deliveries with, per column,
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
            ["{{ mark_latest_versions('code_map', ['domain', 'source_code']) }}"]
            if incremental_models() else []
        ),
    )
}}

with

raw_rows as (
    select * from {{ source('erp', 'code_map') }}
),

deliveries as (
    select * from {{ source('erp', '_deliveries') }}
),

current_deliveries as (
    select
        file_name,
        file_hash
    from deliveries
    where entity = 'code_map' and is_current
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
        domain as _raw_domain,
        {{ parse_text('domain') }} as _parsed_domain,
        source_code as _raw_source_code,
        {{ parse_text('source_code') }} as _parsed_source_code,
        canonical_code as _raw_canonical_code,
        {{ parse_text('canonical_code') }} as _parsed_canonical_code,
        source_system as _raw_source_system,
        {{ parse_text('source_system') }} as _parsed_source_system
    from delivered
),

keyed as (
    select
        *,
        coalesce(
            cast(_parsed_domain as {{ dbt.type_string() }}),
            _file_hash || ':' || cast(_row_number as {{ dbt.type_string() }})
        ) as _key_domain,
        coalesce(
            cast(_parsed_source_code as {{ dbt.type_string() }}),
            _file_hash || ':' || cast(_row_number as {{ dbt.type_string() }})
        ) as _key_source_code
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
                partition by _key_domain, _key_source_code
                order by _file_name desc, _row_number desc
            ) = 1 as _is_latest
        {% endif %}
    from keyed
),

checked as (
    select
        *,
        {{ fault_reason('_raw_domain', '_parsed_domain', 'text', required=true) }}
            as _fault_domain,
        {{ fault_reason('_raw_source_code', '_parsed_source_code', 'text', required=true) }}
            as _fault_source_code,
        {{ fault_reason('_raw_canonical_code', '_parsed_canonical_code', 'text', required=true) }}
            as _fault_canonical_code,
        {{ fault_reason('_raw_source_system', '_parsed_source_system', 'text') }}
            as _fault_source_system
    from versioned
),

final as (
    select -- noqa: ST06
        _file_name,
        _file_hash,
        _row_number,
        _load_id,
        _key_domain,
        _key_source_code,
        _is_latest,
        case when _fault_domain is null then _parsed_domain end as domain,
        _raw_domain,
        _fault_domain,
        case when _fault_source_code is null then _parsed_source_code end as source_code,
        _raw_source_code,
        _fault_source_code,
        case when _fault_canonical_code is null then _parsed_canonical_code end as canonical_code,
        _raw_canonical_code,
        _fault_canonical_code,
        case when _fault_source_system is null then _parsed_source_system end as source_system,
        _raw_source_system,
        _fault_source_system,
        (
            _fault_domain is not null
            or _fault_source_code is not null
            or _fault_canonical_code is not null
        ) as _is_rejected,
        (
            _fault_source_system is not null
        ) as _is_flagged
    from checked
)

select * from final
