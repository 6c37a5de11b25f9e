{#- Relations live in the schema their folder names (staging, marts ...), not "<target>_<schema>": the
    published warehouse exposes marts.kpi_daily exactly as the contract names it. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {{ custom_schema_name | trim if custom_schema_name is not none else target.schema }}
{%- endmacro %}
