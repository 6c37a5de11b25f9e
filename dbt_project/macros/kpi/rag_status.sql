{#- The status of a KPI value (docs/kpis.md "Targets and status"): green (on track) at or better than target;
    amber (at risk) worse than target but at or better than red_threshold; red (off track) worse than
    red_threshold; 'not_live' when is_before_go_live (a KPI that needs the new system, at a site not live
    yet); null without a value or a target. kpi_targets' amber_threshold is where amber starts: the target
    (tested on stg_reference__kpi_targets), so the rule reads target and red_threshold.
    The one definition: the scorecard marts use it, and the dashboards render this macro with Jinja to grade
    the periods their users choose (dashboards/queries/rollup.py). -#}
{% macro rag_status(value, direction, target, red_threshold, is_before_go_live='false') -%}
case
    when {{ is_before_go_live }} then 'not_live'
    when {{ value }} is null or {{ target }} is null then null
    when {{ direction }} = 'higher' then
        case
            when {{ value }} >= {{ target }} then 'green'
            when {{ value }} >= {{ red_threshold }} then 'amber'
            else 'red'
        end
    when {{ direction }} = 'lower' then
        case
            when {{ value }} <= {{ target }} then 'green'
            when {{ value }} <= {{ red_threshold }} then 'amber'
            else 'red'
        end
end
{%- endmacro %}
