{#- The validation layer of one contract entity (base_erp__<entity>): every current raw row, typed, with its
    version rank (1 = the latest delivered version of its key: file name, then row, last wins) and, per
    column, the reason it breaks the contract (null when it does not). A fault in a required column
    rejects the row; in an optional column the value is nulled and the row flagged. -#}

{% macro validate_entity(entity_name) -%}
{%- set entity = contract_entities()[entity_name] -%}
{%- set columns = entity['columns'] -%}
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

versioned as (
    select
        *,
        row_number() over (
            partition by
                {%- for key in entity['key'] %}
                coalesce(
                    cast(_parsed_{{ key }} as {{ dbt.type_string() }}),
                    _file_hash || ':' || cast(_row_number as {{ dbt.type_string() }})
                ){{ ',' if not loop.last }}
                {%- endfor %}
            order by _file_name desc, _row_number desc
        ) as _version_rank
    from parsed
),

checked as (
    select
        *,
        {#- Text even where no check applies (always null): Spark cannot store a column of type null. #}
        {%- for column in columns %}
        cast({{ column_fault(column) }} as {{ dbt.type_string() }}) as _fault_{{ column.name }}{{ ',' if not loop.last }}
        {%- endfor %}
    from versioned
)

select
    _file_name,
    _file_hash,
    _row_number,
    _load_id,
    _version_rank,
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


{#- Why one value breaks the contract, as '<reason>: <detail>', or null. -#}
{% macro column_fault(column) -%}
    {%- set raw = '_raw_' ~ column.name -%}
    {%- set value = '_parsed_' ~ column.name -%}
    case
        when nullif(trim({{ raw }}), '') is null
            then {{ "'missing_value: required value is empty'" if column.required else 'null' }}
        {%- if column.type != 'text' %}
        when {{ value }} is null and {{ has_shape(raw, column.type) }}
            then '{{ "impossible_date" if column.type in ("date", "timestamp") else "invalid_" ~ column.type }}: ' || {{ raw }}
        when {{ value }} is null
            then 'invalid_{{ column.type }}: ' || {{ raw }}
        {%- endif %}
        {%- if column.type == 'date' %}
        when {{ value }} < cast('1970-01-01' as date) or {{ value }} > cast('2099-12-31' as date)
            then 'implausible_date: ' || {{ raw }}
        {%- elif column.type == 'timestamp' %}
        when {{ value }} < cast('1970-01-01' as timestamp) or {{ value }} >= cast('2100-01-01' as timestamp)
            then 'implausible_date: ' || {{ raw }}
        {%- endif %}
        {%- if column.constraint == 'positive' %}
        when {{ value }} <= 0 then 'not_positive: must be > 0, is ' || {{ raw }}
        {%- elif column.constraint == 'non_negative' %}
        when {{ value }} < 0 then 'negative: must be >= 0, is ' || {{ raw }}
        {%- elif column.constraint == 'iana_timezone' %}
        when not ({{ is_known_timezone(value) }}) then 'unknown_timezone: ' || {{ raw }}
        {%- elif column.constraint == 'year_month' %}
        when not {{ full_match(value, '[0-9]{4}-(0[1-9]|1[0-2])') }} then 'invalid_period: ' || {{ raw }}
        {%- endif %}
    end
{%- endmacro %}
