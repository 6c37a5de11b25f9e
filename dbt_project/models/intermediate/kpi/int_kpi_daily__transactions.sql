{#- Daily numerators and denominators of the transaction-quality KPIs per site, on the site-local date of
    each event: invoice_error_rate (invoiced_at), po_approval_compliance (issued_at), process_compliance
    (the case's first invoiced event, at that event's site) and workaround_order_rate (the order's
    created_at; orders out of the order KPIs - cancelled or unknown status - are out). An invoice whose
    adjustment_reason, or an order whose entry_method, is an unknown code is out of the KPI that needs it. -#}
with

invoices as (
    select * from {{ ref('stg_erp__invoices') }}
),

purchase_orders as (
    select * from {{ ref('stg_erp__purchase_orders') }}
),

case_conformance as (
    select * from {{ ref('int_case_conformance') }}
),

orders as (
    select * from {{ ref('int_orders_in_scope') }}
),

sites as (
    select * from {{ ref('stg_erp__sites') }}
),

dated_invoices as (
    select
        invoices.site_id,
        {{ local_date('invoices.invoiced_at', 'sites.timezone') }} as invoiced_date,
        coalesce(
            invoices.adjustment_reason in ('pricing_error', 'quantity_error', 'duplicate', 'wrong_customer'),
            false
        ) as is_invoice_error
    from invoices
    inner join sites on invoices.site_id = sites.site_id
    where not invoices.has_unknown_adjustment_reason
),

invoice_error_rate as (
    select
        site_id,
        invoiced_date as kpi_date,
        'invoice_error_rate' as kpi,
        sum(case when is_invoice_error then 1 else 0 end) as numerator,
        count(*) as denominator
    from dated_invoices
    group by site_id, invoiced_date
),

issued_purchase_orders as (
    select
        purchase_orders.site_id,
        {{ local_date('purchase_orders.issued_at', 'sites.timezone') }} as issued_date,
        not purchase_orders.approval_required
        or coalesce(purchase_orders.approved_at <= purchase_orders.issued_at, false) as is_compliant
    from purchase_orders
    inner join sites on purchase_orders.site_id = sites.site_id
    where purchase_orders.issued_at is not null
),

po_approval_compliance as (
    select
        site_id,
        issued_date as kpi_date,
        'po_approval_compliance' as kpi,
        sum(case when is_compliant then 1 else 0 end) as numerator,
        count(*) as denominator
    from issued_purchase_orders
    group by site_id, issued_date
),

process_compliance as (
    select
        site_id,
        invoiced_date as kpi_date,
        'process_compliance' as kpi,
        sum(case when is_conforming then 1 else 0 end) as numerator,
        count(*) as denominator
    from case_conformance
    where invoiced_date is not null
    group by site_id, invoiced_date
),

dated_orders as (
    select
        site_id,
        {{ local_date('created_at', 'timezone') }} as created_date,
        coalesce(entry_method in ('spreadsheet_upload', 'offline'), false) as is_workaround
    from orders
    where not has_unknown_entry_method
),

workaround_order_rate as (
    select
        site_id,
        created_date as kpi_date,
        'workaround_order_rate' as kpi,
        sum(case when is_workaround then 1 else 0 end) as numerator,
        count(*) as denominator
    from dated_orders
    group by site_id, created_date
),

unioned as (
    select * from invoice_error_rate
    union all
    select * from po_approval_compliance
    union all
    select * from process_compliance
    union all
    select * from workaround_order_rate
),

final as (
    select
        site_id,
        kpi_date,
        kpi,
        cast(numerator as {{ type_double() }}) as numerator,
        cast(denominator as {{ type_double() }}) as denominator
    from unioned
)

select * from final
