{#- Per site, ISO week (Monday start) and KPI: the week's value - sum of numerators over sum of
    denominators for additive KPIs, the last day's with a row for level KPIs; days after the site's last
    calendar day are left out - with its target and RAG
    status. RAG by direction (the rag_status macro); no status without a target. -#}
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
        coalesce(kpi_definitions.is_level, false) as is_level
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

weekly as (
    select
        site_id,
        kpi,
        week_start_date,
        max(kpi_date) as last_kpi_date,
        count(*) as days_with_value,
        sum(case when not is_level or day_rank_from_week_end = 1 then numerator end) as numerator,
        sum(case when not is_level or day_rank_from_week_end = 1 then denominator end) as denominator
    from ranked_days
    group by site_id, kpi, week_start_date
),

final as (
    select
        weekly.site_id,
        weekly.kpi,
        weekly.week_start_date,
        {{ add_days('weekly.week_start_date', 6) }} as week_end_date,
        {{ iso_week_label('weekly.week_start_date') }} as iso_week,
        weekly.last_kpi_date,
        weekly.days_with_value,
        weekly.numerator,
        weekly.denominator,
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
            'kpi_targets.amber_threshold',
            'kpi_targets.red_threshold',
        ) }} as rag_status
    from weekly
    left join kpi_targets on weekly.kpi = kpi_targets.kpi
)

select * from final
