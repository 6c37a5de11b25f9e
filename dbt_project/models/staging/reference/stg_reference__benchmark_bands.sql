{#- The published benchmark bands of a KPI (a project reference table, shipped as a seed only; not part of
    the extract contract): one row per KPI and band, value null where only a member report has it. -#}
with

benchmark_bands as (
    select * from {{ ref('benchmark_bands') }}
),

final as (
    select
        kpi,
        band,
        value,
        source,
        year,
        verified as is_verified
    from benchmark_bands
)

select * from final
