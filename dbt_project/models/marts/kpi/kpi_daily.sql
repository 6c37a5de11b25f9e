{#- marts.kpi_daily: one row per (site_id, kpi_date, kpi) of the 19 site KPIs of KPIS.md, in additive form.
    A row exists only where the denominator is > 0 and every entity the KPI reads was delivered.
    Incremental runs recompute only the touched site-days (int_touched_site_days). -#}
{{
    config(
        materialized='incremental' if incremental_models() else 'table',
        incremental_strategy='delete+insert',
        unique_key=['site_id', 'kpi_date', 'kpi'],
        pre_hook="{{ delete_touched_site_days('site_id', 'kpi_date') }}",
        on_schema_change='fail',
    )
}}
-- depends_on: {{ ref('int_touched_site_days') }}
with

fulfilment as (
    select * from {{ ref('int_kpi_daily__fulfilment') }}
),

warehouse as (
    select * from {{ ref('int_kpi_daily__warehouse') }}
),

exceptions as (
    select * from {{ ref('int_kpi_daily__exceptions') }}
),

transactions as (
    select * from {{ ref('int_kpi_daily__transactions') }}
),

adoption as (
    select * from {{ ref('int_kpi_daily__adoption') }}
),

kpi_deliveries as (
    select * from {{ ref('int_kpi_deliveries') }}
),

site_kpis as (
    select * from fulfilment
    union all
    select * from warehouse
    union all
    select * from exceptions
    union all
    select * from transactions
    union all
    select * from adoption
),

delivered_site_kpis as (
    select site_kpis.*
    from site_kpis
    inner join kpi_deliveries on site_kpis.kpi = kpi_deliveries.kpi
    where kpi_deliveries.is_delivered and site_kpis.denominator > 0
),

final as (
    select
        site_id,
        kpi_date,
        kpi,
        numerator,
        denominator,
        -- value: the contract's column name
        numerator / denominator as value  -- noqa: RF04
    from delivered_site_kpis
    {%- if is_incremental() %}
    where {{ in_touched_site_days('site_id', 'kpi_date') }}
    {%- endif %}
)

select * from final
