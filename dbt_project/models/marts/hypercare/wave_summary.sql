{#- marts.wave_summary: one row per rollout wave: its sites and how many are live, its go-live dates, how many
    of its live sites' KPIs tracked for recovery (hypercare_daily.is_recovery_tracked) have recovered, and its
    worst site - the live site with the most unrecovered KPIs (ties: the longest days_to_recover, then
    site_id). -#}
with

waves as (
    select * from {{ ref('int_rollout_waves') }}
),

sites as (
    select * from {{ ref('stg_erp__sites') }}
),

hypercare as (
    select * from {{ ref('hypercare_daily') }}
),

site_kpi_recoveries as (
    select distinct
        site_id,
        kpi,
        rollout_wave,
        recovered_on,
        days_to_recover
    from hypercare
    where is_recovery_tracked
),

site_recoveries as (
    select
        site_id,
        rollout_wave,
        count(*) as kpis_tracked,
        count(recovered_on) as kpis_recovered,
        count(*) - count(recovered_on) as kpis_unrecovered,
        max(days_to_recover) as longest_days_to_recover
    from site_kpi_recoveries
    group by site_id, rollout_wave
),

ranked_sites as (
    select
        *,
        row_number() over (
            partition by rollout_wave
            order by kpis_unrecovered desc, coalesce(longest_days_to_recover, 0) desc, site_id
        ) as site_rank
    from site_recoveries
),

wave_recoveries as (
    select
        rollout_wave,
        sum(kpis_tracked) as kpis_tracked,
        sum(kpis_recovered) as kpis_recovered
    from site_recoveries
    group by rollout_wave
),

final as (
    select
        waves.rollout_wave,
        waves.wave_number,
        waves.previous_rollout_wave,
        waves.site_count,
        waves.live_site_count,
        waves.first_go_live_date,
        waves.last_go_live_date,
        coalesce(wave_recoveries.kpis_recovered, 0) as kpis_recovered,
        coalesce(wave_recoveries.kpis_tracked, 0) as kpis_tracked,
        cast(wave_recoveries.kpis_recovered as {{ type_double() }})
        / nullif(wave_recoveries.kpis_tracked, 0) as kpis_recovered_share,
        ranked_sites.site_id as worst_site_id,
        sites.site_name as worst_site_name,
        ranked_sites.kpis_unrecovered as worst_site_unrecovered_kpis
    from waves
    left join wave_recoveries on waves.rollout_wave = wave_recoveries.rollout_wave
    left join ranked_sites on waves.rollout_wave = ranked_sites.rollout_wave and ranked_sites.site_rank = 1
    left join sites on ranked_sites.site_id = sites.site_id
)

select * from final
