{#- marts.data_quality: every data-quality issue of the current deliveries, counted per category, entity,
    file, column, reason and load day (the UTC date the file was loaded). Categories:
    - rejected_row / malformed_line / rejected_file: what the contract refused (stg_erp__rejects, one row
      per faulty required column);
    - flagged_value: an optional value that broke the contract and was nulled (the row still counts);
    - unmapped_code: a coded value neither canonical nor mapped by code_map (has_unknown_<column>);
    - orphan: a reference to a row another entity does not have (int_referential_orphans);
    - superseded_version: a delivered row replaced by a later version of its key (history, not an error).
    Shown, not hidden: KPIs leave these rows out (or count them without the faulty value) as KPIS.md says.
    No example value of a personal column (a pseudonymised user id is still one person) is kept. -#}
{%- set entities = contract_entities() -%}
{%- set personal = [] -%}
{%- for entity_name, entity in entities.items() -%}
    {%- for column in entity['columns'] if column['personal'] -%}
        {%- do personal.append("'" ~ entity_name ~ "." ~ column['name'] ~ "'") -%}
    {%- endfor -%}
{%- endfor -%}
with

rejects as (
    select * from {{ ref('stg_erp__rejects') }}
),

orphans as (
    select * from {{ ref('int_referential_orphans') }}
),

deliveries as (
    select * from {{ source('erp', '_deliveries') }}
),

{% for entity_name, entity in entities.items() -%}
    base_{{ entity_name }} as (
        select * from {{ ref('base_erp__' ~ entity_name) }}
    ),

    {% if not entity['is_reference'] -%}
        stg_{{ entity_name }} as (
            select * from {{ ref('stg_erp__' ~ entity_name) }}
        ),

    {% endif -%}
{% endfor -%}
rejected_rows as (
    select
        case
            when reason = 'malformed_line' then 'malformed_line'
            when reason like 'file_rejected_%' then 'rejected_file'
            else 'rejected_row'
        end as issue_category,
        entity,
        file_name,
        column_name,
        reason,
        raw_value
    from rejects
),

flagged_values as (
    {%- set flagged = [] -%}
    {%- for entity_name, entity in entities.items() -%}
        {%- for column in entity['columns'] | rejectattr('required') -%}
            {%- do flagged.append((entity_name, column.name)) -%}
        {%- endfor -%}
    {%- endfor %}
    {%- for entity_name, column_name in flagged %}
        select
            'flagged_value' as issue_category,
            '{{ entity_name }}' as entity,
            _file_name as file_name,
            '{{ column_name }}' as column_name,
            {{ dbt.split_part('_fault_' ~ column_name, "': '", 1) }} as reason,
            _raw_{{ column_name }} as raw_value
        from base_{{ entity_name }}
        where _is_latest and not _is_rejected and _fault_{{ column_name }} is not null
        {{- '\n    union all' if not loop.last }}
    {%- endfor %}
),

unmapped_codes as (
    {%- set coded = [] -%}
    {%- for entity_name, entity in entities.items() if not entity['is_reference'] -%}
        {%- for column in entity['columns'] if column['values'] or column['values_from'] -%}
            {%- do coded.append((entity_name, column.name)) -%}
        {%- endfor -%}
    {%- endfor %}
    {%- for entity_name, column_name in coded %}
        select
            'unmapped_code' as issue_category,
            '{{ entity_name }}' as entity,
            source_file_name as file_name,
            '{{ column_name }}' as column_name,
            'unknown_code' as reason,
            {{ column_name }} as raw_value
        from stg_{{ entity_name }}
        where has_unknown_{{ column_name }}
        {{- '\n    union all' if not loop.last }}
    {%- endfor %}
),

orphan_references as (
    select
        'orphan' as issue_category,
        entity,
        file_name,
        column_name,
        'no_matching_' || parent_entity as reason,
        raw_value
    from orphans
),

superseded_versions as (
    {%- for entity_name in entities %}
        select
            'superseded_version' as issue_category,
            '{{ entity_name }}' as entity,
            _file_name as file_name,
            cast(null as {{ dbt.type_string() }}) as column_name,
            'superseded_by_later_version' as reason,
            cast(null as {{ dbt.type_string() }}) as raw_value
        from base_{{ entity_name }}
        where _is_current and not _is_latest
        {{- '\n    union all' if not loop.last }}
    {%- endfor %}
),

issues as (
    select * from rejected_rows
    union all
    select * from flagged_values
    union all
    select * from unmapped_codes
    union all
    select * from orphan_references
    union all
    select * from superseded_versions
),

current_deliveries as (
    select
        entity,
        file_name,
        min(cast(loaded_at as date)) as load_date
    from deliveries
    where is_current
    group by entity, file_name
),

final as (
    select
        issues.issue_category,
        issues.entity,
        issues.file_name,
        current_deliveries.load_date,
        issues.column_name,
        issues.reason,
        count(*) as issue_count,
        case
            when issues.entity || '.' || issues.column_name in ({{ personal | join(', ') }}) then null
            else min(issues.raw_value)
        end as example_value
    from issues
    left join current_deliveries
        on
            issues.entity = current_deliveries.entity
            and issues.file_name = current_deliveries.file_name
    group by
        issues.issue_category,
        issues.entity,
        issues.file_name,
        current_deliveries.load_date,
        issues.column_name,
        issues.reason
)

select * from final
