{#- The KPI dictionary: one entry per site KPI (name, formula in words, numerator, denominator, direction,
    unit, aggregation, source standard, grain, entities read, value range). Its one source is the `meta.kpis`
    of the kpi_daily model (models/marts/kpi/_kpi__models.yml); marts.kpi_definitions and the delivery rule
    (int_kpi_deliveries) render it into rows at execute time. At parse time it is empty. -#}
{% macro kpi_dictionary() -%}
    {%- if not execute -%}
        {{ return([]) }}
    {%- endif -%}
    {%- if not graph.get('nodes') -%}
        {{ exceptions.raise_compiler_error(
            'kpi_dictionary: the manifest graph is not available here (dbt unit tests have none); '
            ~ 'mock int_kpi_deliveries or kpi_definitions instead of testing the models that render it') }}
    {%- endif -%}
    {%- set node = graph['nodes'].get('model.observatory.kpi_daily') -%}
    {%- if node is none -%}
        {{ exceptions.raise_compiler_error('kpi_dictionary: model kpi_daily is missing from the graph') }}
    {%- endif -%}
    {%- set kpis = node['config']['meta'].get('kpis') or node['meta'].get('kpis') -%}
    {%- if not kpis -%}
        {{ exceptions.raise_compiler_error('kpi_dictionary: kpi_daily has no meta.kpis') }}
    {%- endif -%}
    {{ return(kpis) }}
{%- endmacro %}

{#- A SQL text literal (single quotes doubled), or null. -#}
{% macro sql_text(value) -%}
    {%- if value is none -%} cast(null as {{ dbt.type_string() }})
    {%- else -%} '{{ value | string | replace("'", "''") }}'
    {%- endif -%}
{%- endmacro %}

{#- A SQL number literal as double, or null. -#}
{% macro sql_double(value) -%}
    {%- if value is none -%} cast(null as {{ type_double() }})
    {%- else -%} cast({{ value }} as {{ type_double() }})
    {%- endif -%}
{%- endmacro %}
