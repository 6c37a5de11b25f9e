{#- marts.close_period: one row per (legal_entity, period) with close tasks (KPIS.md "Finance close").
    Local dates use the legal entity's time zone (int_legal_entity_timezones); a legal entity without any
    site has no time zone, so its close_days is null (reported in marts.data_quality). No rows unless
    close_tasks and sites were delivered; post_close_adjustments is null unless close_adjustments was.
    close_status grades close_days against the days_to_close row of kpi_targets by the scorecards' rule
    (rag_status: on track at or better than target, at risk up to red_threshold, off track beyond). -#}
with

close_tasks as (
    select * from {{ ref('stg_erp__close_tasks') }}
),

close_adjustments as (
    select * from {{ ref('stg_erp__close_adjustments') }}
),

legal_entity_timezones as (
    select * from {{ ref('int_legal_entity_timezones') }}
),

entity_deliveries as (
    select * from {{ ref('int_entity_deliveries') }}
),

close_target as (
    select
        direction,
        cast(target as {{ type_double() }}) as close_days_target,
        cast(red_threshold as {{ type_double() }}) as close_days_red_threshold
    from {{ ref('stg_reference__kpi_targets') }}
    where kpi = 'days_to_close'
),

deliveries as (
    select
        coalesce(sum(case when entity in ('close_tasks', 'sites') and is_delivered then 1 else 0 end), 0) = 2
            as is_close_delivered,
        coalesce(sum(case when entity = 'close_adjustments' and is_delivered then 1 else 0 end), 0) = 1
            as is_adjustments_delivered
    from entity_deliveries
),

period_tasks as (
    select
        legal_entity,
        period,
        count(*) as task_count,
        count(completed_at) as completed_task_count,
        sum(case when completed_at <= due_at then 1 else 0 end) as on_time_task_count,
        max(completed_at) as last_completed_at
    from close_tasks
    group by legal_entity, period
),

periods as (
    select
        period_tasks.legal_entity,
        period_tasks.period,
        {{ period_start_date('period_tasks.period') }} as period_start_date,
        cast({{ dbt.last_day(period_start_date('period_tasks.period'), 'month') }} as date) as period_end_date,
        period_tasks.task_count,
        period_tasks.on_time_task_count,
        period_tasks.completed_task_count = period_tasks.task_count as is_closed,
        case
            when period_tasks.completed_task_count = period_tasks.task_count
                then period_tasks.last_completed_at
        end as closed_at,
        legal_entity_timezones.timezone
    from period_tasks
    left join legal_entity_timezones on period_tasks.legal_entity = legal_entity_timezones.legal_entity
),

period_close_days as (
    select
        legal_entity,
        period,
        period_start_date,
        period_end_date,
        task_count,
        on_time_task_count,
        is_closed,
        closed_at,
        {{ days_between('period_end_date', local_date('closed_at', 'timezone')) }} as close_days  -- noqa: LT05
    from periods
),

adjustments_after_close as (
    select
        period_close_days.legal_entity,
        period_close_days.period,
        count(close_adjustments.adjustment_id) as post_close_adjustments
    from period_close_days
    left join close_adjustments
        on
            period_close_days.legal_entity = close_adjustments.legal_entity
            and period_close_days.period = close_adjustments.period
            and period_close_days.closed_at < close_adjustments.posted_at
    where period_close_days.is_closed
    group by period_close_days.legal_entity, period_close_days.period
),

{# This and the 5 previous calendar months of the same legal entity: months without a close, or still
    open, add no value. -#}
close_days_history as (
    select
        period_close_days.legal_entity,
        period_close_days.period,
        count(history.close_days) as close_days_values,
        stddev_samp(history.close_days) as close_days_stddev
    from period_close_days
    left join period_close_days as history
        on
            period_close_days.legal_entity = history.legal_entity
            and period_close_days.period_start_date >= history.period_start_date
            and {{ add_months('period_close_days.period_start_date', -5) }} <= history.period_start_date
    group by period_close_days.legal_entity, period_close_days.period
),

final as (
    select
        period_close_days.legal_entity,
        period_close_days.period,
        period_close_days.close_days,
        cast(period_close_days.on_time_task_count as {{ type_double() }})
        / period_close_days.task_count as on_time_task_rate,
        case
            when deliveries.is_adjustments_delivered then adjustments_after_close.post_close_adjustments
        end as post_close_adjustments,
        case
            when close_days_history.close_days_values >= 3
                then cast(close_days_history.close_days_stddev as {{ type_double() }})
        end as close_days_stddev_6,
        period_close_days.period_end_date,
        period_close_days.is_closed,
        period_close_days.closed_at,
        period_close_days.task_count,
        period_close_days.on_time_task_count,
        period_close_days.task_count - period_close_days.on_time_task_count as late_task_count,
        close_target.close_days_target,
        close_target.close_days_red_threshold,
        {{ rag_status(
            'period_close_days.close_days',
            'close_target.direction',
            'close_target.close_days_target',
            'close_target.close_days_red_threshold',
        ) }} as close_status
    from period_close_days
    cross join deliveries
    left join close_target on 1 = 1
    left join adjustments_after_close
        on
            period_close_days.legal_entity = adjustments_after_close.legal_entity
            and period_close_days.period = adjustments_after_close.period
    inner join close_days_history
        on
            period_close_days.legal_entity = close_days_history.legal_entity
            and period_close_days.period = close_days_history.period
    where deliveries.is_close_delivered
)

select * from final
