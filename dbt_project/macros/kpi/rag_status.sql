{#- The RAG status of a KPI value by its direction: green at or better than amber_threshold, amber worse than
    amber_threshold but at or better than red_threshold, red worse than red_threshold; null without a target.
    The one definition: the scorecard marts use it, and the dashboards render this macro with Jinja to grade
    the periods their users choose (dashboards/data.py). -#}
{% macro rag_status(value, direction, amber_threshold, red_threshold) -%}
case
    when {{ direction }} = 'higher' then
        case
            when {{ value }} >= {{ amber_threshold }} then 'green'
            when {{ value }} >= {{ red_threshold }} then 'amber'
            else 'red'
        end
    when {{ direction }} = 'lower' then
        case
            when {{ value }} <= {{ amber_threshold }} then 'green'
            when {{ value }} <= {{ red_threshold }} then 'amber'
            else 'red'
        end
end
{%- endmacro %}
