-- Generated from orchestration/contract.yml by `python -m orchestration.contract`; do not edit.
-- `training_completions` as delivered, typed: every row of the current deliveries with, per column,
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
            ["{{ mark_latest_versions('training_completions', ['completion_id']) }}"]
            if incremental_models() else []
        ),
    )
}}

with

raw_rows as (
    select * from {{ source('erp', 'training_completions') }}
),

deliveries as (
    select * from {{ source('erp', '_deliveries') }}
),

current_deliveries as (
    select
        file_name,
        file_hash
    from deliveries
    where entity = 'training_completions' and is_current
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
        completion_id as _raw_completion_id,
        {{ parse_text('completion_id') }} as _parsed_completion_id,
        user_id as _raw_user_id,
        {{ parse_text('user_id') }} as _parsed_user_id,
        course_id as _raw_course_id,
        {{ parse_text('course_id') }} as _parsed_course_id,
        completed_at as _raw_completed_at,
        {{ parse_timestamp('completed_at') }} as _parsed_completed_at,
        passed as _raw_passed,
        {{ parse_bool('passed') }} as _parsed_passed
    from delivered
),

keyed as (
    select
        *,
        coalesce(
            cast(_parsed_completion_id as {{ dbt.type_string() }}),
            _file_hash || ':' || cast(_row_number as {{ dbt.type_string() }})
        ) as _key_completion_id
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
                partition by _key_completion_id
                order by _file_name desc, _row_number desc
            ) = 1 as _is_latest
        {% endif %}
    from keyed
),

checked as (
    select
        *,
        {{ fault_reason('_raw_completion_id', '_parsed_completion_id', 'text', required=true) }}
            as _fault_completion_id,
        {{ fault_reason('_raw_user_id', '_parsed_user_id', 'text', required=true) }}
            as _fault_user_id,
        {{ fault_reason('_raw_course_id', '_parsed_course_id', 'text', required=true) }}
            as _fault_course_id,
        {{ fault_reason('_raw_completed_at', '_parsed_completed_at', 'timestamp', required=true) }}
            as _fault_completed_at,
        {{ fault_reason('_raw_passed', '_parsed_passed', 'bool', required=true) }}
            as _fault_passed
    from versioned
),

final as (
    select -- noqa: ST06
        _file_name,
        _file_hash,
        _row_number,
        _load_id,
        _key_completion_id,
        _is_latest,
        case when _fault_completion_id is null then _parsed_completion_id end as completion_id,
        _raw_completion_id,
        _fault_completion_id,
        case when _fault_user_id is null then _parsed_user_id end as user_id,
        _raw_user_id,
        _fault_user_id,
        case when _fault_course_id is null then _parsed_course_id end as course_id,
        _raw_course_id,
        _fault_course_id,
        case when _fault_completed_at is null then _parsed_completed_at end as completed_at,
        _raw_completed_at,
        _fault_completed_at,
        case when _fault_passed is null then _parsed_passed end as passed,
        _raw_passed,
        _fault_passed,
        (
            _fault_completion_id is not null
            or _fault_user_id is not null
            or _fault_course_id is not null
            or _fault_completed_at is not null
            or _fault_passed is not null
        ) as _is_rejected,
        false as _is_flagged
    from checked
)

select * from final
