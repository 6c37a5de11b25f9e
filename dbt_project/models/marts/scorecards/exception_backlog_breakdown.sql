{#- marts.exception_backlog_breakdown: the exception_backlog KPI of each site-day broken down by exception
    type, severity and age. An exception counts on the site-local days it is open at the day's end, by the
    KPI's own rule (int_exception_open_dates: open_from_date <= kpi_date < open_until_date), on the days of
    the site's calendar as the KPI does (int_site_calendar). Its age is the elapsed time from opened_at to
    the day's end (local midnight starting the next day); it enters a band on the first local day whose end
    lies more than that many hours after opened_at, the way aged_from_date marks the aged backlog (more than
    72 hours), so the bands '3–7 days' and '> 7 days' (is_aged) are exactly exception_backlog_aged. A
    site-day without open exceptions has no row. -#}
with

exception_open_dates as (
    select * from {{ ref('int_exception_open_dates') }}
),

sites as (
    select * from {{ ref('stg_erp__sites') }}
),

calendar as (
    select * from {{ ref('int_site_calendar') }}
),

open_exceptions as (
    select
        exception_open_dates.site_id,
        exception_open_dates.exception_type,
        exception_open_dates.severity,
        exception_open_dates.open_from_date,
        exception_open_dates.open_until_date,
        exception_open_dates.aged_from_date,
        {{ local_date(dbt.dateadd('hour', 24, 'exception_open_dates.opened_at'), 'sites.timezone') }}
            as older_than_one_day_from_date,
        {{ local_date(dbt.dateadd('hour', 168, 'exception_open_dates.opened_at'), 'sites.timezone') }}
            as older_than_seven_days_from_date
    from exception_open_dates
    inner join sites on exception_open_dates.site_id = sites.site_id
    where exception_open_dates.open_from_date is not null
),

open_days as (
    select
        calendar.site_id,
        calendar.calendar_date as kpi_date,
        coalesce(open_exceptions.exception_type, 'unknown') as exception_type,
        coalesce(open_exceptions.severity, 'unknown') as severity,
        case
            when open_exceptions.older_than_seven_days_from_date <= calendar.calendar_date then '> 7 days'
            when open_exceptions.aged_from_date <= calendar.calendar_date then '3–7 days'
            when open_exceptions.older_than_one_day_from_date <= calendar.calendar_date then '1–3 days'
            else '< 1 day'
        end as age_band,
        coalesce(open_exceptions.aged_from_date <= calendar.calendar_date, false) as is_aged
    from calendar
    inner join open_exceptions
        on
            calendar.site_id = open_exceptions.site_id
            and calendar.calendar_date >= open_exceptions.open_from_date
            and (open_exceptions.open_until_date is null or calendar.calendar_date < open_exceptions.open_until_date)
),

final as (
    select
        site_id,
        kpi_date,
        exception_type,
        severity,
        age_band,
        is_aged,
        count(*) as open_exceptions
    from open_days
    group by site_id, kpi_date, exception_type, severity, age_band, is_aged
)

select * from final
