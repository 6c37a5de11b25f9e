{#- marts.process_variants: the variant explorer's rows. Per site and period (each ISO week of the cases'
    completion dates, period_type 'week', and the whole period, period_type 'all'), each variant of the
    completed cases (int_case_variants): cases, share of the site's cases in the period (shares sum to 1 per
    site and period), rank and running share by cases, median and 90th-percentile throughput hours, whether it
    follows the standard sequence, whether every case of it in the period deviates only as an approved
    variation valid on its completion date allows, and whether it is a candidate to approve or to fix (neither,
    and above 5 % of the site's cases). A plain table: a small aggregate rebuilt whole each run over the scoped
    int_case_variants. -#}
with

case_variants as (
    select * from {{ ref('int_case_variants') }}
    where invoiced_date is not null
),

case_periods as (
    select
        case_variants.*,
        'week' as period_type,
        {{ iso_week_label('invoiced_date') }} as period,
        {{ iso_week_start('invoiced_date') }} as week_start_date
    from case_variants
    union all
    select
        case_variants.*,
        'all' as period_type,
        'all' as period,
        cast(null as date) as week_start_date
    from case_variants
),

variant_sums as (
    select
        site_id,
        period_type,
        period,
        week_start_date,
        variant_id,
        min(variant) as variant,
        max(event_count) as activity_count,
        count(*) as cases,
        sum(case when is_conforming then 1 else 0 end) as conforming_cases,
        sum(case when is_governed_conforming then 1 else 0 end) as governed_conforming_cases,
        {{ percentile_cont('throughput_hours', 0.5) }} as median_throughput_hours,
        {{ percentile_cont('throughput_hours', 0.9) }} as p90_throughput_hours,
        max(deviation_count) = 0 as is_standard_variant,
        max(deviation_count) > 0 and max(unapproved_deviation_count) = 0 as is_approved_variation,
        min(invoiced_date) as first_case_date,
        max(invoiced_date) as last_case_date
    from case_periods
    group by site_id, period_type, period, week_start_date, variant_id
),

shares as (
    select
        variant_sums.*,
        sum(variant_sums.cases) over (partition by variant_sums.site_id, variant_sums.period) as site_cases,
        cast(variant_sums.cases as {{ type_double() }})
        / sum(variant_sums.cases) over (partition by variant_sums.site_id, variant_sums.period) as case_share,
        row_number() over (
            partition by variant_sums.site_id, variant_sums.period
            order by variant_sums.cases desc, variant_sums.variant_id asc
        ) as variant_rank
    from variant_sums
),

final as (
    select
        site_id,
        period_type,
        period,
        week_start_date,
        variant_id,
        variant,
        activity_count,
        cases,
        site_cases,
        case_share,
        variant_rank,
        conforming_cases,
        governed_conforming_cases,
        median_throughput_hours,
        p90_throughput_hours,
        is_standard_variant,
        is_approved_variation,
        first_case_date,
        last_case_date,
        not is_standard_variant and not is_approved_variation and case_share > 0.05 as is_approval_candidate,
        sum(case_share) over (
            partition by site_id, period order by variant_rank rows between unbounded preceding and current row
        ) as cumulative_case_share
    from shares
)

select * from final
