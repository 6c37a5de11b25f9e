{#- The project's own measures: numbers the pages show that are not one of the contract KPIs (KPIS.md), so they
    stay out of kpi_daily, its meta.kpis and everything that enumerates the KPIs. Each is defined once, in the
    `meta.measures` of the mart that holds it (e.g. adoption_depth in models/marts/adoption/_adoption__models.yml),
    and published as marts.measure_definitions for the KPI dictionary page. At parse time it is empty. -#}
{% macro measure_dictionary() -%}
    {%- if not execute -%}
        {{ return([]) }}
    {%- endif -%}
    {%- if not graph.get('nodes') -%}
        {{ exceptions.raise_compiler_error(
            'measure_dictionary: the manifest graph is not available here (dbt unit tests have none)') }}
    {%- endif -%}
    {%- set measures = [] -%}
    {%- for node in graph['nodes'].values() | sort(attribute='name') -%}
        {%- if node['resource_type'] == 'model' -%}
            {%- for measure in (node['config']['meta'].get('measures') or node['meta'].get('measures') or []) -%}
                {%- do measures.append(dict(measure, relation='marts.' ~ node['name'])) -%}
            {%- endfor -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(measures) }}
{%- endmacro %}
