{#- Per site and calendar day: exceptions open at the end of the site-local day (opened_at before the end of
    the day and resolved_at null or at/after it) and those of them open for more than 72 hours (elapsed) at
    that instant. The end of day D is local midnight starting D + 1, so opened_at < end of D exactly when
    its local date is <= D: an exception is open on the days [opened date, resolved date) and aged from
    the local date of opened_at + 72 h. Counted as running sums of daily changes. -#}
with

calendar as (
    select * from {{ ref('int_site_calendar') }}
),

exceptions as (
    select * from {{ ref('stg_erp__exceptions') }}
),

sites as (
    select * from {{ ref('stg_erp__sites') }}
),

site_first_dates as (
    select
        site_id,
        min(calendar_date) as first_date
    from calendar
    group by site_id
),

exception_dates as (
    select
        exceptions.site_id,
        {{ local_date('exceptions.opened_at', 'sites.timezone') }} as opened_date,
        {{ local_date('exceptions.resolved_at', 'sites.timezone') }} as resolved_date,
        {{ local_date(dbt.dateadd('hour', 72, 'exceptions.opened_at'), 'sites.timezone') }} as aged_from_date
    from exceptions
    inner join sites on exceptions.site_id = sites.site_id
),

daily_changes as (
    select
        site_id,
        opened_date as change_date,
        1 as open_change,
        0 as aged_change
    from exception_dates
    where resolved_date is null or resolved_date > opened_date
    union all
    select
        site_id,
        resolved_date as change_date,
        -1 as open_change,
        0 as aged_change
    from exception_dates
    where resolved_date > opened_date
    union all
    select
        site_id,
        aged_from_date as change_date,
        0 as open_change,
        1 as aged_change
    from exception_dates
    where resolved_date is null or resolved_date > aged_from_date
    union all
    select
        site_id,
        resolved_date as change_date,
        0 as open_change,
        -1 as aged_change
    from exception_dates
    where resolved_date > aged_from_date
),

changes_from_first_date as (
    select
        daily_changes.site_id,
        {{ greatest_date('daily_changes.change_date', 'site_first_dates.first_date') }} as change_date,
        sum(daily_changes.open_change) as open_change,
        sum(daily_changes.aged_change) as aged_change
    from daily_changes
    inner join site_first_dates on daily_changes.site_id = site_first_dates.site_id
    group by
        daily_changes.site_id,
        {{ greatest_date('daily_changes.change_date', 'site_first_dates.first_date') }}
),

final as (
    select
        calendar.site_id,
        calendar.calendar_date,
        sum(coalesce(changes_from_first_date.open_change, 0)) over (
            partition by calendar.site_id
            order by calendar.calendar_date
            rows between unbounded preceding and current row
        ) as open_exceptions,
        sum(coalesce(changes_from_first_date.aged_change, 0)) over (
            partition by calendar.site_id
            order by calendar.calendar_date
            rows between unbounded preceding and current row
        ) as open_exceptions_aged
    from calendar
    left join changes_from_first_date
        on
            calendar.site_id = changes_from_first_date.site_id
            and calendar.calendar_date = changes_from_first_date.change_date
)

select * from final
