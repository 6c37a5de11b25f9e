{#- The column that dates an entity's rows, the one definition the freshness mart (and through it Dagster's
    freshness checks and the Data quality page) uses: its first required timestamp, else its first timestamp,
    else its first required date; none for master and reference data without one (items, code_map ...).
    Dates of a plan (an order's requested_ship_date, a close task's due_at) run ahead of the data and say
    nothing of freshness, so they never date an entity. -#}
{% macro event_column(entity) -%}
{%- set planned = ['due_at', 'requested_ship_date'] -%}
{%- set candidates = entity['columns'] | rejectattr('name', 'in', planned) | list -%}
{%- set timestamps = candidates | selectattr('type', 'equalto', 'timestamp') | list -%}
{%- set required_timestamps = timestamps | selectattr('required') | list -%}
{%- set required_dates = candidates | selectattr('type', 'equalto', 'date') | selectattr('required') | list -%}
{%- set chosen = (required_timestamps + timestamps + required_dates) | first -%}
{{ return(chosen['name'] if chosen else none) }}
{%- endmacro %}
