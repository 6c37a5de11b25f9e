{#- PostgreSQL forms of the dispatched macros (the default__ forms are DuckDB's). Instants are UTC timestamps
    without zone on every engine; `at time zone` reads a naive timestamp as local time in the named zone. -#}

{% macro postgres__local_date(utc_timestamp, timezone) -%}
    cast(((({{ utc_timestamp }}) at time zone 'UTC') at time zone {{ timezone }}) as date)
{%- endmacro %}

{% macro postgres__local_day_start(local_date, timezone) -%}
    (cast({{ local_date }} as timestamp) at time zone {{ timezone }}) at time zone 'UTC'
{%- endmacro %}

{#- extract(epoch ...) is numeric on PostgreSQL; the difference as a double, like DuckDB's epoch(). -#}
{% macro postgres__hours_between(start_timestamp, end_timestamp) -%}
    cast(extract(epoch from {{ end_timestamp }}) - extract(epoch from {{ start_timestamp }}) as double precision)
    / 3600.0
{%- endmacro %}

{% macro postgres__is_known_timezone(expression) -%}
    {{ expression }} in (select name from pg_timezone_names)
{%- endmacro %}

{#- `~` searches; anchoring makes it a whole match. PostgreSQL takes embedded options such as (?i) only at the
    very start of the expression. -#}
{% macro postgres__full_match(expression, pattern) -%}
    {%- set options = '' -%}
    {%- if pattern.startswith('(?i)') -%}
        {%- set options = '(?i)' -%}
        {%- set pattern = pattern[4:] -%}
    {%- endif -%}
    ({{ expression }} ~ '{{ options }}^(?:{{ pattern }})$')
{%- endmacro %}

{#- No check of a canonical form cheaper than the regular expression: every text takes the exact reading. -#}
{% macro postgres__parse_canonical(expression, type) -%}
{%- endmacro %}

{% macro postgres__parse_timestamp(expression) -%}
    case
        when not {{ has_shape(expression, 'timestamp') }} then null
        when trim({{ expression }}) ~ '([Zz]|[+-][0-9]{2}(:?[0-9]{2})?)$'
            and trim({{ expression }}) ~ '[Tt ][0-9]{2}:[0-9]{2}.*([Zz]|[+-][0-9]{2}(:?[0-9]{2})?)$'
            then {{ try_cast_as("regexp_replace(trim(" ~ expression ~ "), '[Zz]$', '+00:00')", 'timestamptz') }}
            at time zone 'UTC'
        else {{ try_cast_as("replace(trim(" ~ expression ~ "), ',', '.')", 'timestamp') }}
    end
{%- endmacro %}

{#- PostgreSQL (before 16) has no cast that yields null on bad input: a small function per type, created by
    postgres__create_engine_helpers, catches the error. The function returns the type without its modifier,
    so the cast outside keeps decimal(38, 10) as declared. -#}
{% macro postgres_try_cast_types() -%}
    {{ return(['date', 'timestamp', 'timestamptz', 'decimal(38, 0)', 'decimal(38, 10)']) }}
{%- endmacro %}

{% macro postgres_try_cast_function(type) -%}
    {%- if type not in postgres_try_cast_types() -%}
        {{ exceptions.raise_compiler_error('try_cast_as on postgres: add ' ~ type ~ ' to postgres_try_cast_types()') }}
    {%- endif -%}
    {{ target.schema }}.observatory_try_cast_{{ type | replace('(', '_') | replace(', ', '_') | replace(')', '') }}
{%- endmacro %}

{% macro postgres__try_cast_as(expression, type) -%}
    cast({{ postgres_try_cast_function(type) }}(cast({{ expression }} as text)) as {{ type }})
{%- endmacro %}

{% macro postgres__create_engine_helpers() -%}
    create schema if not exists {{ target.schema }};
    {%- for type in postgres_try_cast_types() %}
    create or replace function {{ postgres_try_cast_function(type) }}(value text)
    returns {{ type.split('(')[0] }} language plpgsql stable strict parallel safe as $body$
    begin
        return cast(value as {{ type }});
    exception when others then
        return null;
    end
    $body$;
    {%- endfor %}
{%- endmacro %}

{% macro postgres__expand_date_range(start_date, end_date) -%}
    cast(generate_series(cast({{ start_date }} as timestamp), cast({{ end_date }} as timestamp), interval '1 day') as date)
{%- endmacro %}

{% macro postgres__iso_week_label(date_expression) -%}
    to_char(cast({{ date_expression }} as date), 'IYYY-"W"IW')
{%- endmacro %}

{#- A table PostgreSQL has just filled has no statistics until autovacuum comes by; without them the next
    models' joins are planned as if every table were tiny (nested loops over thousands of rows). -#}
{% macro postgres__analyze_built_table() -%}
    {%- if config.get('materialized') in ('table', 'incremental') -%}
        analyze {{ this }}
    {%- endif -%}
{%- endmacro %}
