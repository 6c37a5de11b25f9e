{{ config(meta={"dagster": {"ref": {"name": "governed_compliance_daily"}}}) }}
{#- governed_process_compliance counts the same cases as process_compliance on every site-day of kpi_daily (same
    rows, same denominator) and at least its conforming ones (numerator = process_compliance's numerator plus
    the cases within an approved variation). Returns the site-days that disagree. -#}
with

kpi_daily as (
    select * from {{ ref('kpi_daily') }}
    where kpi = 'process_compliance'
),

governed as (
    select * from {{ ref('governed_compliance_daily') }}
),

compared as (
    select
        kpi_daily.numerator as compliance_numerator,
        kpi_daily.denominator as compliance_denominator,
        governed.numerator as governed_numerator,
        governed.denominator as governed_denominator,
        governed.conforming_cases,
        governed.approved_variation_cases,
        coalesce(kpi_daily.site_id, governed.site_id) as site_id,
        coalesce(kpi_daily.kpi_date, governed.kpi_date) as kpi_date
    from kpi_daily
    full outer join governed
        on
            kpi_daily.site_id = governed.site_id
            and kpi_daily.kpi_date = governed.kpi_date
)

select *
from compared
where
    compliance_denominator is null
    or governed_denominator is null
    or compliance_denominator <> governed_denominator
    or compliance_numerator <> conforming_cases
    or governed_numerator <> compliance_numerator + approved_variation_cases
