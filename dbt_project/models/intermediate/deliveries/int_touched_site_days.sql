{#- From which day each site's KPIs may have changed in this run: one row per site with a changed staged row.

    The footprint of a row is the earliest day any KPI row built from it can carry: the earliest of its own dates
    less one day (a site-local date is at least the UTC date less one day), at its own site(s), or at its order's
    site from the order's dates (order lines, shipments), at its user's site (usage events, training completions;
    a user from its provisioning, deactivation, first usage event and first training), every site of its case
    from the case's first event there (process events). A changed site row touches the whole site. Everything
    later is covered: backlogs, running sums and 7-day windows only look back. Items, close tasks and close
    adjustments feed no site KPI; reference tables and which entities were delivered change every row: they make
    the run a full refresh (orchestration/transform.py), where this model is empty since every model is rebuilt.

    The rows compared are those base_erp__<entity> revisited in this run, old and new version
    (staged_rows_changed_in_this_run, macros/staging/touched_site_days.sql); the scoped models
    (int_order_line_fills, int_order_fulfilment, int_case_conformance, int_active_users_daily,
    int_user_transactions_daily, kpi_daily and the drill-down marts) merge the rows of this region and keep the
    rest. -#}
{{ config(materialized='table') }}
{%- set own_site_dates = {
    'sales_orders': ['created_at', 'requested_ship_date'],
    'picks': ['picked_at'],
    'inventory_counts': ['counted_at'],
    'receipts': ['received_at', 'putaway_at'],
    'purchase_orders': ['created_at', 'approved_at', 'issued_at'],
    'invoices': ['invoiced_at', 'adjusted_at'],
    'exceptions': ['opened_at', 'resolved_at'],
    'helpdesk_tickets': ['opened_at', 'resolved_at'],
} %}
with

sales_orders as (
    select * from {{ ref('stg_erp__sales_orders') }}
),

users as (
    select * from {{ ref('stg_erp__users') }}
),

usage_events as (
    select * from {{ ref('stg_erp__usage_events') }}
),

training_completions as (
    select * from {{ ref('stg_erp__training_completions') }}
),

process_events as (
    select * from {{ ref('stg_erp__process_events') }}
),

{% for entity_name in own_site_dates.keys() | list + [
    'sites', 'transfers', 'sales_order_lines', 'shipments', 'process_events', 'usage_events',
    'training_completions', 'users',
] -%}
    changed_{{ entity_name }} as (
        {{ staged_rows_changed_in_this_run(entity_name) | indent(8) }}
    ),

{% endfor -%}
footprints as (
    {%- for entity_name, dates in own_site_dates.items() %}
        select
            site_id,
            {{ footprint_date(dates) }} as from_date
        from changed_{{ entity_name }}
        union all
    {%- endfor %}
    select
        site_id,
        cast('1900-01-01' as date) as from_date
    from changed_sites
    union all
    select
        from_site_id as site_id,
        {{ footprint_date(['requested_at', 'shipped_at', 'received_at']) }} as from_date
    from changed_transfers
    union all
    select
        to_site_id as site_id,
        {{ footprint_date(['requested_at', 'shipped_at', 'received_at']) }} as from_date
    from changed_transfers
    union all
    select
        sales_orders.site_id,
        {{ footprint_date(['sales_orders.created_at', 'sales_orders.requested_ship_date']) }} as from_date
    from changed_sales_order_lines
    inner join sales_orders on changed_sales_order_lines.order_id = sales_orders.order_id
    union all
    select
        sales_orders.site_id,
        {{ footprint_date([
            'sales_orders.created_at', 'sales_orders.requested_ship_date', 'changed_shipments.shipped_at',
        ]) }} as from_date
    from changed_shipments
    inner join sales_orders on changed_shipments.order_id = sales_orders.order_id
    union all
    select
        case_events.site_id,
        min({{ footprint_date(['case_events.occurred_at']) }}) as from_date
    from (
        select
            case_id,
            site_id,
            occurred_at
        from process_events
        union all
        select
            case_id,
            site_id,
            occurred_at
        from changed_process_events
    ) as case_events
    where case_events.case_id in (select changed_process_events.case_id from changed_process_events)
    group by case_events.site_id
    union all
    select
        users.site_id,
        {{ footprint_date(['changed_usage_events.occurred_at']) }} as from_date
    from changed_usage_events
    inner join users on changed_usage_events.user_id = users.user_id
    union all
    select
        users.site_id,
        {{ footprint_date(['changed_training_completions.completed_at']) }} as from_date
    from changed_training_completions
    inner join users on changed_training_completions.user_id = users.user_id
    union all
    select
        changed_users.site_id,
        {{ footprint_date([
            'changed_users.provisioned_date',
            'changed_users.deactivated_date',
            '(select min(usage_events.occurred_at) from usage_events
                where usage_events.user_id = changed_users.user_id)',
            '(select min(training_completions.completed_at) from training_completions
                where training_completions.user_id = changed_users.user_id)',
        ]) }} as from_date
    from changed_users
),

final as (
    select
        site_id,
        min(from_date) as from_date
    from footprints
    -- a full build rebuilds every model: nothing is scoped
    where site_id is not null and {{ site_days_are_scoped() | lower }}
    group by site_id
)

select * from final
