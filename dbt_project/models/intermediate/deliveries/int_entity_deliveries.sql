{#- Whether each contract entity was delivered: its folder exists in the extracts, even if empty
    (KPIS.md "A KPI needs its deliveries"). -#}
with

folders as (
    select * from {{ source('erp', '_folders') }}
),

final as (
    select
        entity,
        file_count,
        coalesce(is_delivered, false) as is_delivered
    from folders
)

select * from final
