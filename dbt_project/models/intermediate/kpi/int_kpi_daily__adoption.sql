{#- Daily numerators and denominators of the adoption KPIs per site: active_user_rate,
    training_completion_rate, tickets_per_100_users and ticket_backlog on every calendar day of the site;
    spreadsheet_event_rate on the site-local date of each usage event (at its user's site). A usage event
    whose channel is an unknown code is out of spreadsheet_event_rate. -#}
with

calendar as (
    select * from {{ ref('int_site_calendar') }}
),

users_provisioned as (
    select * from {{ ref('int_users_provisioned_daily') }}
),

active_users as (
    select * from {{ ref('int_active_users_daily') }}
),

open_tickets as (
    select * from {{ ref('int_open_tickets_daily') }}
),

usage_events as (
    select * from {{ ref('stg_erp__usage_events') }}
),

users as (
    select * from {{ ref('stg_erp__users') }}
),

sites as (
    select * from {{ ref('stg_erp__sites') }}
),

active_user_rate as (
    select
        calendar.site_id,
        calendar.calendar_date as kpi_date,
        'active_user_rate' as kpi,
        coalesce(active_users.active_users_7_days, 0) as numerator,
        coalesce(users_provisioned.provisioned_users, 0) as denominator
    from calendar
    left join active_users
        on
            calendar.site_id = active_users.site_id
            and calendar.calendar_date = active_users.calendar_date
    left join users_provisioned
        on
            calendar.site_id = users_provisioned.site_id
            and calendar.calendar_date = users_provisioned.calendar_date
),

dated_usage_events as (
    select
        users.site_id,
        {{ local_date('usage_events.occurred_at', 'sites.timezone') }} as occurred_date,
        usage_events.channel in ('export', 'import') as is_spreadsheet_round_trip
    from usage_events
    inner join users on usage_events.user_id = users.user_id
    inner join sites on users.site_id = sites.site_id
    where not usage_events.has_unknown_channel
),

spreadsheet_event_rate as (
    select
        site_id,
        occurred_date as kpi_date,
        'spreadsheet_event_rate' as kpi,
        sum(case when is_spreadsheet_round_trip then 1 else 0 end) as numerator,
        count(*) as denominator
    from dated_usage_events
    group by site_id, occurred_date
),

training_completion_rate as (
    select
        site_id,
        calendar_date as kpi_date,
        'training_completion_rate' as kpi,
        provisioned_users_trained as numerator,
        provisioned_users_requiring_training as denominator
    from users_provisioned
),

tickets_per_100_users as (
    select
        calendar.site_id,
        calendar.calendar_date as kpi_date,
        'tickets_per_100_users' as kpi,
        coalesce(open_tickets.tickets_opened, 0) * 100 as numerator,
        coalesce(users_provisioned.provisioned_users, 0) as denominator
    from calendar
    left join open_tickets
        on
            calendar.site_id = open_tickets.site_id
            and calendar.calendar_date = open_tickets.calendar_date
    left join users_provisioned
        on
            calendar.site_id = users_provisioned.site_id
            and calendar.calendar_date = users_provisioned.calendar_date
),

ticket_backlog as (
    select
        site_id,
        calendar_date as kpi_date,
        'ticket_backlog' as kpi,
        open_tickets as numerator,
        1 as denominator
    from open_tickets
),

unioned as (
    select * from active_user_rate
    union all
    select * from spreadsheet_event_rate
    union all
    select * from training_completion_rate
    union all
    select * from tickets_per_100_users
    union all
    select * from ticket_backlog
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
