{#- The drill-down rows of every site-day re-count its numerator and denominator in kpi_daily: grouped by
    (site_id, kpi_date, kpi), the rows flagged is_counted_in_numerator / is_counted_in_denominator number
    exactly the KPI's numerator and denominator; a site-day of kpi_daily without rows, or rows with a
    denominator of a delivered KPI without a kpi_daily row, fail. Returns the site-days that disagree. -#}
{% test recounts_kpi_daily(model, kpis) %}
with

detail as (
    select
        site_id,
        kpi_date,
        kpi,
        sum(case when is_counted_in_numerator then 1 else 0 end) as numerator,
        sum(case when is_counted_in_denominator then 1 else 0 end) as denominator
    from {{ model }}
    group by site_id, kpi_date, kpi
),

kpi_daily as (
    select
        site_id,
        kpi_date,
        kpi,
        numerator,
        denominator
    from {{ ref('kpi_daily') }}
    where kpi in ('{{ kpis | join("', '") }}')
),

delivered as (
    select kpi from {{ ref('int_kpi_deliveries') }}
    where is_delivered
),

compared as (
    select
        coalesce(kpi_daily.site_id, detail.site_id) as site_id,
        coalesce(kpi_daily.kpi_date, detail.kpi_date) as kpi_date,
        coalesce(kpi_daily.kpi, detail.kpi) as kpi,
        kpi_daily.numerator as kpi_numerator,
        kpi_daily.denominator as kpi_denominator,
        detail.numerator as detail_numerator,
        detail.denominator as detail_denominator
    from kpi_daily
    full outer join detail
        on
            kpi_daily.site_id = detail.site_id
            and kpi_daily.kpi_date = detail.kpi_date
            and kpi_daily.kpi = detail.kpi
)

select *
from compared
where
    (kpi_numerator is null and detail_denominator > 0 and kpi in (select delivered.kpi from delivered))
    or (detail_denominator is null and kpi_numerator is not null)
    or kpi_numerator <> detail_numerator
    or kpi_denominator <> detail_denominator
{% endtest %}
