-- Generated from orchestration/contract.yml by `python -m orchestration.contract`; do not edit.
-- `kpi_targets` as delivered, typed: every row of the deliveries with, per column, the delivered
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
    select * from {{ source('erp', 'kpi_targets') }}
),

deliveries as (
    select * from {{ source('erp', '_deliveries') }}
),

current_deliveries as (
    select
        file_name,
        file_hash
    from deliveries
    where entity = 'kpi_targets' and is_current
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
        kpi as _raw_kpi,
        {{ parse_text('kpi') }} as _parsed_kpi,
        direction as _raw_direction,
        {{ parse_text('direction') }} as _parsed_direction,
        target as _raw_target,
        {{ parse_decimal('target') }} as _parsed_target,
        amber_threshold as _raw_amber_threshold,
        {{ parse_decimal('amber_threshold') }} as _parsed_amber_threshold,
        red_threshold as _raw_red_threshold,
        {{ parse_decimal('red_threshold') }} as _parsed_red_threshold,
        recovery_tolerance as _raw_recovery_tolerance,
        {{ parse_decimal('recovery_tolerance') }} as _parsed_recovery_tolerance
    from delivered
),

keyed as (
    select
        *,
        coalesce(
            cast(_parsed_kpi as {{ dbt.type_string() }}),
            _file_hash || ':' || cast(_row_number as {{ dbt.type_string() }})
        ) as _key_kpi
    from parsed
),

checked as (
    select
        *,
        {{ fault_reason('_raw_kpi', '_parsed_kpi', 'text', required=true) }}
            as _fault_kpi,
        {{ fault_reason('_raw_direction', '_parsed_direction', 'text', required=true) }}
            as _fault_direction,
        {{ fault_reason('_raw_target', '_parsed_target', 'decimal', required=true) }}
            as _fault_target,
        {{ fault_reason('_raw_amber_threshold', '_parsed_amber_threshold', 'decimal', required=true) }}
            as _fault_amber_threshold,
        {{ fault_reason('_raw_red_threshold', '_parsed_red_threshold', 'decimal', required=true) }}
            as _fault_red_threshold,
        {{ fault_reason('_raw_recovery_tolerance', '_parsed_recovery_tolerance', 'decimal', required=true) }}
            as _fault_recovery_tolerance
    from keyed
),

typed as (
    select -- noqa: ST06
        _file_name,
        _file_hash,
        _row_number,
        _load_id,
        _key_kpi,
        case when _fault_kpi is null then _parsed_kpi end as kpi,
        _raw_kpi,
        _fault_kpi,
        case when _fault_direction is null then _parsed_direction end as direction,
        _raw_direction,
        _fault_direction,
        case when _fault_target is null then _parsed_target end as target,
        _raw_target,
        _fault_target,
        case when _fault_amber_threshold is null then _parsed_amber_threshold end as amber_threshold,
        _raw_amber_threshold,
        _fault_amber_threshold,
        case when _fault_red_threshold is null then _parsed_red_threshold end as red_threshold,
        _raw_red_threshold,
        _fault_red_threshold,
        case when _fault_recovery_tolerance is null then _parsed_recovery_tolerance end as recovery_tolerance,
        _raw_recovery_tolerance,
        _fault_recovery_tolerance,
        (
            _fault_kpi is not null
            or _fault_direction is not null
            or _fault_target is not null
            or _fault_amber_threshold is not null
            or _fault_red_threshold is not null
            or _fault_recovery_tolerance is not null
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
        select _key_kpi from typed
        union
        select previous._key_kpi
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
                changed_keys._key_kpi = previous._key_kpi
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
            partition by _key_kpi, _is_current
            order by _file_name desc, _row_number desc
        ) = 1 as _is_latest,
        '{{ invocation_id }}' as _changed_in
    from currency
)

select * from final
