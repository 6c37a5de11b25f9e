{#- Site-local calendar helpers. Instants are stored as UTC timestamps without zone. -#}

{#- The site-local calendar date of a UTC instant. -#}
{% macro local_date(utc_timestamp, timezone) -%}
    {{ return(adapter.dispatch('local_date', 'observatory')(utc_timestamp, timezone)) }}
{%- endmacro %}

{% macro default__local_date(utc_timestamp, timezone) -%}
    cast(timezone({{ timezone }}, timezone('UTC', {{ utc_timestamp }})) as date)
{%- endmacro %}

{#- The UTC instant at which a local date starts (local midnight); the end of day D is the start of D + 1. -#}
{% macro local_day_start(local_date, timezone) -%}
    {{ return(adapter.dispatch('local_day_start', 'observatory')(local_date, timezone)) }}
{%- endmacro %}

{% macro default__local_day_start(local_date, timezone) -%}
    timezone('UTC', timezone({{ timezone }}, cast({{ local_date }} as timestamp)))
{%- endmacro %}

{#- Elapsed hours between two UTC instants (clock changes do not matter: both are UTC). -#}
{% macro hours_between(start_timestamp, end_timestamp) -%}
    {{ return(adapter.dispatch('hours_between', 'observatory')(start_timestamp, end_timestamp)) }}
{%- endmacro %}

{% macro default__hours_between(start_timestamp, end_timestamp) -%}
    (epoch({{ end_timestamp }}) - epoch({{ start_timestamp }})) / 3600.0
{%- endmacro %}

{#- Whether a text names an IANA time zone this engine knows. -#}
{% macro is_known_timezone(expression) -%}
    {{ return(adapter.dispatch('is_known_timezone', 'observatory')(expression)) }}
{%- endmacro %}

{% macro default__is_known_timezone(expression) -%}
    {{ expression }} in (select name from pg_timezone_names())
{%- endmacro %}
