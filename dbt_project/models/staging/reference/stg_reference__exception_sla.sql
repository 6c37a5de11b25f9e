-- Generated from orchestration/contract.yml by `python -m orchestration.contract`; do not edit.
-- The reference table `exception_sla`: the delivered one when the extracts delivered any file of
-- it, else the shipped seed.

with

validated as (
    select * from {{ ref('base_erp__exception_sla') }}
),

deliveries as (
    select * from {{ source('erp', '_deliveries') }}
),

seed as (
    select * from {{ ref('exception_sla') }}
),

delivered as (
    select
        severity,
        exception_type,
        sla_hours,
        weight
    from validated
    where _is_latest and not _is_rejected
),

is_delivered as (
    select count(*) > 0 as is_delivered
    from deliveries
    where entity = 'exception_sla' and is_current and status = 'loaded'
),

shipped as (
    select
        cast(severity as {{ dbt.type_string() }}) as severity,
        cast(exception_type as {{ dbt.type_string() }}) as exception_type,
        cast(sla_hours as decimal(38, 10)) as sla_hours,
        cast(weight as decimal(38, 10)) as weight
    from seed
),

final as (
    select * from delivered
    union all
    select * from shipped
    where not (select is_delivered.is_delivered from is_delivered)
)

select * from final
