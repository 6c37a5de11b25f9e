{#- marts.exception_queue: every exception open at the warehouse's as-of instant (int_warehouse_as_of), with
    its order's value at risk, its age against the SLA of its severity and type (reference table
    exception_sla; a type without a row of its own takes the severity's `*` row; an unknown or missing
    severity is judged as medium), a priority score and its rank in its site's queue and in the network's.

    priority_score = value_at_risk * severity_weight * (1 + least(hours_overdue / sla_hours, cap)), cap below:
    a cost-of-delay ordering (docs/kpis.md "Signals"). Ties, and every exception with nothing at risk (score
    0), are ordered by severity weight, then how far past its SLA, then the oldest first. -#}
{%- set overdue_factor_cap = 3 -%}
{%- set assumed_severity = 'medium' -%}
with

as_of as (
    select * from {{ ref('int_warehouse_as_of') }}
),

exceptions as (
    select * from {{ ref('stg_erp__exceptions') }}
),

sales_orders as (
    select * from {{ ref('stg_erp__sales_orders') }}
),

sales_order_lines as (
    select * from {{ ref('stg_erp__sales_order_lines') }}
),

shipments as (
    select * from {{ ref('stg_erp__shipments') }}
),

exception_sla as (
    select * from {{ ref('stg_reference__exception_sla') }}
),

open_exceptions as (
    select
        exceptions.exception_id,
        exceptions.site_id,
        exceptions.exception_type,
        exceptions.severity,
        exceptions.order_id,
        exceptions.opened_at,
        as_of.as_of_at,
        coalesce(exceptions.has_unknown_severity or exceptions.severity is null, true) as is_severity_assumed
    from exceptions
    cross join as_of
    where
        exceptions.opened_at <= as_of.as_of_at
        and (exceptions.resolved_at is null or exceptions.resolved_at > as_of.as_of_at)
),

shipped_by_as_of as (
    select
        shipments.order_id,
        shipments.line_number,
        sum(shipments.shipped_qty) as shipped_qty
    from shipments
    cross join as_of
    where shipments.shipped_at <= as_of.as_of_at
    group by shipments.order_id, shipments.line_number
),

{# An open line: not cancelled, of an order not cancelled, with quantity still to ship at the as-of instant. -#}
open_lines as (
    select
        sales_order_lines.order_id,
        sales_order_lines.unit_price,
        sales_order_lines.ordered_qty - coalesce(shipped_by_as_of.shipped_qty, 0) as unshipped_qty
    from sales_order_lines
    inner join sales_orders on sales_order_lines.order_id = sales_orders.order_id
    left join shipped_by_as_of
        on
            sales_order_lines.order_id = shipped_by_as_of.order_id
            and sales_order_lines.line_number = shipped_by_as_of.line_number
    where
        not coalesce(sales_order_lines.is_cancelled, false)
        and (sales_orders.status is null or sales_orders.status != 'cancelled')
        and sales_order_lines.ordered_qty > coalesce(shipped_by_as_of.shipped_qty, 0)
),

order_values_at_risk as (
    select
        order_id,
        count(*) as open_order_lines,
        sum(unshipped_qty) as unshipped_qty,
        sum(unshipped_qty * coalesce(unit_price, 0)) as value_at_risk,
        sum(case when unit_price is null then 1 else 0 end) > 0 as has_unpriced_open_lines
    from open_lines
    group by order_id
),

{# The row of the exception's own type if there is one, else its severity's `*` row. -#}
sla_candidates as (
    select
        open_exceptions.exception_id,
        exception_sla.exception_type as sla_exception_type,
        exception_sla.sla_hours,
        exception_sla.weight as severity_weight,
        row_number() over (
            partition by open_exceptions.exception_id
            order by case when exception_sla.exception_type = '*' then 1 else 0 end
        ) as preference
    from open_exceptions
    inner join exception_sla
        on
            exception_sla.severity = case
                when open_exceptions.is_severity_assumed then '{{ assumed_severity }}'
                else open_exceptions.severity
            end
            and exception_sla.exception_type in (open_exceptions.exception_type, '*')
),

judged as (
    select
        open_exceptions.as_of_at,
        open_exceptions.exception_id,
        open_exceptions.site_id,
        open_exceptions.exception_type,
        open_exceptions.severity,
        open_exceptions.is_severity_assumed,
        open_exceptions.order_id,
        open_exceptions.opened_at,
        {{ hours_between('open_exceptions.opened_at', 'open_exceptions.as_of_at') }} as age_hours,
        sla_candidates.sla_exception_type,
        sla_candidates.sla_hours,
        sla_candidates.severity_weight,
        coalesce(order_values_at_risk.open_order_lines, 0) as open_order_lines,
        coalesce(order_values_at_risk.unshipped_qty, 0) as unshipped_qty,
        cast(coalesce(order_values_at_risk.value_at_risk, 0) as {{ type_double() }}) as value_at_risk,
        coalesce(order_values_at_risk.has_unpriced_open_lines, false) as has_unpriced_open_lines
    from open_exceptions
    left join sla_candidates
        on
            open_exceptions.exception_id = sla_candidates.exception_id
            and sla_candidates.preference = 1
    left join order_values_at_risk on open_exceptions.order_id = order_values_at_risk.order_id
),

scored as (
    select
        *,
        greatest(age_hours - sla_hours, 0) as hours_overdue,
        greatest(age_hours - sla_hours, 0) / sla_hours as overdue_ratio,
        age_hours > sla_hours as is_overdue,
        value_at_risk * severity_weight
        * (1 + least(greatest(age_hours - sla_hours, 0) / sla_hours, {{ overdue_factor_cap }})) as priority_score
    from judged
),

final as (
    select
        as_of_at,
        exception_id,
        site_id,
        exception_type,
        severity,
        is_severity_assumed,
        order_id,
        opened_at,
        age_hours,
        sla_exception_type,
        sla_hours,
        severity_weight,
        hours_overdue,
        overdue_ratio,
        is_overdue,
        open_order_lines,
        unshipped_qty,
        value_at_risk,
        has_unpriced_open_lines,
        priority_score,
        row_number() over (
            partition by site_id
            order by priority_score desc, severity_weight desc, overdue_ratio desc, opened_at asc, exception_id asc
        ) as site_rank,
        row_number() over (
            order by priority_score desc, severity_weight desc, overdue_ratio desc, opened_at asc, exception_id asc
        ) as network_rank
    from scored
)

select * from final
