{#- marts.provisioned_users_by_role: per site, site calendar day (int_site_calendar) and role, the users
    provisioned that day by the rule of the user KPIs' denominators (int_users_provisioned_daily: provisioned_date
    <= day and deactivated_date null or later), users of an unknown role left out. The Adoption page's "Users by
    role" reads it and suppresses groups of fewer than 5 users; no user is named. A site-day and role without a
    provisioned user has no row. -#}
with

users as (
    select * from {{ ref('stg_erp__users') }}
),

sites as (
    select * from {{ ref('stg_erp__sites') }}
),

calendar as (
    select * from {{ ref('int_site_calendar') }}
),

provisioned_days as (
    select
        calendar.site_id,
        calendar.calendar_date,
        users.role
    from calendar
    inner join users
        on
            calendar.site_id = users.site_id
            and calendar.calendar_date >= users.provisioned_date
            and (users.deactivated_date is null or calendar.calendar_date < users.deactivated_date)
    where not users.has_unknown_role
),

final as (
    select
        provisioned_days.site_id,
        sites.site_name,
        provisioned_days.calendar_date,
        provisioned_days.role,
        count(*) as provisioned_users
    from provisioned_days
    inner join sites on provisioned_days.site_id = sites.site_id
    group by provisioned_days.site_id, sites.site_name, provisioned_days.calendar_date, provisioned_days.role
)

select * from final
