{#- Per site, ISO week (Monday start) and KPI: the week's value - sum of numerators over sum of
    denominators for additive KPIs, the last day's with a row for level KPIs; days after the site's last
    calendar day are left out - with its target, red threshold and status (the rag_status macro: green at
    or better than target, amber up to red_threshold, red beyond; not_live for a KPI that needs the new
    system at a site not live by the week's end; no status without a target). -#}
with

kpi_daily as (
    select * from {{ ref('kpi_daily') }}
),

kpi_definitions as (
    select * from {{ ref('kpi_definitions') }}
),

kpi_targets as (
    select * from {{ ref('stg_reference__kpi_targets') }}
),

calendar as (
    select * from {{ ref('int_site_calendar') }}
),

sites as (
    select * from {{ ref('stg_erp__sites') }}
),

{# Days after a site's last calendar day have not happened in its data yet (a requested_ship_date can lie
    ahead): the scorecard shows only days up to it. -#}
site_last_dates as (
    select
        site_id,
        max(calendar_date) as last_date
    from calendar
    group by site_id
),

weekly_days as (
    select
        kpi_daily.site_id,
        kpi_daily.kpi,
        kpi_daily.kpi_date,
        kpi_daily.numerator,
        kpi_daily.denominator,
        {{ iso_week_start('kpi_daily.kpi_date') }} as week_start_date,
        coalesce(kpi_definitions.is_level, false) as is_level,
        coalesce(kpi_definitions.needs_go_live, false) as needs_go_live
    from kpi_daily
    inner join site_last_dates on kpi_daily.site_id = site_last_dates.site_id
    left join kpi_definitions on kpi_daily.kpi = kpi_definitions.kpi
    where kpi_daily.kpi_date <= site_last_dates.last_date
),

ranked_days as (
    select
        *,
        row_number() over (
            partition by site_id, kpi, week_start_date
            order by kpi_date desc
        ) as day_rank_from_week_end
    from weekly_days
),

weekly_sums as (
    select
        site_id,
        kpi,
        week_start_date,
        max(kpi_date) as last_kpi_date,
        count(*) as days_with_value,
        bool_or(needs_go_live) as needs_go_live,
        sum(case when not is_level or day_rank_from_week_end = 1 then numerator end) as numerator,
        sum(case when not is_level or day_rank_from_week_end = 1 then denominator end) as denominator
    from ranked_days
    group by site_id, kpi, week_start_date
),

weekly as (
    select
        weekly_sums.*,
        {{ add_days('weekly_sums.week_start_date', 6) }} as week_end_date,
        weekly_sums.needs_go_live
        and not coalesce(sites.go_live_date <= {{ add_days('weekly_sums.week_start_date', 6) }}, false)
            as is_before_go_live
    from weekly_sums
    left join sites on weekly_sums.site_id = sites.site_id
),

final as (
    select
        weekly.site_id,
        weekly.kpi,
        weekly.week_start_date,
        weekly.week_end_date,
        {{ iso_week_label('weekly.week_start_date') }} as iso_week,
        weekly.last_kpi_date,
        weekly.days_with_value,
        weekly.numerator,
        weekly.denominator,
        weekly.needs_go_live,
        weekly.is_before_go_live,
        -- value and target: the names kpi_daily and kpi_targets use
        weekly.numerator / weekly.denominator as value,  -- noqa: RF04
        kpi_targets.direction,
        cast(kpi_targets.target as {{ type_double() }}) as target,  -- noqa: RF04
        cast(kpi_targets.amber_threshold as {{ type_double() }}) as amber_threshold,
        cast(kpi_targets.red_threshold as {{ type_double() }}) as red_threshold,
        case
            when kpi_targets.direction = 'higher'
                then weekly.numerator / weekly.denominator >= kpi_targets.target
            when kpi_targets.direction = 'lower'
                then weekly.numerator / weekly.denominator <= kpi_targets.target
        end as is_on_target,
        {{ rag_status(
            'weekly.numerator / weekly.denominator',
            'kpi_targets.direction',
            'kpi_targets.target',
            'kpi_targets.red_threshold',
            'weekly.is_before_go_live',
        ) }} as rag_status
    from weekly
    left join kpi_targets on weekly.kpi = kpi_targets.kpi
)

select * from final
