{#- marts.close_late_tasks: every close task that is late, with its name: completed after its due_at, or
    still open although its due_at lies before the last close activity delivered (the latest completed_at
    of any close task: the data's "now" for the close). days_late counts calendar days (UTC) from due_at to
    the completion, or to that last activity while open; hours_late the elapsed hours. Legal entities are codes: the contract has no
    entity names (sites.legal_entity); region_names lists the regions of the entity's sites. -#}
with

close_tasks as (
    select * from {{ ref('stg_erp__close_tasks') }}
),

close_periods as (
    select * from {{ ref('close_period') }}
),

sites as (
    select * from {{ ref('stg_erp__sites') }}
),

last_activity as (
    select max(completed_at) as last_completed_at
    from close_tasks
),

entity_region_pairs as (
    select distinct
        legal_entity,
        region
    from sites
    where region is not null
),

entity_regions as (
    select
        legal_entity,
        {{ listagg('region', "', '", 'order by region') }} as region_names
    from entity_region_pairs
    group by legal_entity
),

late_tasks as (
    select
        close_tasks.task_id,
        close_tasks.legal_entity,
        close_tasks.period,
        close_tasks.task_name,
        close_tasks.due_at,
        close_tasks.completed_at,
        close_tasks.completed_at is not null as is_completed,
        {{ days_between(
            'cast(close_tasks.due_at as date)',
            'cast(coalesce(close_tasks.completed_at, last_activity.last_completed_at) as date)'
        ) }} as days_late,
        {{ dbt.datediff(
            'close_tasks.due_at', 'coalesce(close_tasks.completed_at, last_activity.last_completed_at)', 'hour'
        ) }} as hours_late
    from close_tasks
    cross join last_activity
    where
        close_tasks.completed_at > close_tasks.due_at
        or (close_tasks.completed_at is null and close_tasks.due_at < last_activity.last_completed_at)
),

final as (
    select
        late_tasks.*,
        entity_regions.region_names
    from late_tasks
    inner join close_periods
        on
            late_tasks.legal_entity = close_periods.legal_entity
            and late_tasks.period = close_periods.period
    left join entity_regions on late_tasks.legal_entity = entity_regions.legal_entity
)

select * from final
