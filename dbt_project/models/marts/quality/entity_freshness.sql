{#- How fresh each contract entity is at the moment this build started: the one judgement Dagster's freshness
    checks (orchestration/operations.py) and the Data quality page both read. The limits come from the
    OBSERVATORY_FRESHNESS_* settings, which the orchestration passes to dbt (orchestration/transform.py); the
    defaults here are those of orchestration/settings.py. -#}
{%- set entities = contract_entities() -%}
{%- set delivery_max_age_hours = env_var('OBSERVATORY_FRESHNESS_DELIVERY_HOURS', '36') | float -%}
{%- set event_max_age_hours = env_var('OBSERVATORY_FRESHNESS_EVENT_HOURS', '72') | float -%}
with

deliveries as (
    select * from {{ source('erp', '_deliveries') }}
),

entity_deliveries as (
    select * from {{ ref('int_entity_deliveries') }}
),

contract as (
    {%- for name, entity in entities.items() %}
        {%- set column = event_column(entity) %}
        select
            '{{ name }}' as entity,
            {{ entity['is_reference'] }} as is_reference,
            {{ "'" ~ column ~ "'" if column else 'cast(null as ' ~ dbt.type_string() ~ ')' }} as event_column
        {{- '\n    union all' if not loop.last }}
    {%- endfor %}
),

staged as (
    {%- for name, entity in entities.items() %}
        {%- set column = event_column(entity) %}
        {%- set newest_event = 'max(' ~ adapter.quote(column) ~ ')' if column else 'null' %}
        select
            '{{ name }}' as entity,
            count(*) as row_count,
            cast({{ newest_event }} as {{ dbt.type_timestamp() }}) as newest_event_at
        from {{ ref(('stg_reference__' if entity['is_reference'] else 'stg_erp__') ~ name) }}
        {{- '\n    union all' if not loop.last }}
    {%- endfor %}
),

current_files as (
    select
        entity,
        file_name,
        file_modified_at,
        row_number() over (partition by entity order by file_modified_at desc, file_name desc) as recency
    from deliveries
    where is_current
),

newest_files as (
    select
        entity,
        count(*) as current_file_count,
        max(case when recency = 1 then file_name end) as newest_file_name,
        max(file_modified_at) as newest_file_modified_at
    from current_files
    group by entity
),

run as (
    select
        cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S") }}' as {{ dbt.type_timestamp() }}) as as_of_at,
        {{ delivery_max_age_hours }} as delivery_max_age_hours,
        {{ event_max_age_hours }} as event_max_age_hours
),

aged as (
    select
        contract.entity,
        contract.is_reference,
        coalesce(entity_deliveries.is_delivered, false) as is_delivered,
        coalesce(newest_files.current_file_count, 0) as current_file_count,
        staged.row_count,
        newest_files.newest_file_name,
        newest_files.newest_file_modified_at,
        contract.event_column,
        staged.newest_event_at,
        run.as_of_at,
        run.delivery_max_age_hours,
        run.event_max_age_hours,
        {{ dbt.datediff(
            'newest_files.newest_file_modified_at', 'run.as_of_at', 'second'
        ) }} / 3600.0 as delivery_age_hours,
        {{ dbt.datediff(
            'staged.newest_event_at', 'run.as_of_at', 'second'
        ) }} / 3600.0 as event_age_hours
    from contract
    cross join run
    left join entity_deliveries on contract.entity = entity_deliveries.entity
    left join newest_files on contract.entity = newest_files.entity
    left join staged on contract.entity = staged.entity
),

final as (
    select
        *,
        coalesce(delivery_age_hours <= delivery_max_age_hours, false) as is_delivery_fresh,
        coalesce(event_age_hours <= event_max_age_hours, newest_event_at is null) as is_event_fresh
    from aged
)

select * from final
