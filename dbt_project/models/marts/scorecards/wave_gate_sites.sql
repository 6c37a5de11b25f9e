{#- marts.wave_gate_sites: per live site and ISO week, what the site says about the wave after its own
    (rules and thresholds in rollout_gate_rules() and docs/kpis.md "Rollout gates"): its red KPIs that week,
    its KPIs tracked for recovery and not yet recovered (a recovery counts once confirmed: recovered_on + 6
    days <= week end), and its verdict:
    - pause: >= pause_red_kpis_per_site red KPIs, or a KPI unrecovered more than pause_unrecovered_days
      after go-live;
    - hold: a red KPI, or a KPI unrecovered more than hold_unrecovered_days after go-live;
    - stable: otherwise.
    site_reason names the site and the KPIs that must improve; marts.wave_gates gates the next wave on it. -#}
{%- set rules = rollout_gate_rules() -%}
with

weekly_kpis as (
    select * from {{ ref('int_site_weekly_kpis') }}
),

site_weeks as (
    select * from {{ ref('int_site_weeks') }}
),

hypercare as (
    select * from {{ ref('hypercare_daily') }}
),

kpi_definitions as (
    select * from {{ ref('kpi_definitions') }}
),

live_site_weeks as (
    select
        site_id,
        site_name,
        rollout_wave,
        go_live_date,
        week_start_date,
        week_end_date,
        iso_week,
        days_since_go_live
    from site_weeks
    where is_live
),

red_kpis as (
    select
        weekly_kpis.site_id,
        weekly_kpis.week_start_date,
        count(*) as red_kpi_count,
        {{ listagg('coalesce(kpi_definitions.kpi_name, weekly_kpis.kpi)', "', '", 'order by weekly_kpis.kpi') }}
            as red_kpis
    from weekly_kpis
    left join kpi_definitions on weekly_kpis.kpi = kpi_definitions.kpi
    where weekly_kpis.rag_status = 'red'
    group by weekly_kpis.site_id, weekly_kpis.week_start_date
),

site_kpi_recoveries as (
    select distinct
        site_id,
        kpi,
        recovered_on
    from hypercare
    where is_recovery_tracked
),

unrecovered_kpis as (
    select
        live_site_weeks.site_id,
        live_site_weeks.week_start_date,
        count(*) as unrecovered_kpi_count,
        {{ listagg(
            'coalesce(kpi_definitions.kpi_name, site_kpi_recoveries.kpi)', "', '", 'order by site_kpi_recoveries.kpi'
        ) }} as unrecovered_kpis
    from live_site_weeks
    inner join site_kpi_recoveries on live_site_weeks.site_id = site_kpi_recoveries.site_id
    left join kpi_definitions on site_kpi_recoveries.kpi = kpi_definitions.kpi
    where
        site_kpi_recoveries.recovered_on is null
        or {{ add_days('site_kpi_recoveries.recovered_on', 6) }} > live_site_weeks.week_end_date
    group by live_site_weeks.site_id, live_site_weeks.week_start_date
),

judged_site_weeks as (
    select
        live_site_weeks.*,
        red_kpis.red_kpis,
        unrecovered_kpis.unrecovered_kpis,
        coalesce(red_kpis.red_kpi_count, 0) as red_kpi_count,
        coalesce(unrecovered_kpis.unrecovered_kpi_count, 0) as unrecovered_kpi_count,
        case
            when unrecovered_kpis.unrecovered_kpi_count > 0 then live_site_weeks.days_since_go_live
        end as longest_days_unrecovered
    from live_site_weeks
    left join red_kpis
        on
            live_site_weeks.site_id = red_kpis.site_id
            and live_site_weeks.week_start_date = red_kpis.week_start_date
    left join unrecovered_kpis
        on
            live_site_weeks.site_id = unrecovered_kpis.site_id
            and live_site_weeks.week_start_date = unrecovered_kpis.week_start_date
),

verdicts as (
    select
        *,
        case
            when red_kpi_count >= {{ rules['pause_red_kpis_per_site'] }} then 'pause'
            when longest_days_unrecovered > {{ rules['pause_unrecovered_days'] }} then 'pause'
            when red_kpi_count > 0 then 'hold'
            when longest_days_unrecovered > {{ rules['hold_unrecovered_days'] }} then 'hold'
            else 'stable'
        end as site_verdict,
        case
            when red_kpi_count > 0
                then cast(red_kpi_count as {{ dbt.type_string() }}) || ' red (' || red_kpis || ')'
        end as red_part,
        case
            when longest_days_unrecovered > {{ rules['hold_unrecovered_days'] }}
                then
                    cast(unrecovered_kpi_count as {{ dbt.type_string() }}) || ' not recovered '
                    || cast(longest_days_unrecovered as {{ dbt.type_string() }}) || ' days after go-live ('
                    || unrecovered_kpis || ')'
        end as unrecovered_part
    from judged_site_weeks
),

final as (
    select
        site_id,
        site_name,
        rollout_wave,
        go_live_date,
        week_start_date,
        week_end_date,
        iso_week,
        days_since_go_live,
        red_kpi_count,
        red_kpis,
        unrecovered_kpi_count,
        unrecovered_kpis,
        longest_days_unrecovered,
        site_verdict,
        case
            when site_verdict <> 'stable'
                then
                    site_name || ' (' || site_id || '): '
                    || coalesce(red_part || '; ' || unrecovered_part, red_part, unrecovered_part)
        end as site_reason
    from verdicts
)

select * from final
