-- Generated from orchestration/contract.yml by `python -m orchestration.contract`; do not edit.
-- The reference table `code_map`: the delivered one when the extracts delivered any file of
-- it, else the shipped seed.

with

validated as (
    select * from {{ ref('base_erp__code_map') }}
),

deliveries as (
    select * from {{ source('erp', '_deliveries') }}
),

seed as (
    select * from {{ ref('code_map') }}
),

delivered as (
    select
        domain,
        source_code,
        canonical_code,
        source_system
    from validated
    where _is_latest and not _is_rejected
),

is_delivered as (
    select count(*) > 0 as is_delivered
    from deliveries
    where entity = 'code_map' and is_current and status = 'loaded'
),

shipped as (
    select
        cast(domain as {{ dbt.type_string() }}) as domain,
        cast(source_code as {{ dbt.type_string() }}) as source_code,
        cast(canonical_code as {{ dbt.type_string() }}) as canonical_code,
        cast(source_system as {{ dbt.type_string() }}) as source_system
    from seed
),

final as (
    select * from delivered
    union all
    select * from shipped
    where not (select is_delivered.is_delivered from is_delivered)
)

select * from final
