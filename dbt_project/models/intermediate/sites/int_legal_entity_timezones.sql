{#- One row per legal entity with sites: the time zone its finance close dates use, that of its sites
    (KPIS.md: all sites of one legal entity share one time zone; if not, the first site's by site_id). -#}
with

sites as (
    select * from {{ ref('stg_erp__sites') }}
),

ranked_sites as (
    select
        legal_entity,
        site_id,
        timezone,
        row_number() over (partition by legal_entity order by site_id) as site_rank
    from sites
),

legal_entity_sites as (
    select
        legal_entity,
        count(*) as site_count,
        count(distinct timezone) as timezone_count
    from sites
    group by legal_entity
),

final as (
    select
        ranked_sites.legal_entity,
        ranked_sites.timezone,
        ranked_sites.site_id as timezone_site_id,
        legal_entity_sites.site_count,
        legal_entity_sites.timezone_count > 1 as has_mixed_timezones
    from ranked_sites
    inner join legal_entity_sites on ranked_sites.legal_entity = legal_entity_sites.legal_entity
    where ranked_sites.site_rank = 1
)

select * from final
