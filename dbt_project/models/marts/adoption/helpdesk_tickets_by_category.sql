{#- marts.helpdesk_tickets_by_category: per site, site-local day a ticket was opened and category, the help-desk
    tickets opened ('uncategorised' when the extract has no category). The Adoption page's "Help-desk ticket
    themes" sums it over the selected days; no user is named. -#}
with

tickets as (
    select * from {{ ref('stg_erp__helpdesk_tickets') }}
),

sites as (
    select * from {{ ref('stg_erp__sites') }}
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
        site_id,
        site_name,
        opened_date,
        category,
        count(*) as tickets
    from opened_tickets
    group by site_id, site_name, opened_date, category
)

select * from final
