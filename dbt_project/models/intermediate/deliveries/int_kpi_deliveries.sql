{#- Whether every entity a KPI reads was delivered, per KPI of the dictionary (kpi_dictionary(), the
    meta.kpis of kpi_daily). A KPI whose entities are not all delivered has no rows in kpi_daily. -#}
{%- set kpis = kpi_dictionary() -%}
with

entity_deliveries as (
    select * from {{ ref('int_entity_deliveries') }}
),

kpi_entities as (
    {%- for kpi in kpis %}
    {%- for entity in kpi['entities'] %}
    select
        {{ sql_text(kpi['kpi']) }} as kpi,
        {{ sql_text(entity) }} as entity
    {{- '\n    union all' if not loop.last }}
    {%- endfor %}
    {{- '\n    union all' if not loop.last }}
    {%- else %}
    select
        {{ sql_text(none) }} as kpi,
        {{ sql_text(none) }} as entity
    where false
    {%- endfor %}
),

kpi_entity_deliveries as (
    select
        kpi_entities.kpi,
        kpi_entities.entity,
        coalesce(entity_deliveries.is_delivered, false) as is_delivered
    from kpi_entities
    left join entity_deliveries on kpi_entities.entity = entity_deliveries.entity
),

final as (
    select
        kpi,
        min(case when is_delivered then 1 else 0 end) = 1 as is_delivered,
        count(*) as entities_read,
        sum(case when is_delivered then 1 else 0 end) as entities_delivered
    from kpi_entity_deliveries
    group by kpi
)

select * from final
