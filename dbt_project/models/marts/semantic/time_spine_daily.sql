{#- marts.time_spine_daily: one row per calendar day from 2000-01-01 to 2099-12-31, the time spine MetricFlow
    joins to for calendar grains (_semantic__models.yml declares it). A fixed range: a spine wider than the
    data costs nothing and never has to grow with it. -#}
with

days as (
    select
        {{ expand_date_range("cast('2000-01-01' as date)", "cast('2099-12-31' as date)") }} as date_day
),

final as (
    select date_day
    from days
)

select * from final
