{#- marts.wave_gates: per rollout wave and ISO week, whether the wave may go live (proceed / hold / pause),
    judged on the live sites of the previous wave that week (rules and thresholds in rollout_gate_rules()
    and docs/kpis.md "Rollout gates"):
    - pause: a live site of the previous wave has >= pause_red_kpis_per_site red KPIs in the week, or a KPI of
      it (with a baseline) is unrecovered more than pause_unrecovered_days after its go-live;
    - hold: the previous wave has no live site yet, or one of its live sites has a red KPI in the week, or a
      KPI unrecovered more than hold_unrecovered_days after its go-live;
    - proceed: otherwise; the first wave always proceeds (it has no previous wave to learn from).
    A KPI counts as recovered in a week once its recovery is confirmed: recovered_on + 6 days <= week end. -#}
{%- set rules = rollout_gate_rules() -%}
with

waves as (
    select * from {{ ref('int_rollout_waves') }}
),

weekly_kpis as (
    select * from {{ ref('int_site_weekly_kpis') }}
),

sites as (
    select * from {{ ref('stg_erp__sites') }}
),

hypercare as (
    select * from {{ ref('hypercare_daily') }}
),

weeks as (
    select distinct
        week_start_date,
        week_end_date,
        iso_week
    from weekly_kpis
),

previous_wave_live_sites as (
    select
        waves.rollout_wave,
        weeks.week_start_date,
        weeks.week_end_date,
        sites.site_id,
        sites.go_live_date
    from waves
    cross join weeks
    inner join sites
        on
            waves.previous_rollout_wave = sites.rollout_wave
            and weeks.week_end_date >= sites.go_live_date
),

site_red_kpis as (
    select
        site_id,
        week_start_date,
        count(*) as red_kpis
    from weekly_kpis
    where rag_status = 'red'
    group by site_id, week_start_date
),

site_kpi_recoveries as (
    select distinct
        site_id,
        kpi,
        go_live_date,
        recovered_on
    from hypercare
    where baseline is not null
),

unrecovered_kpis as (
    select
        previous_wave_live_sites.rollout_wave,
        previous_wave_live_sites.week_start_date,
        count(*) as unrecovered_kpis,
        max({{ days_between('site_kpi_recoveries.go_live_date', 'previous_wave_live_sites.week_end_date') }})
            as longest_days_unrecovered
    from previous_wave_live_sites
    inner join site_kpi_recoveries on previous_wave_live_sites.site_id = site_kpi_recoveries.site_id
    where
        site_kpi_recoveries.recovered_on is null
        or {{ add_days('site_kpi_recoveries.recovered_on', 6) }} > previous_wave_live_sites.week_end_date
    group by previous_wave_live_sites.rollout_wave, previous_wave_live_sites.week_start_date
),

red_kpis as (
    select
        previous_wave_live_sites.rollout_wave,
        previous_wave_live_sites.week_start_date,
        count(*) as live_sites,
        coalesce(sum(site_red_kpis.red_kpis), 0) as red_kpis,
        coalesce(max(site_red_kpis.red_kpis), 0) as most_red_kpis_at_one_site
    from previous_wave_live_sites
    left join site_red_kpis
        on
            previous_wave_live_sites.site_id = site_red_kpis.site_id
            and previous_wave_live_sites.week_start_date = site_red_kpis.week_start_date
    group by previous_wave_live_sites.rollout_wave, previous_wave_live_sites.week_start_date
),

wave_weeks as (
    select
        waves.rollout_wave,
        waves.wave_number,
        waves.previous_rollout_wave,
        weeks.week_start_date,
        weeks.week_end_date,
        weeks.iso_week,
        unrecovered_kpis.longest_days_unrecovered,
        coalesce(red_kpis.live_sites, 0) as previous_wave_live_sites,
        coalesce(red_kpis.red_kpis, 0) as previous_wave_red_kpis,
        coalesce(red_kpis.most_red_kpis_at_one_site, 0) as most_red_kpis_at_one_site,
        coalesce(unrecovered_kpis.unrecovered_kpis, 0) as previous_wave_unrecovered_kpis
    from waves
    cross join weeks
    left join red_kpis
        on
            waves.rollout_wave = red_kpis.rollout_wave
            and weeks.week_start_date = red_kpis.week_start_date
    left join unrecovered_kpis
        on
            waves.rollout_wave = unrecovered_kpis.rollout_wave
            and weeks.week_start_date = unrecovered_kpis.week_start_date
),

final as (
    select
        *,
        case
            when previous_rollout_wave is null then 'proceed'
            when most_red_kpis_at_one_site >= {{ rules['pause_red_kpis_per_site'] }} then 'pause'
            when longest_days_unrecovered > {{ rules['pause_unrecovered_days'] }} then 'pause'
            when previous_wave_live_sites = 0 then 'hold'
            when previous_wave_red_kpis > 0 then 'hold'
            when longest_days_unrecovered > {{ rules['hold_unrecovered_days'] }} then 'hold'
            else 'proceed'
        end as gate_status,
        case
            when previous_rollout_wave is null then 'first wave'
            when most_red_kpis_at_one_site >= {{ rules['pause_red_kpis_per_site'] }}
                then 'previous wave: a live site with {{ rules["pause_red_kpis_per_site"] }}+ red KPIs'
            when longest_days_unrecovered > {{ rules['pause_unrecovered_days'] }}
                then 'previous wave: a KPI unrecovered > {{ rules["pause_unrecovered_days"] }} days after go-live'
            when previous_wave_live_sites = 0 then 'previous wave: no live site yet'
            when previous_wave_red_kpis > 0 then 'previous wave: a live site with a red KPI'
            when longest_days_unrecovered > {{ rules['hold_unrecovered_days'] }}
                then 'previous wave: a KPI unrecovered > {{ rules["hold_unrecovered_days"] }} days after go-live'
            else 'previous wave: stable'
        end as gate_reason
    from wave_weeks
)

select * from final
