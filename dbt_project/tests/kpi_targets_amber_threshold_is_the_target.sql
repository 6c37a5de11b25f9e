{{ config(severity='warn') }}
{#- The status rule (macros/kpi/rag_status.sql) turns amber as soon as a value misses its target, so a
    kpi_targets row's amber_threshold - where amber starts - is its target. A delivered table that sets it
    elsewhere still gets the documented rule; this warning says its amber_threshold is not read. -#}
select
    kpi,
    target,
    amber_threshold
from {{ ref('stg_reference__kpi_targets') }}
where amber_threshold <> target
