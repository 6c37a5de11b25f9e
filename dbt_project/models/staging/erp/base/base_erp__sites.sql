-- Generated from orchestration/contract.yml by `python -m orchestration.contract`; do not edit.
-- `sites` as delivered, typed: every row of the deliveries with, per column, the delivered
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
    select * from {{ source('erp', 'sites') }}
),

deliveries as (
    select * from {{ source('erp', '_deliveries') }}
),

current_deliveries as (
    select
        file_name,
        file_hash
    from deliveries
    where entity = 'sites' and is_current
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
        site_id as _raw_site_id,
        {{ parse_text('site_id') }} as _parsed_site_id,
        site_name as _raw_site_name,
        {{ parse_text('site_name') }} as _parsed_site_name,
        region as _raw_region,
        {{ parse_text('region') }} as _parsed_region,
        legal_entity as _raw_legal_entity,
        {{ parse_text('legal_entity') }} as _parsed_legal_entity,
        timezone as _raw_timezone,
        {{ parse_text('timezone') }} as _parsed_timezone,
        go_live_date as _raw_go_live_date,
        {{ parse_date('go_live_date') }} as _parsed_go_live_date,
        rollout_wave as _raw_rollout_wave,
        {{ parse_text('rollout_wave') }} as _parsed_rollout_wave,
        source_system as _raw_source_system,
        {{ parse_text('source_system') }} as _parsed_source_system
    from delivered
),

keyed as (
    select
        *,
        coalesce(
            cast(_parsed_site_id as {{ dbt.type_string() }}),
            _file_hash || ':' || cast(_row_number as {{ dbt.type_string() }})
        ) as _key_site_id
    from parsed
),

checked as (
    select
        *,
        {{ fault_reason('_raw_site_id', '_parsed_site_id', 'text', required=true) }}
            as _fault_site_id,
        {{ fault_reason('_raw_site_name', '_parsed_site_name', 'text', required=true) }}
            as _fault_site_name,
        {{ fault_reason('_raw_region', '_parsed_region', 'text', required=true) }}
            as _fault_region,
        {{ fault_reason('_raw_legal_entity', '_parsed_legal_entity', 'text', required=true) }}
            as _fault_legal_entity,
        {{ fault_reason('_raw_timezone', '_parsed_timezone', 'text', required=true, constraint='iana_timezone') }}
            as _fault_timezone,
        {{ fault_reason('_raw_go_live_date', '_parsed_go_live_date', 'date') }}
            as _fault_go_live_date,
        {{ fault_reason('_raw_rollout_wave', '_parsed_rollout_wave', 'text') }}
            as _fault_rollout_wave,
        {{ fault_reason('_raw_source_system', '_parsed_source_system', 'text') }}
            as _fault_source_system
    from keyed
),

typed as (
    select -- noqa: ST06
        _file_name,
        _file_hash,
        _row_number,
        _load_id,
        _key_site_id,
        case when _fault_site_id is null then _parsed_site_id end as site_id,
        _raw_site_id,
        _fault_site_id,
        case when _fault_site_name is null then _parsed_site_name end as site_name,
        _raw_site_name,
        _fault_site_name,
        case when _fault_region is null then _parsed_region end as region,
        _raw_region,
        _fault_region,
        case when _fault_legal_entity is null then _parsed_legal_entity end as legal_entity,
        _raw_legal_entity,
        _fault_legal_entity,
        case when _fault_timezone is null then _parsed_timezone end as timezone,
        _raw_timezone,
        _fault_timezone,
        case when _fault_go_live_date is null then _parsed_go_live_date end as go_live_date,
        _raw_go_live_date,
        _fault_go_live_date,
        case when _fault_rollout_wave is null then _parsed_rollout_wave end as rollout_wave,
        _raw_rollout_wave,
        _fault_rollout_wave,
        case when _fault_source_system is null then _parsed_source_system end as source_system,
        _raw_source_system,
        _fault_source_system,
        (
            _fault_site_id is not null
            or _fault_site_name is not null
            or _fault_region is not null
            or _fault_legal_entity is not null
            or _fault_timezone is not null
        ) as _is_rejected,
        (
            _fault_go_live_date is not null
            or _fault_rollout_wave is not null
            or _fault_source_system is not null
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
        select _key_site_id from typed
        union
        select previous._key_site_id
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
                changed_keys._key_site_id = previous._key_site_id
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
            partition by _key_site_id, _is_current
            order by _file_name desc, _row_number desc
        ) = 1 as _is_latest,
        '{{ invocation_id }}' as _changed_in
    from currency
)

select * from final
