-- Generated from orchestration/contract.yml by `python -m orchestration.contract`; do not edit.
-- The reference table `dashboard_access`: the delivered one when the extracts delivered any file of
-- it, else the shipped seed.

with

validated as (
    select * from {{ ref('base_erp__dashboard_access') }}
),

deliveries as (
    select * from {{ source('erp', '_deliveries') }}
),

seed as (
    select * from {{ ref('dashboard_access') }}
),

delivered as (
    select
        principal,
        role,
        scope
    from validated
    where _is_latest and not _is_rejected
),

is_delivered as (
    select count(*) > 0 as is_delivered
    from deliveries
    where entity = 'dashboard_access' and is_current and status = 'loaded'
),

shipped as (
    select
        cast(principal as {{ dbt.type_string() }}) as principal,
        cast(role as {{ dbt.type_string() }}) as role,
        cast(scope as {{ dbt.type_string() }}) as scope
    from seed
),

final as (
    select * from delivered
    union all
    select * from shipped
    where not (select is_delivered.is_delivered from is_delivered)
)

select * from final
