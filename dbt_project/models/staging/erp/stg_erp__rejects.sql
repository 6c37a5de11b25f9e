{#- Everything the warehouse refused, one row per reason: rows whose latest version breaks the contract in a
    required column (one row per faulty column), lines the CSV reader could not split, and whole files. -#}
{%- set entities = contract_entities() %}
with

current_files as (
    select distinct file_hash from {{ source('erp', '_deliveries') }}
    where is_current
),

{% for entity_name, entity in entities.items() -%}
    {{ entity_name }}_faults as (
        {%- for column in entity['columns'] | selectattr('required') %}
            select
                '{{ entity_name }}' as entity,
                _file_name as file_name,
                _row_number as row_number,
                '{{ column.name }}' as column_name,
                split_part(_fault_{{ column.name }}, ': ', 1) as reason,
                _fault_{{ column.name }} as message,
                _raw_{{ column.name }} as raw_value,
                _load_id as load_id
            from {{ ref('base_erp__' ~ entity_name) }}
            where _is_latest and _fault_{{ column.name }} is not null
            {{- '\n    union all' if not loop.last }}
        {%- endfor %}
    ),

{% endfor -%}
line_rejects as (
    select
        entity,
        file_name,
        row_number,
        column_name,
        'malformed_line' as reason,
        reason || ': ' || message as message,
        raw_line as raw_value,
        load_id
    from {{ source('erp', '_line_rejects') }}
    where file_hash in (select current_files.file_hash from current_files)
),

file_rejects as (
    select
        entity,
        file_name,
        cast(null as bigint) as row_number,
        column_name,
        'file_rejected_' || reason as reason,
        message,
        cast(null as {{ dbt.type_string() }}) as raw_value,
        load_id
    from {{ source('erp', '_file_rejects') }}
    where file_hash in (select current_files.file_hash from current_files)
),

final as (
    {% for entity_name in entities -%}
        select * from {{ entity_name }}_faults
        union all
    {% endfor -%}
    select * from line_rejects
    union all
    select * from file_rejects
)

select * from final
