{#- marts.kpi_detail_exceptions: the exceptions behind exception_backlog and exception_backlog_aged, one row
    per exception with the site-local days it is open at the day's end and aged (int_exception_open_dates):
    on day D it is in the backlog when open_from_date <= D < open_until_date (open_until_date null while
    open) and in the aged backlog when also aged_from_date <= D. One row per exception rather than per
    exception and day: a long-open exception would otherwise repeat on every day. -#}
with

exception_open_dates as (
    select * from {{ ref('int_exception_open_dates') }}
),

final as (
    select
        site_id,
        exception_id,
        exception_type,
        severity,
        order_id,
        opened_at,
        resolved_at,
        open_from_date,
        open_until_date,
        aged_from_date
    from exception_open_dates
    where open_from_date is not null
)

select * from final
