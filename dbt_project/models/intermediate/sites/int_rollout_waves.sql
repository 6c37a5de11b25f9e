{#- One row per rollout wave (sites.rollout_wave): its sites, its first and last go-live, its order (by first
    go-live; waves without a live site after, by name) and the wave before it. -#}
with

sites as (
    select * from {{ ref('stg_erp__sites') }}
),

waves as (
    select
        rollout_wave,
        count(*) as site_count,
        count(go_live_date) as live_site_count,
        min(go_live_date) as first_go_live_date,
        max(go_live_date) as last_go_live_date
    from sites
    where rollout_wave is not null
    group by rollout_wave
),

ordered_waves as (
    select
        *,
        row_number() over (
            order by case when first_go_live_date is null then 1 else 0 end, first_go_live_date, rollout_wave
        ) as wave_number
    from waves
),

final as (
    select
        ordered_waves.rollout_wave,
        ordered_waves.wave_number,
        previous_waves.rollout_wave as previous_rollout_wave,
        ordered_waves.site_count,
        ordered_waves.live_site_count,
        ordered_waves.first_go_live_date,
        ordered_waves.last_go_live_date
    from ordered_waves
    left join ordered_waves as previous_waves on ordered_waves.wave_number - 1 = previous_waves.wave_number
)

select * from final
