-- Generated from orchestration/contract.yml by `python -m orchestration.contract`; do not edit.
-- The reference table `process_standard`: the delivered one when the extracts delivered any file of
-- it, else the shipped seed.

with

validated as (
    select * from {{ ref('base_erp__process_standard') }}
),

deliveries as (
    select * from {{ source('erp', '_deliveries') }}
),

seed as (
    select * from {{ ref('process_standard') }}
),

delivered as (
    select
        step,
        activity,
        is_required
    from validated
    where _is_latest and not _is_rejected
),

is_delivered as (
    select count(*) > 0 as is_delivered
    from deliveries
    where entity = 'process_standard' and is_current and status = 'loaded'
),

shipped as (
    select
        cast(step as {{ dbt.type_bigint() }}) as step,
        cast(activity as {{ dbt.type_string() }}) as activity,
        cast(is_required as {{ dbt.type_boolean() }}) as is_required
    from seed
),

final as (
    select * from delivered
    union all
    select * from shipped
    where not (select is_delivered.is_delivered from is_delivered)
)

select * from final
