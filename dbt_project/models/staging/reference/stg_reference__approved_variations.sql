-- Generated from orchestration/contract.yml by `python -m orchestration.contract`; do not edit.
-- The reference table `approved_variations`: the delivered one when the extracts delivered any file of
-- it, else the shipped seed.

with

validated as (
    select * from {{ ref('base_erp__approved_variations') }}
),

deliveries as (
    select * from {{ source('erp', '_deliveries') }}
),

seed as (
    select * from {{ ref('approved_variations') }}
),

delivered as (
    select
        variation_id,
        site_id,
        variation_type,
        activity,
        other_activity,
        reason_category,
        approved_by,
        valid_from,
        valid_to
    from validated
    where _is_latest and not _is_rejected
),

is_delivered as (
    select count(*) > 0 as is_delivered
    from deliveries
    where entity = 'approved_variations' and is_current and status = 'loaded'
),

shipped as (
    select
        cast(variation_id as {{ dbt.type_string() }}) as variation_id,
        cast(site_id as {{ dbt.type_string() }}) as site_id,
        cast(variation_type as {{ dbt.type_string() }}) as variation_type,
        cast(activity as {{ dbt.type_string() }}) as activity,
        cast(other_activity as {{ dbt.type_string() }}) as other_activity,
        cast(reason_category as {{ dbt.type_string() }}) as reason_category,
        cast(approved_by as {{ dbt.type_string() }}) as approved_by,
        cast(valid_from as date) as valid_from,
        cast(valid_to as date) as valid_to
    from seed
),

final as (
    select * from delivered
    union all
    select * from shipped
    where not (select is_delivered.is_delivered from is_delivered)
)

select * from final
