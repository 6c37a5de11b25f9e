{#- The help-desk ticket categories in words (a project reference table, shipped as a seed only; not part of the
    extract contract): one row per category code as helpdesk_tickets delivers it, with the name the Adoption page
    shows. A delivered category without a row here is shown by its code. -#}
with

helpdesk_categories as (
    select * from {{ ref('helpdesk_categories') }}
),

final as (
    select
        category,
        category_name,
        description
    from helpdesk_categories
)

select * from final
