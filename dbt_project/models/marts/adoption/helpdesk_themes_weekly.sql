{#- marts.helpdesk_themes_weekly: per site, ISO week (of site-local days) and ticket category, the help-desk
    tickets opened that week and in the four weeks before, against all the site's tickets of the same weeks: the
    category's share this week and over the previous four, and whether it is a rising theme (at least 3 tickets
    this week and a share at least 10 points above the previous four weeks'; docs/kpis.md "Help-desk themes").
    A category has a row in every week of the site calendar in which it had a ticket that week or in the four
    before. With the category's name (stg_reference__helpdesk_categories, else the code), the site's wave and
    the whole weeks from the ISO week of its go-live (negative before; null without a go-live date). The
    Adoption page's "Help-desk themes" reads it. A plain table over marts.helpdesk_tickets_by_category (itself a
    plain table): small. No user is named. -#}
with

tickets_by_category as (
    select * from {{ ref('helpdesk_tickets_by_category') }}
),

categories as (
    select * from {{ ref('stg_reference__helpdesk_categories') }}
),

calendar as (
    select * from {{ ref('int_site_calendar') }}
),

sites as (
    select
        *,
        {{ iso_week_start('go_live_date') }} as go_live_week_start_date
    from {{ ref('stg_erp__sites') }}
),

site_weeks as (
    select distinct
        site_id,
        {{ iso_week_start('calendar_date') }} as week_start_date
    from calendar
),

weekly_tickets as (
    select
        site_id,
        {{ iso_week_start('opened_date') }} as week_start_date,
        category,
        cast(sum(tickets) as {{ dbt.type_bigint() }}) as tickets
    from tickets_by_category
    group by site_id, {{ iso_week_start('opened_date') }}, category
),

week_offsets as (
    select 0 as week_offset
    union all
    select 1 as week_offset
    union all
    select 2 as week_offset
    union all
    select 3 as week_offset
    union all
    select 4 as week_offset
),

{# Each week's tickets counted in its own week (offset 0) and as "previous" in the four weeks after it. -#}
spread_tickets as (
    select
        weekly_tickets.site_id,
        {{ add_days('weekly_tickets.week_start_date', '7 * week_offsets.week_offset') }} as week_start_date,
        weekly_tickets.category,
        case when week_offsets.week_offset = 0 then weekly_tickets.tickets else 0 end as tickets,
        case when week_offsets.week_offset > 0 then weekly_tickets.tickets else 0 end as previous_tickets
    from weekly_tickets
    cross join week_offsets
),

category_weeks as (
    select
        spread_tickets.site_id,
        spread_tickets.week_start_date,
        spread_tickets.category,
        cast(sum(spread_tickets.tickets) as {{ dbt.type_bigint() }}) as tickets,
        cast(sum(spread_tickets.previous_tickets) as {{ dbt.type_bigint() }}) as previous_4_weeks_tickets
    from spread_tickets
    inner join site_weeks
        on
            spread_tickets.site_id = site_weeks.site_id
            and spread_tickets.week_start_date = site_weeks.week_start_date
    group by spread_tickets.site_id, spread_tickets.week_start_date, spread_tickets.category
),

site_totals as (
    select
        site_id,
        week_start_date,
        cast(sum(tickets) as {{ dbt.type_bigint() }}) as site_tickets,
        cast(sum(previous_4_weeks_tickets) as {{ dbt.type_bigint() }}) as previous_4_weeks_site_tickets
    from category_weeks
    group by site_id, week_start_date
),

shares as (
    select
        category_weeks.site_id,
        category_weeks.week_start_date,
        category_weeks.category,
        category_weeks.tickets,
        site_totals.site_tickets,
        category_weeks.previous_4_weeks_tickets,
        site_totals.previous_4_weeks_site_tickets,
        case
            when site_totals.site_tickets > 0
                then cast(category_weeks.tickets as {{ type_double() }}) / site_totals.site_tickets
        end as share,  -- noqa: RF04
        case
            when site_totals.previous_4_weeks_site_tickets > 0
                then
                    cast(category_weeks.previous_4_weeks_tickets as {{ type_double() }})
                    / site_totals.previous_4_weeks_site_tickets
        end as previous_4_weeks_share
    from category_weeks
    inner join site_totals
        on
            category_weeks.site_id = site_totals.site_id
            and category_weeks.week_start_date = site_totals.week_start_date
),

final as (
    select
        shares.site_id,
        sites.site_name,
        sites.rollout_wave,
        {{ iso_week_label('shares.week_start_date') }} as iso_week,
        shares.week_start_date,
        cast(
            {{ days_between('sites.go_live_week_start_date', 'shares.week_start_date') }} / 7 as integer  -- noqa: LT05
        ) as weeks_since_go_live,
        shares.category,
        coalesce(categories.category_name, shares.category) as category_name,
        shares.tickets,
        shares.site_tickets,
        shares.share,
        shares.previous_4_weeks_tickets,
        shares.previous_4_weeks_site_tickets,
        shares.previous_4_weeks_share,
        shares.share - coalesce(shares.previous_4_weeks_share, 0) as share_change,
        coalesce(
            shares.tickets >= 3 and shares.share - coalesce(shares.previous_4_weeks_share, 0) >= 0.10,
            false
        ) as is_rising
    from shares
    inner join sites on shares.site_id = sites.site_id
    left join categories on shares.category = categories.category
)

select * from final
