{#- A KPI's numerator or denominator over a period, the one roll-up rule (docs/kpis.md): the sum over the period's
    days, except for a level KPI (a backlog, users provisioned), which takes the period's last day with a row
    (day_rank_from_end = 1). The weekly scorecard (int_site_weekly_kpis) uses it, and the dashboards render this
    macro with Jinja for the periods their users choose (dashboards/queries/rollup.py), as they do rag_status. -#}
{% macro period_total(column, is_level='is_level', day_rank_from_end='day_rank_from_end') -%}
sum(case when not {{ is_level }} or {{ day_rank_from_end }} = 1 then {{ column }} end)
{%- endmacro %}
