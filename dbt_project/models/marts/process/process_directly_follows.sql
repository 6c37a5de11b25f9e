{#- marts.process_directly_follows: the directly-follows graph of each site's completed cases, per site and
    period (each ISO week, period_type 'week', and the whole period, 'all', as in marts.process_variants): each
    pair of activities one case ran one right after the other (events in the order of int_case_variants'
    variants: by occurred_at, ties by activity name), how often and in how many cases, and whether the pair is
    an edge of process_standard (a standard activity followed by the next standard step). A plain table rebuilt
    whole each run. -#}
with

case_variants as (
    select * from {{ ref('int_case_variants') }}
    where invoiced_date is not null
),

process_events as (
    select * from {{ ref('stg_erp__process_events') }}
),

process_standard as (
    select * from {{ ref('stg_reference__process_standard') }}
),

standard_edges as (
    select
        standard.activity as from_activity,
        next_standard.activity as to_activity
    from process_standard as standard
    inner join process_standard as next_standard
        on next_standard.step = (
            select min(later.step)
            from process_standard as later
            where later.step > standard.step
        )
),

sequenced_events as (
    select
        case_variants.case_id,
        case_variants.site_id,
        case_variants.invoiced_date,
        coalesce(process_events.activity, 'unknown') as from_activity,
        lead(coalesce(process_events.activity, 'unknown')) over (
            partition by process_events.case_id
            order by process_events.occurred_at, coalesce(process_events.activity, 'unknown')
        ) as to_activity
    from process_events
    inner join case_variants on process_events.case_id = case_variants.case_id
),

transitions as (
    select
        sequenced_events.*,
        {{ iso_week_label('sequenced_events.invoiced_date') }} as week_period,
        {{ iso_week_start('sequenced_events.invoiced_date') }} as week_start_date
    from sequenced_events
    where sequenced_events.to_activity is not null
),

period_transitions as (
    select
        site_id,
        'week' as period_type,
        week_period as period,
        week_start_date,
        case_id,
        from_activity,
        to_activity
    from transitions
    union all
    select
        site_id,
        'all' as period_type,
        'all' as period,
        cast(null as date) as week_start_date,
        case_id,
        from_activity,
        to_activity
    from transitions
),

edge_counts as (
    select
        site_id,
        period_type,
        period,
        week_start_date,
        from_activity,
        to_activity,
        count(*) as transitions,
        count(distinct case_id) as cases
    from period_transitions
    group by site_id, period_type, period, week_start_date, from_activity, to_activity
),

final as (
    select
        edge_counts.*,
        standard_edges.from_activity is not null as is_standard_edge
    from edge_counts
    left join standard_edges
        on
            edge_counts.from_activity = standard_edges.from_activity
            and edge_counts.to_activity = standard_edges.to_activity
)

select * from final
