{#- marts.adoption_cohorts: per live site and whole week since its go-live (week 0 = go-live day to day 6), the
    numerator and denominator of active_user_rate on the week's last day (day offset 7 × week + 6): users active
    in the 7 site-local days to that day (int_active_users_daily) and users provisioned that day
    (int_users_provisioned_daily), the same inputs as the KPI in kpi_daily. Weeks whose last day is past the
    site's calendar are left out, so each row is a whole week. The Adoption page's "Ramp by wave" sums both over
    the sites of a wave on the same week-since-go-live axis. A plain table: a few rows per site. -#}
with

calendar as (
    select * from {{ ref('int_site_calendar') }}
),

active_users as (
    select * from {{ ref('int_active_users_daily') }}
),

users_provisioned as (
    select * from {{ ref('int_users_provisioned_daily') }}
),

sites as (
    select * from {{ ref('stg_erp__sites') }}
),

week_ends as (
    select
        calendar.site_id,
        sites.site_name,
        sites.rollout_wave,
        sites.go_live_date,
        calendar.calendar_date,
        {{ days_between('sites.go_live_date', 'calendar.calendar_date') }} as day_offset  -- noqa: LT05
    from calendar
    inner join sites on calendar.site_id = sites.site_id
    where
        sites.go_live_date is not null
        and calendar.calendar_date >= {{ add_days('sites.go_live_date', 6) }}
),

final as (
    select
        week_ends.site_id,
        week_ends.site_name,
        week_ends.rollout_wave,
        week_ends.go_live_date,
        cast((week_ends.day_offset - 6) / 7 as integer) as weeks_since_go_live,
        week_ends.day_offset,
        week_ends.calendar_date,
        coalesce(active_users.active_users_7_days, 0) as active_users_7_days,
        coalesce(users_provisioned.provisioned_users, 0) as provisioned_users
    from week_ends
    left join active_users
        on
            week_ends.site_id = active_users.site_id
            and week_ends.calendar_date = active_users.calendar_date
    left join users_provisioned
        on
            week_ends.site_id = users_provisioned.site_id
            and week_ends.calendar_date = users_provisioned.calendar_date
    where mod(week_ends.day_offset - 6, 7) = 0
)

select * from final
