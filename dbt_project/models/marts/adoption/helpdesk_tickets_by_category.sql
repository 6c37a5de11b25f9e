{#- marts.helpdesk_tickets_by_category: per site, site-local day a ticket was opened and category, the help-desk
    tickets opened ('uncategorised' when the extract has no category), with the category's name
    (stg_reference__helpdesk_categories, else its code). The Adoption page's "Help-desk themes" sums it over the
    selected days; no user is named. -#}
with

tickets as (
    select * from {{ ref('stg_erp__helpdesk_tickets') }}
),

sites as (
    select * from {{ ref('stg_erp__sites') }}
),

categories as (
    select * from {{ ref('stg_reference__helpdesk_categories') }}
),

opened_tickets as (
    select
        tickets.site_id,
        sites.site_name,
        {{ local_date('tickets.opened_at', 'sites.timezone') }} as opened_date,
        coalesce(tickets.category, 'uncategorised') as category
    from tickets
    inner join sites on tickets.site_id = sites.site_id
    where tickets.opened_at is not null
),

final as (
    select
        opened_tickets.site_id,
        opened_tickets.site_name,
        opened_tickets.opened_date,
        opened_tickets.category,
        coalesce(categories.category_name, opened_tickets.category) as category_name,
        count(*) as tickets
    from opened_tickets
    left join categories on opened_tickets.category = categories.category
    group by
        opened_tickets.site_id,
        opened_tickets.site_name,
        opened_tickets.opened_date,
        opened_tickets.category,
        categories.category_name
)

select * from final
