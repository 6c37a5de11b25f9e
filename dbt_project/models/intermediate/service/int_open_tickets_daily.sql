{#- Per site and calendar day: helpdesk tickets opened that site-local day, and tickets open at the end of
    the day (opened_at before the end of the day, resolved_at null or at/after it: open on the days
    [opened date, resolved date)). Counted as running sums of daily changes. -#}
with

calendar as (
    select * from {{ ref('int_site_calendar') }}
),

helpdesk_tickets as (
    select * from {{ ref('stg_erp__helpdesk_tickets') }}
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

ticket_dates as (
    select
        helpdesk_tickets.site_id,
        {{ local_date('helpdesk_tickets.opened_at', 'sites.timezone') }} as opened_date,
        {{ local_date('helpdesk_tickets.resolved_at', 'sites.timezone') }} as resolved_date
    from helpdesk_tickets
    inner join sites on helpdesk_tickets.site_id = sites.site_id
),

tickets_opened as (
    select
        site_id,
        opened_date,
        count(*) as tickets_opened
    from ticket_dates
    group by site_id, opened_date
),

daily_changes as (
    select
        site_id,
        opened_date as change_date,
        1 as open_change
    from ticket_dates
    where resolved_date is null or resolved_date > opened_date
    union all
    select
        site_id,
        resolved_date as change_date,
        -1 as open_change
    from ticket_dates
    where resolved_date > opened_date
),

changes_from_first_date as (
    select
        daily_changes.site_id,
        {{ greatest_date('daily_changes.change_date', 'site_first_dates.first_date') }} as change_date,
        sum(daily_changes.open_change) as open_change
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
        coalesce(tickets_opened.tickets_opened, 0) as tickets_opened,
        sum(coalesce(changes_from_first_date.open_change, 0)) over (
            partition by calendar.site_id
            order by calendar.calendar_date
            rows between unbounded preceding and current row
        ) as open_tickets
    from calendar
    left join tickets_opened
        on
            calendar.site_id = tickets_opened.site_id
            and calendar.calendar_date = tickets_opened.opened_date
    left join changes_from_first_date
        on
            calendar.site_id = changes_from_first_date.site_id
            and calendar.calendar_date = changes_from_first_date.change_date
)

select * from final
