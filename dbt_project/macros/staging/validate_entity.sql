{#- The validation layer of one contract entity (base_erp__<entity>): every row of the current deliveries,
    typed, with per column the reason it breaks the contract (null when it does not), its version key and
    whether it is the latest version of that key (_is_latest: file name, then row, last wins). A fault in a
    required column rejects the row; in an optional column the value is nulled and the row flagged.

    Incremental where the engine can update in place (incremental_models()): a run parses only the rows of
    deliveries it has not seen, then mark_latest_versions() drops the rows of deliveries that are no longer
    current, re-decides _is_latest for every key that gained or lost a version, and records those keys in
    <this>__changes for the staging model. Elsewhere the table is rebuilt from every current delivery. -#}

{% macro validate_entity(entity_name) -%}
{%- set entity = contract_entities()[entity_name] -%}
{%- set columns = entity['columns'] -%}
{{ config(
    materialized='incremental' if incremental_models() else 'table',
    incremental_strategy='append',
    on_schema_change='fail',
    post_hook=["{{ mark_latest_versions('" ~ entity_name ~ "', " ~ entity['key'] | tojson ~ ") }}"]
        if incremental_models() else [],
) }}
with

delivered as (
    select raw_rows.*
    from {{ source('erp', entity_name) }} as raw_rows
    inner join {{ source('erp', '_deliveries') }} as deliveries
        on
            deliveries.file_hash = raw_rows._file_hash
            and deliveries.file_name = raw_rows._file_name
            and deliveries.entity = '{{ entity_name }}'
            and deliveries.is_current
    {%- if is_incremental() %}
    where not exists (
        select 1 from {{ this }} as validated
        where validated._file_name = raw_rows._file_name and validated._file_hash = raw_rows._file_hash
    )
    {%- endif %}
),

parsed as (
    select
        _file_name,
        _file_hash,
        _row_number,
        _load_id,
        {%- for column in columns %}
        {{ adapter.quote(column.name) }} as _raw_{{ column.name }},
        {{ parse_value(adapter.quote(column.name), column.type) }} as _parsed_{{ column.name }},
        {%- endfor %}
        true as _is_parsed
    from delivered
),

keyed as (
    select
        *,
        {%- for key in entity['key'] %}
        coalesce(cast(_parsed_{{ key }} as {{ dbt.type_string() }}), _file_hash || ':' || cast(_row_number as {{ dbt.type_string() }})) as _key_{{ key }},
        {%- endfor %}
        true as _is_keyed
    from parsed
),

versioned as (
    select
        *,
        {%- if is_incremental() %}
        -- decided by mark_latest_versions() once the rows are in, over every version of their keys
        cast(null as boolean) as _is_latest
        {%- else %}
        row_number() over (
            partition by {% for key in entity['key'] %}_key_{{ key }}{{ ', ' if not loop.last }}{% endfor %}
            order by _file_name desc, _row_number desc
        ) = 1 as _is_latest
        {%- endif %}
    from keyed
),

checked as (
    select
        *,
        {#- Text even where no check applies (always null): Spark cannot store a column of type null. #}
        {%- for column in columns %}
        {{ fault_reason('_raw_' ~ column.name, '_parsed_' ~ column.name, column.type, column.required, column.constraint) }}
            as _fault_{{ column.name }}{{ ',' if not loop.last }}
        {%- endfor %}
    from versioned
)

select
    _file_name,
    _file_hash,
    _row_number,
    _load_id,
    {%- for key in entity['key'] %}
    _key_{{ key }},
    {%- endfor %}
    _is_latest,
    {%- for column in columns %}
    case when _fault_{{ column.name }} is null then _parsed_{{ column.name }} end as {{ adapter.quote(column.name) }},
    _raw_{{ column.name }},
    _fault_{{ column.name }},
    {%- endfor %}
    {% set required = columns | selectattr('required') | list -%}
    {%- set optional = columns | rejectattr('required') | list -%}
    {%- if required -%}
    ({% for column in required %}_fault_{{ column.name }} is not null{{ ' or ' if not loop.last }}{% endfor %})
    {%- else %}false{% endif %} as _is_rejected,
    {% if optional -%}
    ({% for column in optional %}_fault_{{ column.name }} is not null{{ ' or ' if not loop.last }}{% endfor %})
    {%- else %}false{% endif %} as _is_flagged
from checked
{%- endmacro %}

