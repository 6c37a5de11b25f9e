{#- A project measure (marts.measure_definitions) is not a contract KPI: it never shares a key with one, so
    everything that enumerates the KPIs (kpi_definitions, kpi_daily, the network tiles) still sees exactly them. -#}
select measure_definitions.measure
from {{ ref('measure_definitions') }} as measure_definitions
inner join {{ ref('kpi_definitions') }} as kpi_definitions on measure_definitions.measure = kpi_definitions.kpi
