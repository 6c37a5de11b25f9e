{{ config(meta={"dagster": {"ref": {"name": "process_variants"}}}) }}
{#- Per site and period (each ISO week and the whole period) the variants' shares of the site's cases sum to 1,
    and their cases to site_cases. Returns the site-periods that disagree. -#}
with

process_variants as (
    select * from {{ ref('process_variants') }}
),

site_periods as (
    select
        site_id,
        period,
        sum(case_share) as total_share,
        sum(cases) as total_cases,
        max(site_cases) as site_cases
    from process_variants
    group by site_id, period
)

select *
from site_periods
where abs(total_share - 1) > 1e-9 or total_cases <> site_cases
