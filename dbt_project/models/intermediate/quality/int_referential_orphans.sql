{#- One row per orphan: a valid staged row whose reference to another entity (referential_checks()) matches
    no row of it - a shipment with no order line, a line without its order, a pick without its line, a user
    at an unknown site, a usage event of an unknown user ... Checked only when the parent entity was
    delivered. Orphans stay in staging; KPIs that need the parent cannot place them. -#}
{%- set checks = referential_checks() -%}
{%- set entities = [] -%}
{%- for check in checks -%}
    {%- for name in [check['entity'], check['parent']] if name not in entities -%}
        {%- do entities.append(name) -%}
    {%- endfor -%}
{%- endfor -%}
with

entity_deliveries as (
    select * from {{ ref('int_entity_deliveries') }}
),

{% for entity in entities -%}
    {{ entity }} as (
        select * from {{ ref('stg_erp__' ~ entity) }}
    ),

{% endfor -%}
orphans as (
    {%- for check in checks %}
        select
            '{{ check.entity }}' as entity,
            '{{ check.columns | join(", ") }}' as column_name,
            '{{ check.parent }}' as parent_entity,
            child.source_file_name as file_name,
            child.source_row_number as row_number,
            child.load_id,
            {% for column in check.columns -%}
                cast(child.{{ column }} as {{ dbt.type_string() }}){{ " || ' / ' || " if not loop.last }}
            {%- endfor %} as raw_value
        from {{ check.entity }} as child
        where
            {% for column in check.columns -%}
                child.{{ column }} is not null
                and {% endfor -%}
            not exists (
                select 1
                from {{ check.parent }} as parent
                where
                {% for column in check.columns -%}
                        parent.{{ check.parent_columns[loop.index0] }} = child.{{ column }}
                        {{- '\n                and ' if not loop.last }}
                {%- endfor %}
            )
            and exists (
                select 1
                from entity_deliveries
                where entity_deliveries.entity = '{{ check.parent }}' and entity_deliveries.is_delivered
            )
        {{- '\n    union all' if not loop.last }}
    {%- endfor %}
),

final as (
    select * from orphans
)

select * from final
