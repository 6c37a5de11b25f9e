{#- Every site-local day from a site's first to its last local day with any timestamp of any valid row that
    belongs to it (KPIS.md "Every day"). Plain dates (requested_ship_date, provisioned_date ...) and close rows
    do not count. A local date never decreases as the instant grows, so each site's first and last local
    days are the local dates of its earliest and latest instants. -#}
{%- set own_site_instants = {
    'stg_erp__sales_orders': ['created_at'],
    'stg_erp__picks': ['picked_at'],
    'stg_erp__inventory_counts': ['counted_at'],
    'stg_erp__receipts': ['received_at', 'putaway_at'],
    'stg_erp__purchase_orders': ['created_at', 'approved_at', 'issued_at'],
    'stg_erp__invoices': ['invoiced_at', 'adjusted_at'],
    'stg_erp__exceptions': ['opened_at', 'resolved_at'],
    'stg_erp__process_events': ['occurred_at'],
    'stg_erp__helpdesk_tickets': ['opened_at', 'resolved_at'],
} -%}
with

sites as (
    select * from {{ ref('stg_erp__sites') }}
),

{% for model_name in own_site_instants -%}
    {{ model_name | replace('stg_erp__', '') }} as (
        select * from {{ ref(model_name) }}
    ),

{% endfor -%}
shipments as (
    select * from {{ ref('stg_erp__shipments') }}
),

transfers as (
    select * from {{ ref('stg_erp__transfers') }}
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

{# A row with its own site_id belongs to that site; a shipment to its order's site; a usage event and a
    training completion to their user's site; a transfer to both of its sites. -#}
site_instant_bounds as (
    {%- for model_name, columns in own_site_instants.items() %}
        {%- set cte = model_name | replace('stg_erp__', '') %}
        {%- for column in columns %}
            select
                site_id,
                min({{ column }}) as earliest_at,
                max({{ column }}) as latest_at
            from {{ cte }}
            group by site_id
            union all
        {%- endfor %}
    {%- endfor %}
    select
        sales_orders.site_id,
        min(shipments.shipped_at) as earliest_at,
        max(shipments.shipped_at) as latest_at
    from shipments
    inner join sales_orders on shipments.order_id = sales_orders.order_id
    group by sales_orders.site_id
    {%- for site_column in ['from_site_id', 'to_site_id'] %}
        {%- for column in ['requested_at', 'shipped_at', 'received_at'] %}
            union all
            select
                {{ site_column }} as site_id,
                min({{ column }}) as earliest_at,
                max({{ column }}) as latest_at
            from transfers
            group by {{ site_column }}
        {%- endfor %}
    {%- endfor %}
    {%- for cte, column in [('usage_events', 'occurred_at'), ('training_completions', 'completed_at')] %}
        union all
        select
            users.site_id,
            min({{ cte }}.{{ column }}) as earliest_at,
            max({{ cte }}.{{ column }}) as latest_at
        from {{ cte }}
        inner join users on {{ cte }}.user_id = users.user_id
        group by users.site_id
    {%- endfor %}
),

site_bounds as (
    select
        sites.site_id,
        sites.timezone,
        {{ local_date('min(site_instant_bounds.earliest_at)', 'sites.timezone') }} as first_date,
        {{ local_date('max(site_instant_bounds.latest_at)', 'sites.timezone') }} as last_date
    from site_instant_bounds
    inner join sites on site_instant_bounds.site_id = sites.site_id
    group by sites.site_id, sites.timezone
),

calendar_days as (
    select
        site_id,
        timezone,
        {{ expand_date_range('first_date', 'last_date') }} as calendar_date
    from site_bounds
    where first_date is not null
),

final as (
    select
        site_id,
        calendar_date,
        timezone,
        {{ local_day_start('calendar_date', 'timezone') }} as day_start_at,
        {{ local_day_start(add_days('calendar_date', 1), 'timezone') }} as day_end_at
    from calendar_days
)

select * from final
