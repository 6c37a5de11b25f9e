{#- Per site and calendar day: the users provisioned that day (provisioned_date <= day and
    (deactivated_date null or > day)), those of them whose role has required courses, and those of these who
    had passed every required course by the end of the day. Dates are used as they are. Computed as running
    sums of daily changes; a change before the site's first calendar day counts from that first day. -#}
with

calendar as (
    select * from {{ ref('int_site_calendar') }}
),

users as (
    select * from {{ ref('int_user_training') }}
),

site_first_dates as (
    select
        site_id,
        min(calendar_date) as first_date
    from calendar
    group by site_id
),

{# A user deactivated on or before the day provisioned is never provisioned. -#}
provisioned_intervals as (
    select
        site_id,
        provisioned_date as provisioned_from_date,
        deactivated_date as provisioned_until_date,
        case when requires_training then 1 else 0 end as requires_training,
        case
            when requires_training and fully_trained_date is not null
                then {{ greatest_date('provisioned_date', 'fully_trained_date') }}
        end
            as trained_from_date
    from users
    where deactivated_date is null or deactivated_date > provisioned_date
),

daily_changes as (
    select
        site_id,
        provisioned_from_date as change_date,
        1 as provisioned_change,
        requires_training as requiring_training_change,
        0 as trained_change
    from provisioned_intervals
    union all
    select
        site_id,
        provisioned_until_date as change_date,
        -1 as provisioned_change,
        -requires_training as requiring_training_change,
        0 as trained_change
    from provisioned_intervals
    where provisioned_until_date is not null
    union all
    select
        site_id,
        trained_from_date as change_date,
        0 as provisioned_change,
        0 as requiring_training_change,
        1 as trained_change
    from provisioned_intervals
    where
        trained_from_date is not null
        and (provisioned_until_date is null or provisioned_until_date > trained_from_date)
    union all
    select
        site_id,
        provisioned_until_date as change_date,
        0 as provisioned_change,
        0 as requiring_training_change,
        -1 as trained_change
    from provisioned_intervals
    where
        trained_from_date is not null
        and provisioned_until_date > trained_from_date
),

changes_from_first_date as (
    select
        daily_changes.site_id,
        {{ greatest_date('daily_changes.change_date', 'site_first_dates.first_date') }} as change_date,
        sum(daily_changes.provisioned_change) as provisioned_change,
        sum(daily_changes.requiring_training_change) as requiring_training_change,
        sum(daily_changes.trained_change) as trained_change
    from daily_changes
    inner join site_first_dates on daily_changes.site_id = site_first_dates.site_id
    group by
        daily_changes.site_id,
        {{ greatest_date('daily_changes.change_date', 'site_first_dates.first_date') }}
),

running_totals as (
    select
        calendar.site_id,
        calendar.calendar_date,
        sum(coalesce(changes_from_first_date.provisioned_change, 0)) over (
            partition by calendar.site_id
            order by calendar.calendar_date
            rows between unbounded preceding and current row
        ) as provisioned_users,
        sum(coalesce(changes_from_first_date.requiring_training_change, 0)) over (
            partition by calendar.site_id
            order by calendar.calendar_date
            rows between unbounded preceding and current row
        ) as provisioned_users_requiring_training,
        sum(coalesce(changes_from_first_date.trained_change, 0)) over (
            partition by calendar.site_id
            order by calendar.calendar_date
            rows between unbounded preceding and current row
        ) as provisioned_users_trained
    from calendar
    left join changes_from_first_date
        on
            calendar.site_id = changes_from_first_date.site_id
            and calendar.calendar_date = changes_from_first_date.change_date
),

final as (
    select
        site_id,
        calendar_date,
        provisioned_users,
        provisioned_users_requiring_training,
        provisioned_users_trained
    from running_totals
)

select * from final
