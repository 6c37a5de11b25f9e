-- Generated from orchestration/contract.yml by `python -m orchestration.contract`; do not edit.
-- `approved_variations` as delivered, typed: every row of the deliveries with, per column, the delivered
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
    select * from {{ source('erp', 'approved_variations') }}
),

deliveries as (
    select * from {{ source('erp', '_deliveries') }}
),

current_deliveries as (
    select
        file_name,
        file_hash
    from deliveries
    where entity = 'approved_variations' and is_current
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
        variation_id as _raw_variation_id,
        {{ parse_text('variation_id') }} as _parsed_variation_id,
        site_id as _raw_site_id,
        {{ parse_text('site_id') }} as _parsed_site_id,
        variation_type as _raw_variation_type,
        {{ parse_text('variation_type') }} as _parsed_variation_type,
        activity as _raw_activity,
        {{ parse_text('activity') }} as _parsed_activity,
        other_activity as _raw_other_activity,
        {{ parse_text('other_activity') }} as _parsed_other_activity,
        reason_category as _raw_reason_category,
        {{ parse_text('reason_category') }} as _parsed_reason_category,
        approved_by as _raw_approved_by,
        {{ parse_text('approved_by') }} as _parsed_approved_by,
        valid_from as _raw_valid_from,
        {{ parse_date('valid_from') }} as _parsed_valid_from,
        valid_to as _raw_valid_to,
        {{ parse_date('valid_to') }} as _parsed_valid_to
    from delivered
),

keyed as (
    select
        *,
        coalesce(
            cast(_parsed_variation_id as {{ dbt.type_string() }}),
            _file_hash || ':' || cast(_row_number as {{ dbt.type_string() }})
        ) as _key_variation_id
    from parsed
),

checked as (
    select
        *,
        {{ fault_reason('_raw_variation_id', '_parsed_variation_id', 'text', required=true) }}
            as _fault_variation_id,
        {{ fault_reason('_raw_site_id', '_parsed_site_id', 'text', required=true) }}
            as _fault_site_id,
        {{ fault_reason('_raw_variation_type', '_parsed_variation_type', 'text', required=true) }}
            as _fault_variation_type,
        {{ fault_reason('_raw_activity', '_parsed_activity', 'text', required=true) }}
            as _fault_activity,
        {{ fault_reason('_raw_other_activity', '_parsed_other_activity', 'text') }}
            as _fault_other_activity,
        {{ fault_reason('_raw_reason_category', '_parsed_reason_category', 'text', required=true) }}
            as _fault_reason_category,
        {{ fault_reason('_raw_approved_by', '_parsed_approved_by', 'text', required=true) }}
            as _fault_approved_by,
        {{ fault_reason('_raw_valid_from', '_parsed_valid_from', 'date', required=true) }}
            as _fault_valid_from,
        {{ fault_reason('_raw_valid_to', '_parsed_valid_to', 'date', required=true) }}
            as _fault_valid_to
    from keyed
),

typed as (
    select -- noqa: ST06
        _file_name,
        _file_hash,
        _row_number,
        _load_id,
        _key_variation_id,
        case when _fault_variation_id is null then _parsed_variation_id end as variation_id,
        _raw_variation_id,
        _fault_variation_id,
        case when _fault_site_id is null then _parsed_site_id end as site_id,
        _raw_site_id,
        _fault_site_id,
        case when _fault_variation_type is null then _parsed_variation_type end as variation_type,
        _raw_variation_type,
        _fault_variation_type,
        case when _fault_activity is null then _parsed_activity end as activity,
        _raw_activity,
        _fault_activity,
        case when _fault_other_activity is null then _parsed_other_activity end as other_activity,
        _raw_other_activity,
        _fault_other_activity,
        case when _fault_reason_category is null then _parsed_reason_category end as reason_category,
        _raw_reason_category,
        _fault_reason_category,
        case when _fault_approved_by is null then _parsed_approved_by end as approved_by,
        _raw_approved_by,
        _fault_approved_by,
        case when _fault_valid_from is null then _parsed_valid_from end as valid_from,
        _raw_valid_from,
        _fault_valid_from,
        case when _fault_valid_to is null then _parsed_valid_to end as valid_to,
        _raw_valid_to,
        _fault_valid_to,
        (
            _fault_variation_id is not null
            or _fault_site_id is not null
            or _fault_variation_type is not null
            or _fault_activity is not null
            or _fault_reason_category is not null
            or _fault_approved_by is not null
            or _fault_valid_from is not null
            or _fault_valid_to is not null
        ) as _is_rejected,
        (
            _fault_other_activity is not null
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
        select _key_variation_id from typed
        union
        select previous._key_variation_id
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
                changed_keys._key_variation_id = previous._key_variation_id
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
            partition by _key_variation_id, _is_current
            order by _file_name desc, _row_number desc
        ) = 1 as _is_latest,
        '{{ invocation_id }}' as _changed_in
    from currency
)

select * from final
