{#- marts.adoption_depth: per site and ISO week (of site-local days), the depth score of the site's use of the new
    ERP (docs/kpis.md "Adoption depth score"; a project measure, not one of the contract KPIs):
      breadth   = transaction codes the site used through the new ERP (ui, api) that week
                  / transaction codes any site used through the new ERP that week
      frequency = user-days in the new ERP (a user with any such event on a site-local day)
                  / (users in the new ERP that week × days of the site calendar in that week)
      depth_score = breadth × frequency, from 0 to 1.
    A site-week without a user in the new ERP has no row; is_whole_week says whether the site calendar has all 7
    days of the week (a first or last week may be partial, where frequency reads high). The Adoption page's
    "Depth of use" shows whole weeks and hides a site-week with fewer than 5 users in the new ERP. A plain table: a small weekly aggregate of
    int_user_transactions_daily (the scoped model). No user is named. -#}
with

user_transactions as (
    select * from {{ ref('int_user_transactions_daily') }}
),

calendar as (
    select * from {{ ref('int_site_calendar') }}
),

sites as (
    select * from {{ ref('stg_erp__sites') }}
),

new_erp_use as (
    select
        site_id,
        activity_date,
        {{ iso_week_start('activity_date') }} as week_start_date,
        user_id,
        transaction_code
    from user_transactions
    where new_erp_events > 0
),

calendar_weeks as (
    select
        site_id,
        {{ iso_week_start('calendar_date') }} as week_start_date,
        count(*) as calendar_days
    from calendar
    group by site_id, {{ iso_week_start('calendar_date') }}
),

network_weeks as (
    select
        week_start_date,
        count(distinct transaction_code) as network_transaction_codes
    from new_erp_use
    group by week_start_date
),

user_days as (
    select distinct
        site_id,
        week_start_date,
        user_id,
        activity_date
    from new_erp_use
),

site_user_days as (
    select
        site_id,
        week_start_date,
        count(*) as user_days,
        count(distinct user_id) as new_erp_users
    from user_days
    group by site_id, week_start_date
),

site_transactions as (
    select
        site_id,
        week_start_date,
        count(distinct transaction_code) as transaction_codes_used
    from new_erp_use
    group by site_id, week_start_date
),

measures as (
    select
        site_user_days.site_id,
        site_user_days.week_start_date,
        site_transactions.transaction_codes_used,
        network_weeks.network_transaction_codes,
        site_user_days.new_erp_users,
        site_user_days.user_days,
        calendar_weeks.calendar_days,
        cast(site_transactions.transaction_codes_used as {{ type_double() }})
        / network_weeks.network_transaction_codes as breadth,  -- noqa: RF04
        cast(site_user_days.user_days as {{ type_double() }})
        / (site_user_days.new_erp_users * calendar_weeks.calendar_days) as frequency
    from site_user_days
    inner join site_transactions
        on
            site_user_days.site_id = site_transactions.site_id
            and site_user_days.week_start_date = site_transactions.week_start_date
    inner join network_weeks on site_user_days.week_start_date = network_weeks.week_start_date
    inner join calendar_weeks
        on
            site_user_days.site_id = calendar_weeks.site_id
            and site_user_days.week_start_date = calendar_weeks.week_start_date
),

final as (
    select
        measures.site_id,
        sites.site_name,
        sites.rollout_wave,
        {{ iso_week_label('measures.week_start_date') }} as iso_week,
        measures.week_start_date,
        measures.transaction_codes_used,
        measures.network_transaction_codes,
        measures.new_erp_users,
        measures.user_days,
        measures.calendar_days,
        measures.calendar_days = 7 as is_whole_week,
        measures.breadth,
        measures.frequency,
        measures.breadth * measures.frequency as depth_score
    from measures
    inner join sites on measures.site_id = sites.site_id
)

select * from final
