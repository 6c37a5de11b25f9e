{#- The staging model of one contract entity (stg_erp__<entity>): the latest version of each key when it is
    valid, typed, with coded columns harmonised to canonical codes (exact code, else code_map, else the
    canonical code in another case). A code that stays unknown keeps its delivered value and sets
    has_unknown_<column>; the row is flagged, never dropped.

    Incremental with its validation model (incremental.sql): a run restages only the keys that model recorded
    as changed, after taking their staged rows out, and records the site-days the rows whose content changed touch
    (touched_site_days.sql). -#}

{% macro stage_entity(entity_name) -%}
{%- set entity = contract_entities()[entity_name] -%}
{%- set coded = entity['columns'] | selectattr('values') | list
    + entity['columns'] | selectattr('values_from') | list -%}
{%- set validation = ref('base_erp__' ~ entity_name) -%}
{%- set key_list = entity['key'] | tojson -%}
{%- set hook_arguments = "('" ~ entity_name ~ "', ref('base_erp__" ~ entity_name ~ "'), " ~ key_list ~ ") }}" -%}
{{ config(
    materialized='incremental' if incremental_models() else 'table',
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook=[
        "{{ keep_replaced_rows" ~ hook_arguments,
        "{{ unstage_changed_keys(ref('base_erp__" ~ entity_name ~ "'), " ~ key_list ~ ") }}",
    ] if incremental_models() else [],
    post_hook=[
        "{{ record_touched_site_days" ~ hook_arguments,
        "{{ clear_changed_keys(ref('base_erp__" ~ entity_name ~ "')) }}",
    ] if incremental_models() else [],
) }}
with

validated as (
    select * from {{ validation }} as versions
    where
        _is_latest and not _is_rejected
        {%- if is_incremental() %}
        and exists (
            select 1 from {{ changed_keys_relation(validation) }} as changes
            where {% for key in entity['key'] %}changes._key_{{ key }} = versions._key_{{ key }}{{ ' and ' if not loop.last }}{% endfor %}
        )
        {%- endif %}
),
{%- if coded %}

code_lookup as (
    select
        domain,
        lower(trim(source_code)) as source_key,
        min(canonical_code) as canonical_code
    from {{ ref('stg_reference__code_map') }}
    group by domain, lower(trim(source_code))
),
{%- endif %}
{%- for column in coded %}
{%- if column['values_from'] %}
{%- set reference = column['values_from'].split('.') %}

canonical_{{ column.name }} as (
    select {{ reference[1] }} as code from {{ ref('stg_reference__' ~ reference[0]) }}
),
{%- else %}

canonical_{{ column.name }} as (
    {%- for value in column['values'] %}
    select '{{ value }}' as code{{ ' union all' if not loop.last }}
    {%- endfor %}
),
{%- endif %}
{%- endfor %}

harmonised as (
    select
        validated.*
        {%- for column in coded %},
        coalesce(
            (select min(code) from canonical_{{ column.name }} where code = validated.{{ column.name }}),
            (
                select min(lookup.canonical_code)
                from code_lookup as lookup
                where
                    lookup.domain = '{{ entity_name }}.{{ column.name }}'
                    and lookup.source_key = lower(validated.{{ column.name }})
                    and lookup.canonical_code in (select code from canonical_{{ column.name }})
            ),
            (select min(code) from canonical_{{ column.name }} where code = lower(validated.{{ column.name }}))
        ) as _canonical_{{ column.name }}
        {%- endfor %}
    from validated
),

final as (
    select
        {%- for column in entity['columns'] %}
        {%- if column in coded %}
        coalesce(_canonical_{{ column.name }}, {{ column.name }}) as {{ column.name }},
        coalesce({{ column.name }} is not null and _canonical_{{ column.name }} is null, false)
            as has_unknown_{{ column.name }},
        {%- else %}
        {{ adapter.quote(column.name) }},
        {%- endif %}
        {%- endfor %}
        (
            _is_flagged
            {%- for column in coded %}
            or coalesce({{ column.name }} is not null and _canonical_{{ column.name }} is null, false)
            {%- endfor %}
        ) as is_flagged,
        _file_name as source_file_name,
        _row_number as source_row_number,
        _load_id as load_id
    from harmonised
)

select * from final
{%- endmacro %}


{#- A reference table: the delivered one when the extracts delivered any file of it, else the shipped seed. -#}
{% macro stage_reference(table_name) -%}
{%- set entity = contract_entities()[table_name] -%}
{%- set types = {'text': dbt.type_string(), 'int': dbt.type_bigint(), 'decimal': 'decimal(38, 10)',
                 'bool': dbt.type_boolean(), 'date': 'date', 'timestamp': dbt.type_timestamp()} -%}
with

delivered as (
    select
        {%- for column in entity['columns'] %}
        {{ adapter.quote(column.name) }}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ ref('base_erp__' ~ table_name) }}
    where _is_latest and not _is_rejected
),

is_delivered as (
    select count(*) > 0 as is_delivered
    from {{ source('erp', '_deliveries') }}
    where entity = '{{ table_name }}' and is_current and status = 'loaded'
),

shipped as (
    select
        {%- for column in entity['columns'] %}
        cast({{ adapter.quote(column.name) }} as {{ types[column.type] }}) as {{ adapter.quote(column.name) }}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ ref(table_name) }}
),

final as (
    select * from delivered
    union all
    select * from shipped where not (select is_delivered from is_delivered)
)

select * from final
{%- endmacro %}
