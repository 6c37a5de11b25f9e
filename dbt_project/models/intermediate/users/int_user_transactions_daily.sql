{#- Per site, site-local day, user and transaction code: the user's usage events of that code that day, those
    through the new ERP (channel ui or api) and those that were spreadsheet round-trips (export or import), with
    the user's role. A usage event belongs to its user's site (as in int_active_users_daily); an event of a user
    missing from users, or whose channel is an unknown code, is left out (as in spreadsheet_event_rate). The input
    of the Adoption page's marts by transaction, by role and of the depth score.
    Scoped like int_active_users_daily (delete+insert): an incremental run recomputes the touched site-days
    (int_touched_site_days) and keeps the rest; a row's day is its own activity date, so no look-back. -#}
{{
    config(
        materialized='incremental' if incremental_models() else 'table',
        incremental_strategy='delete+insert',
        unique_key=['site_id', 'activity_date'],
        pre_hook="{{ delete_touched_site_days('site_id', 'activity_date') }}",
        on_schema_change='fail',
    )
}}
-- depends_on: {{ ref('int_touched_site_days') }}
with

usage_events as (
    select * from {{ ref('stg_erp__usage_events') }}
),

users as (
    select * from {{ ref('stg_erp__users') }}
),

sites as (
    select * from {{ ref('stg_erp__sites') }}
),

dated_usage_events as (
    select
        users.site_id,
        {{ local_date('usage_events.occurred_at', 'sites.timezone') }} as activity_date,
        usage_events.user_id,
        users.role,
        users.has_unknown_role,
        usage_events.transaction_code,
        usage_events.channel in ('ui', 'api') as is_new_erp,
        usage_events.channel in ('export', 'import') as is_spreadsheet_round_trip
    from usage_events
    inner join users on usage_events.user_id = users.user_id
    inner join sites on users.site_id = sites.site_id
    where not usage_events.has_unknown_channel
),

scoped_usage_events as (
    select * from dated_usage_events
    {%- if is_incremental() %}
    where {{ in_touched_site_days('dated_usage_events.site_id', 'dated_usage_events.activity_date') }}
    {%- endif %}
),

final as (
    select
        site_id,
        activity_date,
        user_id,
        role,
        has_unknown_role,
        transaction_code,
        count(*) as events,
        cast(sum(case when is_new_erp then 1 else 0 end) as {{ dbt.type_bigint() }}) as new_erp_events,
        cast(
            sum(case when is_spreadsheet_round_trip then 1 else 0 end) as {{ dbt.type_bigint() }}
        ) as spreadsheet_events
    from scoped_usage_events
    group by site_id, activity_date, user_id, role, has_unknown_role, transaction_code
)

select * from final
