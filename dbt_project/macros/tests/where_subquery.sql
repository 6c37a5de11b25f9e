{#- dbt's `where` config of data tests, with one addition: `__this_run__` stands for this dbt invocation's id,
    which a config string cannot hold (configs are read when the project is parsed, not when it runs). The
    staged extracts' tests filter on it (dbt_project.yml). Otherwise as dbt's own get_where_subquery. -#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where') -%}
    {%- if where -%}
        {%- set where = where | replace('__this_run__', "'" ~ invocation_id ~ "'") -%}
        {%- set filtered -%}
            (select * from {{ relation }} where {{ where }}) dbt_subquery
        {%- endset -%}
        {%- do return(filtered) -%}
    {%- else -%}
        {%- do return(relation) -%}
    {%- endif -%}
{%- endmacro %}
