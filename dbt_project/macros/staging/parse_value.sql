{#- Reading delivered text as the contract's types. Each returns null when the text is not of the type;
    engine-specific SQL stays inside the dispatched implementations. -#}

{% macro parse_value(expression, type) -%}
    {%- if type == 'text' -%} nullif(trim({{ expression }}), '')
    {%- elif type == 'int' -%} {{ parse_int(expression) }}
    {%- elif type == 'decimal' -%} {{ parse_decimal(expression) }}
    {%- elif type == 'bool' -%} {{ parse_bool(expression) }}
    {%- elif type == 'date' -%} {{ parse_date(expression) }}
    {%- elif type == 'timestamp' -%} {{ parse_timestamp(expression) }}
    {%- else -%} {{ exceptions.raise_compiler_error("unknown contract type " ~ type) }}
    {%- endif -%}
{%- endmacro %}

{#- True when the text has the type's shape, even if the value is impossible (2026-02-30): tells an
    unreadable value from an impossible date. -#}
{% macro has_shape(expression, type) -%}
    {{ return(adapter.dispatch('has_shape', 'observatory')(expression, type)) }}
{%- endmacro %}

{% macro default__has_shape(expression, type) -%}
    {%- set patterns = {
        'int': '[+-]?[0-9]+(\\.0*)?',
        'decimal': '[+-]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)',
        'bool': '(?i)(true|false|yes|no|1|0)',
        'date': '[0-9]{4}-[0-9]{2}-[0-9]{2}',
        'timestamp': '[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}(:[0-9]{2}([.,][0-9]+)?)?\\s*([Zz]|[+-][0-9]{2}(:?[0-9]{2})?)?',
    } -%}
    {%- if type == 'text' -%} true
    {%- else -%} {{ full_match('trim(' ~ expression ~ ')', patterns[type]) }}
    {%- endif -%}
{%- endmacro %}

{#- True when the whole text matches the regular expression (RE2 syntax; a leading (?i) makes it
    case-insensitive); null when the text is null. -#}
{% macro full_match(expression, pattern) -%}
    {{ return(adapter.dispatch('full_match', 'observatory')(expression, pattern)) }}
{%- endmacro %}

{% macro default__full_match(expression, pattern) -%}
    regexp_full_match({{ expression }}, '{{ pattern }}')
{%- endmacro %}

{% macro parse_int(expression) -%}
    case when {{ has_shape(expression, 'int') }}
        then cast({{ try_cast_as('trim(' ~ expression ~ ')', 'decimal(38, 0)') }} as bigint) end
{%- endmacro %}

{% macro parse_decimal(expression) -%}
    case when {{ has_shape(expression, 'decimal') }}
        then {{ try_cast_as('trim(' ~ expression ~ ')', 'decimal(38, 10)') }} end
{%- endmacro %}

{% macro parse_bool(expression) -%}
    case
        when lower(trim({{ expression }})) in ('true', 'yes', '1') then true
        when lower(trim({{ expression }})) in ('false', 'no', '0') then false
    end
{%- endmacro %}

{% macro parse_date(expression) -%}
    case when {{ has_shape(expression, 'date') }} then {{ try_cast_as('trim(' ~ expression ~ ')', 'date') }} end
{%- endmacro %}

{#- An instant as a UTC timestamp without zone: with Z or an offset it is that instant, without one it is
    already UTC (extracts.yml). -#}
{% macro parse_timestamp(expression) -%}
    {{ return(adapter.dispatch('parse_timestamp', 'observatory')(expression)) }}
{%- endmacro %}

{% macro default__parse_timestamp(expression) -%}
    case
        when not {{ has_shape(expression, 'timestamp') }} then null
        when regexp_matches(trim({{ expression }}), '([Zz]|[+-][0-9]{2}(:?[0-9]{2})?)$')
            and regexp_matches(trim({{ expression }}), '[Tt ][0-9]{2}:[0-9]{2}.*([Zz]|[+-][0-9]{2}(:?[0-9]{2})?)$')
            then timezone('UTC', try_cast(regexp_replace(trim({{ expression }}), '[Zz]$', '+00:00') as timestamptz))
        else try_cast(replace(trim({{ expression }}), ',', '.') as timestamp)
    end
{%- endmacro %}

{#- Cast that yields null instead of failing (dbt.safe_cast is a plain cast on some adapters). -#}
{% macro try_cast_as(expression, type) -%}
    {{ return(adapter.dispatch('try_cast_as', 'observatory')(expression, type)) }}
{%- endmacro %}

{% macro default__try_cast_as(expression, type) -%}
    try_cast({{ expression }} as {{ type }})
{%- endmacro %}
