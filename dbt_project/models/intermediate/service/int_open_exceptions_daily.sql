{#- Per site and calendar day: exceptions open at the end of the site-local day and those of them open for
    more than 72 hours (elapsed) at that instant, by the days each is open and aged
    (int_exception_open_dates). Counted as running sums of daily changes. -#}
with

calendar as (
    select * from {{ ref('int_site_calendar') }}
),

exception_open_dates as (
    select * from {{ ref('int_exception_open_dates') }}
),

site_first_dates as (
    select
        site_id,
        min(calendar_date) as first_date
    from calendar
    group by site_id
),

daily_changes as (
    select
        site_id,
        open_from_date as change_date,
        1 as open_change,
        0 as aged_change
    from exception_open_dates
    where open_from_date is not null
    union all
    select
        site_id,
        open_until_date as change_date,
        -1 as open_change,
        0 as aged_change
    from exception_open_dates
    where open_until_date is not null
    union all
    select
        site_id,
        aged_from_date as change_date,
        0 as open_change,
        1 as aged_change
    from exception_open_dates
    where aged_from_date is not null
    union all
    select
        site_id,
        open_until_date as change_date,
        0 as open_change,
        -1 as aged_change
    from exception_open_dates
    where aged_from_date is not null and open_until_date is not null
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
