{#- Daily exception_backlog and exception_backlog_aged per site: level KPIs with denominator 1 on every
    calendar day of the site. -#}
with

open_exceptions as (
    select * from {{ ref('int_open_exceptions_daily') }}
),

exception_backlog as (
    select
        site_id,
        calendar_date as kpi_date,
        'exception_backlog' as kpi,
        open_exceptions as numerator,
        1 as denominator
    from open_exceptions
),

exception_backlog_aged as (
    select
        site_id,
        calendar_date as kpi_date,
        'exception_backlog_aged' as kpi,
        open_exceptions_aged as numerator,
        1 as denominator
    from open_exceptions
),

unioned as (
    select * from exception_backlog
    union all
    select * from exception_backlog_aged
),

final as (
    select
        site_id,
        kpi_date,
        kpi,
        cast(numerator as {{ type_double() }}) as numerator,
        cast(denominator as {{ type_double() }}) as denominator
    from unioned
)

select * from final
