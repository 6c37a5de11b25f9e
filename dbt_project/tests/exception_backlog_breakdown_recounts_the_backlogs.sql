{{ config(meta={"dagster": {"ref": {"name": "exception_backlog_breakdown"}}}) }}
{#- The breakdown of every site-day re-counts the exception backlogs in kpi_daily: its open exceptions sum
    to exception_backlog, those of its aged bands (is_aged) to exception_backlog_aged, and it has no site-day
    that kpi_daily lacks. Returns the site-days that disagree. -#}
with

kpi_daily as (
    select * from {{ ref('kpi_daily') }}
    where kpi in ('exception_backlog', 'exception_backlog_aged')
),

breakdown as (
    select * from {{ ref('exception_backlog_breakdown') }}
),

breakdown_backlogs as (
    select
        site_id,
        kpi_date,
        'exception_backlog' as kpi,
        sum(open_exceptions) as open_exceptions
    from breakdown
    group by site_id, kpi_date
    union all
    select
        site_id,
        kpi_date,
        'exception_backlog_aged' as kpi,
        sum(case when is_aged then open_exceptions else 0 end) as open_exceptions
    from breakdown
    group by site_id, kpi_date
),

compared as (
    select
        kpi_daily.numerator,
        coalesce(kpi_daily.site_id, breakdown_backlogs.site_id) as site_id,
        coalesce(kpi_daily.kpi_date, breakdown_backlogs.kpi_date) as kpi_date,
        coalesce(kpi_daily.kpi, breakdown_backlogs.kpi) as kpi,
        coalesce(breakdown_backlogs.open_exceptions, 0) as open_exceptions
    from kpi_daily
    full outer join breakdown_backlogs
        on
            kpi_daily.site_id = breakdown_backlogs.site_id
            and kpi_daily.kpi_date = breakdown_backlogs.kpi_date
            and kpi_daily.kpi = breakdown_backlogs.kpi
)

select *
from compared
where numerator is null or numerator <> open_exceptions
