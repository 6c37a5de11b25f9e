{#- One row per exception at a known site: the site-local days it is open at the end of the day and those
    it is aged (open for more than 72 elapsed hours) at that instant. The end of day D is local midnight
    starting D + 1, so opened_at < end of D exactly when its local date is <= D: an exception is open on
    the days [open_from_date, open_until_date) and aged on [aged_from_date, open_until_date), where
    open_until_date is the local date of resolved_at (null while open). An exception resolved on or before
    the day it opened is never open at a day's end (open_from_date null), one resolved before it aged is
    never aged (aged_from_date null). Read by the backlog KPIs and their drill-down. -#}
with

exceptions as (
    select * from {{ ref('stg_erp__exceptions') }}
),

sites as (
    select * from {{ ref('stg_erp__sites') }}
),

exception_dates as (
    select
        exceptions.exception_id,
        exceptions.site_id,
        exceptions.exception_type,
        exceptions.severity,
        exceptions.order_id,
        exceptions.opened_at,
        exceptions.resolved_at,
        {{ local_date('exceptions.opened_at', 'sites.timezone') }} as opened_date,
        {{ local_date('exceptions.resolved_at', 'sites.timezone') }} as resolved_date,
        {{ local_date(dbt.dateadd('hour', 72, 'exceptions.opened_at'), 'sites.timezone') }} as aged_date
    from exceptions
    inner join sites on exceptions.site_id = sites.site_id
),

final as (
    select
        exception_id,
        site_id,
        exception_type,
        severity,
        order_id,
        opened_at,
        resolved_at,
        case when resolved_date is null or resolved_date > opened_date then opened_date end as open_from_date,
        case when resolved_date > opened_date then resolved_date end as open_until_date,
        case when resolved_date is null or resolved_date > aged_date then aged_date end as aged_from_date
    from exception_dates
)

select * from final
