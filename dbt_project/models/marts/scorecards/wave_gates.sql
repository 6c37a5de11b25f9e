{#- marts.wave_gates: per rollout wave and ISO week, whether the wave may go live, judged on the verdicts of
    the previous wave's live sites that week (marts.wave_gate_sites; rules and thresholds in
    rollout_gate_rules() and docs/kpis.md "Rollout gates"):
    - live: every site of the wave is live by the week's end - no gate; exit_state says whether the wave is
      still in hypercare (a site of its own with a hold or pause verdict) or has exited it;
    - proceed: the first wave (nothing to learn from yet), or no previous-wave site holds it;
    - pause: a live site of the previous wave has a pause verdict;
    - hold: the previous wave has no live site yet, or one of its live sites has a hold verdict.
    blocking_sites names the sites behind a hold or pause and gate_reason what must improve there; the
    previous wave's counts (live sites, red and unrecovered KPIs) are kept for the pages. -#}
with

waves as (
    select * from {{ ref('int_rollout_waves') }}
),

site_weeks as (
    select * from {{ ref('int_site_weeks') }}
),

gate_sites as (
    select * from {{ ref('wave_gate_sites') }}
),

wave_sites_live as (
    select
        rollout_wave,
        week_start_date,
        min(week_end_date) as week_end_date,
        min(iso_week) as iso_week,
        count(*) as site_count,
        count(case when is_live then 1 end) as live_site_count
    from site_weeks
    group by rollout_wave, week_start_date
),

previous_wave as (
    select
        waves.rollout_wave,
        gate_sites.week_start_date,
        count(*) as live_sites,
        sum(gate_sites.red_kpi_count) as red_kpis,
        max(gate_sites.red_kpi_count) as most_red_kpis_at_one_site,
        sum(gate_sites.unrecovered_kpi_count) as unrecovered_kpis,
        max(gate_sites.longest_days_unrecovered) as longest_days_unrecovered,
        count(case when gate_sites.site_verdict = 'pause' then 1 end) as pausing_sites,
        count(case when gate_sites.site_verdict = 'hold' then 1 end) as holding_sites,
        {{ listagg("case when gate_sites.site_verdict = 'pause' then gate_sites.site_name end", "', '",
            'order by gate_sites.site_id') }} as pausing_site_names,
        {{ listagg("case when gate_sites.site_verdict = 'hold' then gate_sites.site_name end", "', '",
            'order by gate_sites.site_id') }} as holding_site_names,
        {{ listagg("case when gate_sites.site_verdict = 'pause' then gate_sites.site_reason end", "'; '",
            'order by gate_sites.site_id') }} as pausing_reasons,
        {{ listagg("case when gate_sites.site_verdict = 'hold' then gate_sites.site_reason end", "'; '",
            'order by gate_sites.site_id') }} as holding_reasons
    from waves
    inner join gate_sites on waves.previous_rollout_wave = gate_sites.rollout_wave
    group by waves.rollout_wave, gate_sites.week_start_date
),

own_wave as (
    select
        rollout_wave,
        week_start_date,
        count(case when site_verdict <> 'stable' then 1 end) as sites_in_hypercare,
        {{ listagg("case when site_verdict <> 'stable' then site_reason end", "'; '", 'order by site_id') }}
            as hypercare_reasons
    from gate_sites
    group by rollout_wave, week_start_date
),

wave_weeks as (
    select
        waves.rollout_wave,
        waves.wave_number,
        waves.previous_rollout_wave,
        wave_sites_live.week_start_date,
        wave_sites_live.week_end_date,
        wave_sites_live.iso_week,
        previous_wave.longest_days_unrecovered,
        previous_wave.pausing_site_names,
        previous_wave.holding_site_names,
        previous_wave.pausing_reasons,
        previous_wave.holding_reasons,
        own_wave.hypercare_reasons,
        wave_sites_live.site_count,
        wave_sites_live.live_site_count,
        coalesce(previous_wave.live_sites, 0) as previous_wave_live_sites,
        coalesce(previous_wave.red_kpis, 0) as previous_wave_red_kpis,
        coalesce(previous_wave.most_red_kpis_at_one_site, 0) as most_red_kpis_at_one_site,
        coalesce(previous_wave.unrecovered_kpis, 0) as previous_wave_unrecovered_kpis,
        coalesce(previous_wave.pausing_sites, 0) as pausing_sites,
        coalesce(previous_wave.holding_sites, 0) as holding_sites,
        coalesce(own_wave.sites_in_hypercare, 0) as sites_in_hypercare
    from waves
    -- every wave has sites (int_rollout_waves), and every site a row for every week (int_site_weeks)
    inner join wave_sites_live on waves.rollout_wave = wave_sites_live.rollout_wave
    left join previous_wave
        on
            waves.rollout_wave = previous_wave.rollout_wave
            and wave_sites_live.week_start_date = previous_wave.week_start_date
    left join own_wave
        on
            waves.rollout_wave = own_wave.rollout_wave
            and wave_sites_live.week_start_date = own_wave.week_start_date
),

gated as (
    select
        *,
        case
            when site_count > 0 and live_site_count = site_count then 'live'
            when previous_rollout_wave is null then 'proceed'
            when pausing_sites > 0 then 'pause'
            when previous_wave_live_sites = 0 then 'hold'
            when holding_sites > 0 then 'hold'
            else 'proceed'
        end as gate_status
    from wave_weeks
),

final as (
    select
        *,
        case
            when gate_status = 'live' and sites_in_hypercare > 0 then 'in hypercare'
            when gate_status = 'live' then 'exited hypercare'
        end as exit_state,
        case
            when gate_status = 'pause' then pausing_site_names
            when gate_status = 'hold' then holding_site_names
        end as blocking_sites,
        case
            when gate_status = 'live' and sites_in_hypercare > 0 then 'live, in hypercare: ' || hypercare_reasons
            when gate_status = 'live' then 'live: every KPI recovered, none red'
            when previous_rollout_wave is null then 'first wave'
            when gate_status = 'pause' then 'previous wave ' || previous_rollout_wave || ': ' || pausing_reasons
            when previous_wave_live_sites = 0 then 'previous wave ' || previous_rollout_wave || ': no live site yet'
            when gate_status = 'hold' then 'previous wave ' || previous_rollout_wave || ': ' || holding_reasons
            else 'previous wave ' || previous_rollout_wave || ': stable'
        end as gate_reason
    from gated
)

select * from final
