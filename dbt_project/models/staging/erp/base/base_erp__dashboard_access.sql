-- Generated from orchestration/contract.yml by `python -m orchestration.contract`; do not edit.
-- `dashboard_access` as delivered, typed: every row of the deliveries with, per column, the delivered
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
    select * from {{ source('erp', 'dashboard_access') }}
),

deliveries as (
    select * from {{ source('erp', '_deliveries') }}
),

current_deliveries as (
    select
        file_name,
        file_hash
    from deliveries
    where entity = 'dashboard_access' and is_current
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
        principal as _raw_principal,
        {{ parse_text('principal') }} as _parsed_principal,
        role as _raw_role,
        {{ parse_text('role') }} as _parsed_role,
        scope as _raw_scope,
        {{ parse_text('scope') }} as _parsed_scope
    from delivered
),

keyed as (
    select
        *,
        coalesce(
            cast(_parsed_principal as {{ dbt.type_string() }}),
            _file_hash || ':' || cast(_row_number as {{ dbt.type_string() }})
        ) as _key_principal,
        coalesce(
            cast(_parsed_role as {{ dbt.type_string() }}),
            _file_hash || ':' || cast(_row_number as {{ dbt.type_string() }})
        ) as _key_role,
        coalesce(
            cast(_parsed_scope as {{ dbt.type_string() }}),
            _file_hash || ':' || cast(_row_number as {{ dbt.type_string() }})
        ) as _key_scope
    from parsed
),

checked as (
    select
        *,
        {{ fault_reason('_raw_principal', '_parsed_principal', 'text', required=true) }}
            as _fault_principal,
        {{ fault_reason('_raw_role', '_parsed_role', 'text', required=true) }}
            as _fault_role,
        {{ fault_reason('_raw_scope', '_parsed_scope', 'text', required=true) }}
            as _fault_scope
    from keyed
),

typed as (
    select -- noqa: ST06
        _file_name,
        _file_hash,
        _row_number,
        _load_id,
        _key_principal,
        _key_role,
        _key_scope,
        case when _fault_principal is null then _parsed_principal end as principal,
        _raw_principal,
        _fault_principal,
        case when _fault_role is null then _parsed_role end as role,
        _raw_role,
        _fault_role,
        case when _fault_scope is null then _parsed_scope end as scope,
        _raw_scope,
        _fault_scope,
        (
            _fault_principal is not null
            or _fault_role is not null
            or _fault_scope is not null
        ) as _is_rejected,
        false as _is_flagged
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
        select _key_principal, _key_role, _key_scope from typed
        union
        select previous._key_principal, previous._key_role, previous._key_scope
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
                changed_keys._key_principal = previous._key_principal
                and changed_keys._key_role = previous._key_role
                and changed_keys._key_scope = previous._key_scope
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
            partition by _key_principal, _key_role, _key_scope, _is_current
            order by _file_name desc, _row_number desc
        ) = 1 as _is_latest,
        '{{ invocation_id }}' as _changed_in
    from currency
)

select * from final
