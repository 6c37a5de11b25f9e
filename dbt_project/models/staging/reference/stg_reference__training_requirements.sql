-- Generated from orchestration/contract.yml by `python -m orchestration.contract`; do not edit.
-- The reference table `training_requirements`: the delivered one when the extracts delivered any file of
-- it, else the shipped seed.

with

validated as (
    select * from {{ ref('base_erp__training_requirements') }}
),

deliveries as (
    select * from {{ source('erp', '_deliveries') }}
),

seed as (
    select * from {{ ref('training_requirements') }}
),

delivered as (
    select
        role,
        course_id
    from validated
    where _is_latest and not _is_rejected
),

is_delivered as (
    select count(*) > 0 as is_delivered
    from deliveries
    where entity = 'training_requirements' and is_current and status = 'loaded'
),

shipped as (
    select
        cast(role as {{ dbt.type_string() }}) as role,
        cast(course_id as {{ dbt.type_string() }}) as course_id
    from seed
),

final as (
    select * from delivered
    union all
    select * from shipped
    where not (select is_delivered.is_delivered from is_delivered)
)

select * from final
