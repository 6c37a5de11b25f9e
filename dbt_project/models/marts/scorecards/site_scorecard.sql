{#- marts.site_scorecard: per site, ISO week and KPI: the week's value (sum over sum; level KPIs the week's
    last day), target, red threshold and status (rag_status: green / amber / red / not_live), the change against the previous ISO week, and the gate of the site's
    rollout wave that week (marts.wave_gates). -#}
with

weekly_kpis as (
    select * from {{ ref('int_site_weekly_kpis') }}
),

sites as (
    select * from {{ ref('stg_erp__sites') }}
),

wave_gates as (
    select * from {{ ref('wave_gates') }}
),

with_previous_week as (
    select
        weekly_kpis.*,
        previous_week.value as previous_week_value,
        previous_week.rag_status as previous_week_rag_status
    from weekly_kpis
    left join weekly_kpis as previous_week
        on
            weekly_kpis.site_id = previous_week.site_id
            and weekly_kpis.kpi = previous_week.kpi
            and {{ add_days('weekly_kpis.week_start_date', -7) }} = previous_week.week_start_date
),

final as (
    select
        with_previous_week.site_id,
        sites.site_name,
        sites.region,
        sites.rollout_wave,
        sites.go_live_date,
        with_previous_week.iso_week,
        with_previous_week.week_start_date,
        with_previous_week.week_end_date,
        with_previous_week.kpi,
        with_previous_week.numerator,
        with_previous_week.denominator,
        with_previous_week.value,
        with_previous_week.direction,
        with_previous_week.target,
        with_previous_week.amber_threshold,
        with_previous_week.red_threshold,
        with_previous_week.is_on_target,
        with_previous_week.rag_status,
        with_previous_week.needs_go_live,
        with_previous_week.is_before_go_live,
        with_previous_week.previous_week_value,
        with_previous_week.previous_week_rag_status,
        wave_gates.gate_status,
        wave_gates.gate_reason,
        wave_gates.exit_state,
        coalesce(sites.go_live_date <= with_previous_week.week_end_date, false) as is_live,
        with_previous_week.value - with_previous_week.previous_week_value as change_vs_previous_week
    from with_previous_week
    inner join sites on with_previous_week.site_id = sites.site_id
    left join wave_gates
        on
            sites.rollout_wave = wave_gates.rollout_wave
            and with_previous_week.week_start_date = wave_gates.week_start_date
)

select * from final
