{#- marts.measure_definitions: the project's own measures (not contract KPIs) as rows, rendered at execute time
    from their one source, the meta.measures of the mart that holds each (macros/kpi/measure_dictionary.sql). -#}
{%- set measures = measure_dictionary() -%}
with

-- noqa: disable=LT02,RF04
{#- (the loop renders one select per measure; the linter measures its indent from the template) #}
dictionary as (
    {%- for measure in measures %}
    select
        {{ sql_text(measure['measure']) }} as measure,
        {{ sql_text(measure['name']) }} as measure_name,
        {{ sql_text(measure['family']) }} as family,
        {{ sql_text(measure['formula']) }} as formula,
        {{ sql_text(measure['definition']) }} as definition,
        {{ sql_text(measure['grain']) }} as grain,
        {{ sql_text(measure['unit']) }} as unit,
        {{ sql_text(measure['direction']) }} as direction,
        {{ sql_text(measure['relation']) }} as relation,
        {{ sql_text(measure['column']) }} as column_name,
        {{ sql_double(measure.get('min_value')) }} as min_value,
        {{ sql_double(measure.get('max_value')) }} as max_value,
        {{ loop.index }} as display_order
    {{- '\n    union all' if not loop.last }}
    {%- else %}
    select
        {% for column in ['measure', 'measure_name', 'family', 'formula', 'definition', 'grain', 'unit', 'direction',
            'relation', 'column_name'] -%}
        {{ sql_text(none) }} as {{ column }},
        {% endfor -%}
        {{ sql_double(none) }} as min_value,
        {{ sql_double(none) }} as max_value,
        0 as display_order
    where false
    {%- endfor %}
),
-- noqa: enable=LT02,RF04

final as (
    select
        measure,
        measure_name,
        family,
        formula,
        definition,
        grain,
        unit,
        direction,
        relation,
        column_name,
        min_value,
        max_value,
        display_order
    from dictionary
)

select * from final
