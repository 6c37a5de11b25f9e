{#- Calendar helpers for the KPI models. Engine-specific SQL stays inside the dispatched implementations. -#}

{#- A select-list expression that yields one row per date, as a date, from start_date to end_date (both
    included). Use it bare: Spark takes no generator nested in another expression. -#}
{% macro expand_date_range(start_date, end_date) -%}
    {{ return(adapter.dispatch('expand_date_range', 'observatory')(start_date, end_date)) }}
{%- endmacro %}

{% macro default__expand_date_range(start_date, end_date) -%}
    cast(unnest(generate_series(
        cast({{ start_date }} as timestamp),
        cast({{ end_date }} as timestamp),
        interval 1 day
    )) as date)
{%- endmacro %}

{#- A date plus a whole number of days, as a date (dbt.dateadd returns a timestamp on some engines). -#}
{% macro add_days(date_expression, days) -%}
    cast({{ dbt.dateadd('day', days, date_expression) }} as date)
{%- endmacro %}

{#- Whole calendar days from start_date to end_date (negative when end_date is earlier). -#}
{% macro days_between(start_date, end_date) -%}
    {{ dbt.datediff(start_date, end_date, 'day') }}
{%- endmacro %}

{#- The Monday that starts the ISO week of a date. -#}
{% macro iso_week_start(date_expression) -%}
    cast({{ dbt.date_trunc('week', date_expression) }} as date)
{%- endmacro %}

{#- The ISO week of a date as text 'YYYY-Www' (ISO year, which differs from the calendar year around
    new year). -#}
{% macro iso_week_label(date_expression) -%}
    {{ return(adapter.dispatch('iso_week_label', 'observatory')(date_expression)) }}
{%- endmacro %}

{% macro default__iso_week_label(date_expression) -%}
    strftime(cast({{ date_expression }} as date), '%G-W%V')
{%- endmacro %}

{#- The first day of a 'YYYY-MM' period. -#}
{% macro period_start_date(period) -%}
    cast({{ period }} || '-01' as date)
{%- endmacro %}

{#- An 8-byte floating point type (kpi_daily's numerator, denominator and value are doubles; dbt's
    type_float is a 4-byte float on some engines). -#}
{% macro type_double() -%}
    {{ return(adapter.dispatch('type_double', 'observatory')()) }}
{%- endmacro %}

{% macro default__type_double() -%}
    double precision
{%- endmacro %}

{#- The later of two dates, ignoring a null one (greatest() itself differs across engines on nulls). -#}
{% macro greatest_date(first_date, second_date) -%}
    case
        when {{ second_date }} is null or {{ first_date }} >= {{ second_date }} then {{ first_date }}
        else {{ second_date }}
    end
{%- endmacro %}

{#- A date plus a whole number of months, as a date. -#}
{% macro add_months(date_expression, months) -%}
    cast({{ dbt.dateadd('month', months, date_expression) }} as date)
{%- endmacro %}

{#- The values of a group joined by delimiter in the order of order_by (ties broken by the value):
    dbt.listagg where the engine orders within the aggregate; Spark sorts the collected pairs first. -#}
{% macro ordered_listagg(measure, order_by, delimiter_text) -%}
    {{ return(adapter.dispatch('ordered_listagg', 'observatory')(measure, order_by, delimiter_text)) }}
{%- endmacro %}

{% macro default__ordered_listagg(measure, order_by, delimiter_text) -%}
    {{ dbt.listagg(measure, delimiter_text, 'order by ' ~ order_by ~ ', ' ~ measure) }}
{%- endmacro %}
