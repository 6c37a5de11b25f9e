{#- marts.approved_variation_usage: every approved variation (stg_reference__approved_variations) with its use
    and validity as the data stands: the cases it covered (int_case_deviations), first and last such completion
    date, the site's latest case completion date (as_of_date) and its status on that date (not yet valid,
    valid, expiring within 30 days, expired). A plain table rebuilt whole each run. -#}
with

approved_variations as (
    select * from {{ ref('stg_reference__approved_variations') }}
),

case_deviations as (
    select * from {{ ref('int_case_deviations') }}
),

case_variants as (
    select * from {{ ref('int_case_variants') }}
),

site_as_of_dates as (
    select
        site_id,
        max(invoiced_date) as as_of_date
    from case_variants
    group by site_id
),

usage_counts as (
    select
        approved_variation_id as variation_id,
        count(distinct case_id) as cases_covered,
        min(invoiced_date) as first_used_date,
        max(invoiced_date) as last_used_date
    from case_deviations
    where is_approved
    group by approved_variation_id
),

dated as (
    select
        approved_variations.variation_id,
        approved_variations.site_id,
        approved_variations.variation_type,
        approved_variations.activity,
        approved_variations.other_activity,
        approved_variations.reason_category,
        approved_variations.approved_by,
        approved_variations.valid_from,
        approved_variations.valid_to,
        usage_counts.first_used_date,
        usage_counts.last_used_date,
        site_as_of_dates.as_of_date,
        coalesce(usage_counts.cases_covered, 0) as cases_covered,
        {{ days_between('site_as_of_dates.as_of_date', 'approved_variations.valid_to') }} as days_until_expiry  -- noqa: LT05
    from approved_variations
    left join usage_counts on approved_variations.variation_id = usage_counts.variation_id
    left join site_as_of_dates on approved_variations.site_id = site_as_of_dates.site_id
),

final as (
    select
        variation_id,
        site_id,
        variation_type,
        activity,
        other_activity,
        reason_category,
        approved_by,
        valid_from,
        valid_to,
        cases_covered,
        first_used_date,
        last_used_date,
        as_of_date,
        days_until_expiry,
        case
            when as_of_date is null then 'no cases'
            when as_of_date < valid_from then 'not yet valid'
            when as_of_date > valid_to then 'expired'
            when days_until_expiry < 30 then 'expiring within 30 days'
            else 'valid'
        end as validity_status,
        coalesce(as_of_date >= valid_from and days_until_expiry between 0 and 29, false) as is_expiring_within_30_days
    from dated
)

select * from final
