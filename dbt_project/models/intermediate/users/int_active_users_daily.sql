{#- Per site and calendar day: distinct users of the site (provisioned or not) with any usage event in the
    7 site-local days ending that day. A usage event belongs to its user's site; an event of a user missing
    from users belongs to no site. Incremental runs recompute the touched site-days, from the usage events of
    the 7 days before (int_touched_site_days). -#}
{{
    config(
        materialized='incremental' if incremental_models() else 'table',
        incremental_strategy='delete+insert',
        unique_key=['site_id', 'calendar_date'],
        pre_hook="{{ delete_touched_site_days('site_id', 'calendar_date') }}",
        on_schema_change='fail',
    )
}}
-- depends_on: {{ ref('int_touched_site_days') }}
with

calendar as (
    select * from {{ ref('int_site_calendar') }}
    {%- if is_incremental() %}
    where {{ in_touched_site_days('site_id', 'calendar_date') }}
    {%- endif %}
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

user_activity_dates as (
    select distinct
        users.site_id,
        usage_events.user_id,
        {{ local_date('usage_events.occurred_at', 'sites.timezone') }} as activity_date
    from usage_events
    inner join users on usage_events.user_id = users.user_id
    inner join sites on users.site_id = sites.site_id
    {%- if is_incremental() %}
    {# a site-local date is at least the UTC date less one day #}
    where {{ in_touched_site_days('users.site_id', 'cast(usage_events.occurred_at as date) + 7') }}
    {%- endif %}
),

active_users as (
    select
        calendar.site_id,
        calendar.calendar_date,
        count(distinct user_activity_dates.user_id) as active_users_7_days
    from calendar
    inner join user_activity_dates
        on
            calendar.site_id = user_activity_dates.site_id
            and calendar.calendar_date >= user_activity_dates.activity_date
            and calendar.calendar_date <= {{ add_days('user_activity_dates.activity_date', 6) }}
    group by calendar.site_id, calendar.calendar_date
),

final as (
    select
        calendar.site_id,
        calendar.calendar_date,
        coalesce(active_users.active_users_7_days, 0) as active_users_7_days
    from calendar
    left join active_users
        on
            calendar.site_id = active_users.site_id
            and calendar.calendar_date = active_users.calendar_date
)

select * from final
