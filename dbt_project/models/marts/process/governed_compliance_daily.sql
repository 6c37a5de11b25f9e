{#- marts.governed_compliance_daily: the project KPI governed_process_compliance per site and site-local day
    of the cases' first invoiced event, in kpi_daily's additive form (roll up as sum(numerator) /
    sum(denominator)): completed cases that conform to process_standard or deviate only as approved
    variations valid on that day allow (no manual override), over the completed cases. Same rows and
    denominator as process_compliance in kpi_daily, a numerator at least as large; process_compliance itself
    is untouched. A plain table over the scoped int_case_variants. -#}
with

case_variants as (
    select * from {{ ref('int_case_variants') }}
),

kpi_deliveries as (
    select * from {{ ref('int_kpi_deliveries') }}
),

daily_sums as (
    select
        site_id,
        invoiced_date as kpi_date,
        'governed_process_compliance' as kpi,
        sum(case when is_governed_conforming then 1 else 0 end) as numerator,
        count(*) as denominator,
        sum(case when is_conforming then 1 else 0 end) as conforming_cases,
        sum(case when is_governed_conforming and not is_conforming then 1 else 0 end) as approved_variation_cases
    from case_variants
    where invoiced_date is not null
    group by site_id, invoiced_date
),

final as (
    select
        daily_sums.site_id,
        daily_sums.kpi_date,
        daily_sums.kpi,
        daily_sums.numerator,
        daily_sums.denominator,
        daily_sums.conforming_cases,
        daily_sums.approved_variation_cases,
        daily_sums.numerator / daily_sums.denominator as value  -- noqa: RF04
    from daily_sums
    inner join kpi_deliveries on kpi_deliveries.kpi = 'process_compliance'
    where kpi_deliveries.is_delivered and daily_sums.denominator > 0
)

select * from final
