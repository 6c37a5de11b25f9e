{#- Hooks (dbt_project.yml) that do what a particular engine needs; nothing on DuckDB. -#}

{#- Helpers some engines need before any model runs (on-run-start), such as functions behind try_cast_as;
    none on DuckDB. -#}
{% macro create_engine_helpers() -%}
    {{ return(adapter.dispatch('create_engine_helpers', 'observatory')()) }}
{%- endmacro %}

{% macro default__create_engine_helpers() -%}
{%- endmacro %}

{#- After a model is built as a table: whatever the engine needs so that later queries plan well (post-hook);
    nothing on DuckDB. -#}
{% macro analyze_built_table() -%}
    {{ return(adapter.dispatch('analyze_built_table', 'observatory')()) }}
{%- endmacro %}

{% macro default__analyze_built_table() -%}
{%- endmacro %}
