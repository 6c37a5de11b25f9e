{#- marts.adoption_by_role: per site, ISO week (of site-local days) and role, the users of the role provisioned on
    the week's last day of the site calendar (marts.provisioned_users_by_role: the user KPIs' denominator rule),
    those of the role who used the new ERP that week (any usage event through ui or api), the transaction codes
    they used there, and the role's events through the new ERP and spreadsheet round-trips; is_live when the site
    went live by the week's end. Users of an unknown
    role are left out. The Adoption page's "Adoption by role" reads it and suppresses every site-role group of
    fewer than 5 provisioned users (dashboards/queries/privacy.py) before anything is shown. A plain table: a
    small weekly aggregate of int_user_transactions_daily (the scoped model) and the role counts. No user is
    named. -#}
with

user_transactions as (
    select * from {{ ref('int_user_transactions_daily') }}
),

provisioned_by_role as (
    select * from {{ ref('provisioned_users_by_role') }}
),

calendar as (
    select * from {{ ref('int_site_calendar') }}
),

sites as (
    select * from {{ ref('stg_erp__sites') }}
),

site_weeks as (
    select
        site_id,
        {{ iso_week_start('calendar_date') }} as week_start_date,
        max(calendar_date) as last_calendar_date
    from calendar
    group by site_id, {{ iso_week_start('calendar_date') }}
),

provisioned as (
    select
        site_weeks.site_id,
        site_weeks.week_start_date,
        provisioned_by_role.role,
        provisioned_by_role.provisioned_users
    from site_weeks
    inner join provisioned_by_role
        on
            site_weeks.site_id = provisioned_by_role.site_id
            and site_weeks.last_calendar_date = provisioned_by_role.calendar_date
),

usage_by_role as (
    select
        site_id,
        {{ iso_week_start('activity_date') }} as week_start_date,
        role,
        count(distinct case when new_erp_events > 0 then user_id end) as active_users,
        count(distinct case when new_erp_events > 0 then transaction_code end) as transaction_codes_used,
        cast(sum(new_erp_events) as {{ dbt.type_bigint() }}) as new_erp_events,
        cast(sum(spreadsheet_events) as {{ dbt.type_bigint() }}) as spreadsheet_events
    from user_transactions
    where not has_unknown_role
    group by site_id, {{ iso_week_start('activity_date') }}, role
),

site_week_roles as (
    select
        site_id,
        week_start_date,
        role
    from provisioned
    union
    select
        site_id,
        week_start_date,
        role
    from usage_by_role
),

final as (
    select
        site_week_roles.site_id,
        sites.site_name,
        sites.rollout_wave,
        {{ iso_week_label('site_week_roles.week_start_date') }} as iso_week,
        site_week_roles.week_start_date,
        site_week_roles.role,
        coalesce(sites.go_live_date <= {{ add_days('site_week_roles.week_start_date', 6) }}, false) as is_live,
        coalesce(provisioned.provisioned_users, 0) as provisioned_users,
        coalesce(usage_by_role.active_users, 0) as active_users,
        coalesce(usage_by_role.transaction_codes_used, 0) as transaction_codes_used,
        coalesce(usage_by_role.new_erp_events, 0) as new_erp_events,
        coalesce(usage_by_role.spreadsheet_events, 0) as spreadsheet_events
    from site_week_roles
    inner join sites on site_week_roles.site_id = sites.site_id
    left join provisioned
        on
            site_week_roles.site_id = provisioned.site_id
            and site_week_roles.week_start_date = provisioned.week_start_date
            and site_week_roles.role = provisioned.role
    left join usage_by_role
        on
            site_week_roles.site_id = usage_by_role.site_id
            and site_week_roles.week_start_date = usage_by_role.week_start_date
            and site_week_roles.role = usage_by_role.role
)

select * from final
