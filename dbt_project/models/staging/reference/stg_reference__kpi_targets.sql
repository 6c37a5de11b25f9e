-- Generated from orchestration/contract.yml by `python -m orchestration.contract`; do not edit.
-- The reference table `kpi_targets`: the delivered one when the extracts delivered any file of
-- it, else the shipped seed.

with

validated as (
    select * from {{ ref('base_erp__kpi_targets') }}
),

deliveries as (
    select * from {{ source('erp', '_deliveries') }}
),

seed as (
    select * from {{ ref('kpi_targets') }}
),

delivered as (
    select
        kpi,
        direction,
        target,
        amber_threshold,
        red_threshold,
        recovery_tolerance
    from validated
    where _is_latest and not _is_rejected
),

is_delivered as (
    select count(*) > 0 as is_delivered
    from deliveries
    where entity = 'kpi_targets' and is_current and status = 'loaded'
),

shipped as (
    select
        cast(kpi as {{ dbt.type_string() }}) as kpi,
        cast(direction as {{ dbt.type_string() }}) as direction,
        cast(target as decimal(38, 10)) as target,
        cast(amber_threshold as decimal(38, 10)) as amber_threshold,
        cast(red_threshold as decimal(38, 10)) as red_threshold,
        cast(recovery_tolerance as decimal(38, 10)) as recovery_tolerance
    from seed
),

final as (
    select * from delivered
    union all
    select * from shipped
    where not (select is_delivered.is_delivered from is_delivered)
)

select * from final
