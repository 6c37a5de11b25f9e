{{ config(meta={"dagster": {"ref": {"name": "kpi_detail_exceptions"}}}) }}
{#- The drill-down rows of every site-day re-count the exception backlogs in kpi_daily: the exceptions of
    marts.kpi_detail_exceptions open at the end of the day number exception_backlog, those also aged
    exception_backlog_aged. Returns the site-days that disagree. -#}
with

kpi_daily as (
    select * from {{ ref('kpi_daily') }}
    where kpi in ('exception_backlog', 'exception_backlog_aged')
),

exceptions as (
    select * from {{ ref('kpi_detail_exceptions') }}
),

recounted as (
    select
        kpi_daily.site_id,
        kpi_daily.kpi_date,
        kpi_daily.kpi,
        kpi_daily.numerator,
        count(exceptions.exception_id) as open_exceptions
    from kpi_daily
    left join exceptions
        on
            kpi_daily.site_id = exceptions.site_id
            and kpi_daily.kpi_date >= exceptions.open_from_date
            and (exceptions.open_until_date is null or kpi_daily.kpi_date < exceptions.open_until_date)
            and (
                kpi_daily.kpi = 'exception_backlog'
                or kpi_daily.kpi_date >= exceptions.aged_from_date
            )
    group by kpi_daily.site_id, kpi_daily.kpi_date, kpi_daily.kpi, kpi_daily.numerator
)

select *
from recounted
where numerator <> open_exceptions
