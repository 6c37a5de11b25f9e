{#- Every site and ISO week of the scorecards (int_site_weekly_kpis), with whether the site is live by the
    week's end and the days from its go-live to the week's end: the inputs of the rollout gate rule
    (docs/kpis.md "Rollout gates"). marts.wave_gate_sites judges the live site-weeks; marts.wave_gates counts
    each wave's sites and those of them live that week. -#}
with

weekly_kpis as (
    select * from {{ ref('int_site_weekly_kpis') }}
),

sites as (
    select * from {{ ref('stg_erp__sites') }}
),

weeks as (
    select distinct
        week_start_date,
        week_end_date,
        iso_week
    from weekly_kpis
),

final as (
    select
        sites.site_id,
        sites.site_name,
        sites.rollout_wave,
        sites.go_live_date,
        weeks.week_start_date,
        weeks.week_end_date,
        weeks.iso_week,
        coalesce(sites.go_live_date <= weeks.week_end_date, false) as is_live,
        case
            when sites.go_live_date <= weeks.week_end_date
                then {{ days_between('sites.go_live_date', 'weeks.week_end_date') }}
        end as days_since_go_live
    from sites
    cross join weeks
)

select * from final
