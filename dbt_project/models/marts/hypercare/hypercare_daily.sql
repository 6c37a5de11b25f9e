{#- marts.hypercare_daily: per live site (go_live_date not null), KPI and day - every day from 28 days
    before go-live (or the KPI's first day at the site, if later) to the KPI's last day there, at most the
    site's last calendar day, with or without a kpi_daily row: the daily value, the trailing 7-day value
    (sum over sum), the baseline (the 28 local days before go-live, sum over sum, level KPIs too), values
    relative to it, and when the KPI recovered (docs/kpis.md "Hypercare"): the first day at or after go-live
    from which the trailing 7-day value is within the recovery band of the baseline on that day and each of
    the 6 days after it. The band is the larger of recovery_tolerance x baseline (kpi_targets) and the KPI's
    recovery_min_tolerance (KPI dictionary, in its unit), so a near-zero baseline still has a band; a
    higher-is-better KPI whose baseline is 0 (nothing before go-live to fall from, e.g. users of a system
    not yet in use) is not tracked for recovery. -#}
with

kpi_daily as (
    select * from {{ ref('kpi_daily') }}
),

sites as (
    select * from {{ ref('stg_erp__sites') }}
),

kpi_targets as (
    select * from {{ ref('stg_reference__kpi_targets') }}
),

kpi_definitions as (
    select * from {{ ref('kpi_definitions') }}
),

calendar as (
    select * from {{ ref('int_site_calendar') }}
),

{# Days after a site's last calendar day have not happened in its data yet (a requested_ship_date can lie
    ahead): hypercare judges only days up to it. -#}
site_last_dates as (
    select
        site_id,
        max(calendar_date) as last_date
    from calendar
    group by site_id
),

live_sites as (
    select
        site_id,
        rollout_wave,
        go_live_date
    from sites
    where go_live_date is not null
),

live_site_kpis as (
    select
        kpi_daily.site_id,
        kpi_daily.kpi,
        live_sites.rollout_wave,
        live_sites.go_live_date,
        {{ add_days('live_sites.go_live_date', -28) }} as baseline_start_date,
        min(kpi_daily.kpi_date) as first_kpi_date,
        max(kpi_daily.kpi_date) as last_kpi_date
    from kpi_daily
    inner join live_sites on kpi_daily.site_id = live_sites.site_id
    inner join site_last_dates on kpi_daily.site_id = site_last_dates.site_id
    where kpi_daily.kpi_date <= site_last_dates.last_date
    group by kpi_daily.site_id, kpi_daily.kpi, live_sites.rollout_wave, live_sites.go_live_date
),

baselines as (
    select
        live_site_kpis.site_id,
        live_site_kpis.kpi,
        sum(kpi_daily.numerator) as baseline_numerator,
        sum(kpi_daily.denominator) as baseline_denominator
    from live_site_kpis
    inner join kpi_daily
        on
            live_site_kpis.site_id = kpi_daily.site_id
            and live_site_kpis.kpi = kpi_daily.kpi
            and live_site_kpis.baseline_start_date <= kpi_daily.kpi_date
            and live_site_kpis.go_live_date > kpi_daily.kpi_date
    group by live_site_kpis.site_id, live_site_kpis.kpi
),

day_grid as (
    select
        site_id,
        kpi,
        {{ expand_date_range(greatest_date('baseline_start_date', 'first_kpi_date'), 'last_kpi_date') }} as kpi_date
    from live_site_kpis
    where last_kpi_date >= baseline_start_date
),

daily_values as (
    select
        day_grid.site_id,
        day_grid.kpi,
        day_grid.kpi_date,
        kpi_daily.numerator,
        kpi_daily.denominator,
        kpi_daily.value,
        sum(kpi_daily.numerator) over (
            partition by day_grid.site_id, day_grid.kpi
            order by day_grid.kpi_date
            rows between 6 preceding and current row
        ) as trailing_7_day_numerator,
        sum(kpi_daily.denominator) over (
            partition by day_grid.site_id, day_grid.kpi
            order by day_grid.kpi_date
            rows between 6 preceding and current row
        ) as trailing_7_day_denominator
    from day_grid
    left join kpi_daily
        on
            day_grid.site_id = kpi_daily.site_id
            and day_grid.kpi = kpi_daily.kpi
            and day_grid.kpi_date = kpi_daily.kpi_date
),

compared as (
    select
        daily_values.site_id,
        daily_values.kpi,
        daily_values.kpi_date,
        live_site_kpis.rollout_wave,
        live_site_kpis.go_live_date,
        {{ days_between('live_site_kpis.go_live_date', 'daily_values.kpi_date') }} as day_offset,  -- noqa: LT05
        daily_values.numerator,
        daily_values.denominator,
        daily_values.value,
        daily_values.trailing_7_day_numerator,
        daily_values.trailing_7_day_denominator,
        daily_values.trailing_7_day_numerator
        / nullif(daily_values.trailing_7_day_denominator, 0) as trailing_7_day_value,
        baselines.baseline_numerator,
        baselines.baseline_denominator,
        baselines.baseline_numerator / nullif(baselines.baseline_denominator, 0) as baseline,
        kpi_targets.direction,
        cast(kpi_targets.recovery_tolerance as {{ type_double() }}) as recovery_tolerance,
        coalesce(kpi_definitions.recovery_min_tolerance, 0) as recovery_min_tolerance
    from daily_values
    inner join live_site_kpis
        on
            daily_values.site_id = live_site_kpis.site_id
            and daily_values.kpi = live_site_kpis.kpi
    left join baselines
        on
            daily_values.site_id = baselines.site_id
            and daily_values.kpi = baselines.kpi
    left join kpi_targets on daily_values.kpi = kpi_targets.kpi
    left join kpi_definitions on daily_values.kpi = kpi_definitions.kpi
),

recovery_bands as (
    select
        *,
        greatest(abs(baseline) * recovery_tolerance, recovery_min_tolerance) as recovery_band,
        coalesce(baseline is not null and not (direction = 'higher' and baseline = 0), false)
            as is_recovery_tracked
    from compared
),

tolerance_checks as (
    select
        *,
        coalesce(
            is_recovery_tracked
            and case
                when direction = 'higher' then trailing_7_day_value >= baseline - recovery_band
                when direction = 'lower' then trailing_7_day_value <= baseline + recovery_band
            end,
            false
        ) as is_within_tolerance
    from recovery_bands
),

{# The day grid is dense, so 7 rows are 7 consecutive days; a day whose next 6 days are not all in the
    data yet cannot be a recovery day. -#}
recovery_windows as (
    select
        *,
        sum(case when is_within_tolerance then 1 else 0 end) over (
            partition by site_id, kpi
            order by kpi_date
            rows between current row and 6 following
        ) as days_within_tolerance_from_here
    from tolerance_checks
),

recoveries as (
    select
        site_id,
        kpi,
        min(kpi_date) as recovered_on
    from recovery_windows
    where day_offset >= 0 and days_within_tolerance_from_here = 7
    group by site_id, kpi
),

final as (
    select
        recovery_windows.site_id,
        recovery_windows.rollout_wave,
        recovery_windows.go_live_date,
        recovery_windows.kpi,
        recovery_windows.kpi_date,
        recovery_windows.day_offset,
        recovery_windows.numerator,
        recovery_windows.denominator,
        recovery_windows.value,
        recovery_windows.trailing_7_day_numerator,
        recovery_windows.trailing_7_day_denominator,
        recovery_windows.trailing_7_day_value,
        recovery_windows.baseline_numerator,
        recovery_windows.baseline_denominator,
        recovery_windows.baseline,
        recovery_windows.value / nullif(recovery_windows.baseline, 0) as value_relative_to_baseline,
        recovery_windows.trailing_7_day_value / nullif(recovery_windows.baseline, 0)
            as trailing_7_day_value_relative_to_baseline,
        recovery_windows.direction,
        recovery_windows.recovery_tolerance,
        recovery_windows.recovery_min_tolerance,
        recovery_windows.recovery_band,
        recovery_windows.is_recovery_tracked,
        recovery_windows.is_within_tolerance,
        recoveries.recovered_on,
        {{ days_between('recovery_windows.go_live_date', 'recoveries.recovered_on') }} as days_to_recover,  -- noqa: LT05
        coalesce(recoveries.recovered_on <= recovery_windows.kpi_date, false) as is_recovered
    from recovery_windows
    left join recoveries
        on
            recovery_windows.site_id = recoveries.site_id
            and recovery_windows.kpi = recoveries.kpi
)

select * from final
