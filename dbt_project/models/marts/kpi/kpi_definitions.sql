{#- marts.kpi_definitions: the KPI dictionary as rows, rendered at execute time from its one source, the
    meta.kpis of kpi_daily (_kpi__models.yml). -#}
{%- set kpis = kpi_dictionary() -%}
with

dictionary as (
    {%- for kpi in kpis %}
    select
        {{ sql_text(kpi['kpi']) }} as kpi,
        {{ sql_text(kpi['name']) }} as kpi_name,
        {{ sql_text(kpi['family']) }} as family,
        {{ sql_text(kpi['formula']) }} as formula,
        {{ sql_text(kpi['numerator']) }} as numerator_definition,
        {{ sql_text(kpi['denominator']) }} as denominator_definition,
        {{ sql_text(kpi['day']) }} as day_definition,
        {{ sql_text(kpi['direction']) }} as direction,
        {{ sql_text(kpi['unit']) }} as unit,
        {{ sql_text(kpi['aggregation']) }} as aggregation,
        {{ sql_text(kpi['source_standard']) }} as source_standard,
        {{ sql_text(kpi['grain']) }} as grain,
        {{ sql_text(kpi['entities'] | join(', ')) }} as entities_read,
        {{ sql_double(kpi.get('min_value')) }} as min_value,
        {{ sql_double(kpi.get('max_value')) }} as max_value,
        {{ 'true' if kpi.get('needs_go_live') else 'false' }} as needs_go_live,
        {{ sql_double(kpi.get('recovery_min_tolerance')) }} as recovery_min_tolerance,
        {{ loop.index }} as display_order
    {{- '\n    union all' if not loop.last }}
    {%- else %}
    select
        {% for column in ['kpi', 'kpi_name', 'family', 'formula', 'numerator_definition', 'denominator_definition',
            'day_definition', 'direction', 'unit', 'aggregation', 'source_standard', 'grain', 'entities_read'] -%}
        {{ sql_text(none) }} as {{ column }},
        {% endfor -%}
        {{ sql_double(none) }} as min_value,
        {{ sql_double(none) }} as max_value,
        false as needs_go_live,
        {{ sql_double(none) }} as recovery_min_tolerance,
        0 as display_order
    where false
    {%- endfor %}
),

final as (
    select
        kpi,
        kpi_name,
        family,
        formula,
        numerator_definition,
        denominator_definition,
        day_definition,
        direction,
        unit,
        aggregation,
        aggregation = 'level' as is_level,
        source_standard,
        grain,
        entities_read,
        min_value,
        max_value,
        needs_go_live,
        recovery_min_tolerance,
        display_order
    from dictionary
)

select * from final
