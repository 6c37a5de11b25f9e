{#- marts.kpi_daily_semantic: marts.kpi_daily row for row, with the two dimensions of a KPI day that need its
    site's go-live date or the project's calendar macros: the ISO week's label and the days since go-live. The
    semantic layer's KPI measures read it (_semantic__models.yml, generated from the KPI dictionary). -#}
{{ config(materialized='view') }}
with

kpi_daily as (
    select * from {{ ref('kpi_daily') }}
),

sites as (
    select * from {{ ref('stg_erp__sites') }}
),

final as (
    select
        kpi_daily.site_id,
        kpi_daily.kpi_date,
        kpi_daily.kpi,
        kpi_daily.numerator,
        kpi_daily.denominator,
        {{ iso_week_label('kpi_daily.kpi_date') }} as iso_week,
        {{ days_between('sites.go_live_date', 'kpi_daily.kpi_date') }} as days_since_go_live  -- noqa: LT05
    from kpi_daily
    left join sites on kpi_daily.site_id = sites.site_id
)

select * from final
