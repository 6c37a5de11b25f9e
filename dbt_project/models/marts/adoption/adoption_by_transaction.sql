{#- marts.adoption_by_transaction: per site, ISO week (of site-local days) and transaction code, the site's users
    who used the code that week against the site's active users of the week (any code), and the code's events,
    those through the new ERP (ui, api) and those that were spreadsheet round-trips (export, import). The Adoption
    page's "Adoption by transaction" reads it. A plain table: a small weekly aggregate of
    int_user_transactions_daily, which is the scoped model over the usage events. No user is named. -#}
with

user_transactions as (
    select * from {{ ref('int_user_transactions_daily') }}
),

sites as (
    select * from {{ ref('stg_erp__sites') }}
),

weekly_user_transactions as (
    select
        site_id,
        {{ iso_week_start('activity_date') }} as week_start_date,
        {{ iso_week_label('activity_date') }} as iso_week,
        user_id,
        transaction_code,
        events,
        new_erp_events,
        spreadsheet_events
    from user_transactions
),

site_weeks as (
    select
        site_id,
        week_start_date,
        count(distinct user_id) as active_users
    from weekly_user_transactions
    group by site_id, week_start_date
),

transaction_weeks as (
    select
        site_id,
        week_start_date,
        iso_week,
        transaction_code,
        count(distinct user_id) as transaction_users,
        cast(sum(events) as {{ dbt.type_bigint() }}) as events,
        cast(sum(new_erp_events) as {{ dbt.type_bigint() }}) as new_erp_events,
        cast(sum(spreadsheet_events) as {{ dbt.type_bigint() }}) as spreadsheet_events
    from weekly_user_transactions
    group by site_id, week_start_date, iso_week, transaction_code
),

final as (
    select
        transaction_weeks.site_id,
        sites.site_name,
        sites.rollout_wave,
        transaction_weeks.iso_week,
        transaction_weeks.week_start_date,
        transaction_weeks.transaction_code,
        transaction_weeks.transaction_users,
        site_weeks.active_users,
        cast(transaction_weeks.transaction_users as {{ type_double() }})
        / site_weeks.active_users as user_share,
        transaction_weeks.events,
        transaction_weeks.new_erp_events,
        transaction_weeks.spreadsheet_events,
        cast(transaction_weeks.new_erp_events as {{ type_double() }})
        / transaction_weeks.events as new_erp_share
    from transaction_weeks
    inner join site_weeks
        on
            transaction_weeks.site_id = site_weeks.site_id
            and transaction_weeks.week_start_date = site_weeks.week_start_date
    inner join sites on transaction_weeks.site_id = sites.site_id
)

select * from final
