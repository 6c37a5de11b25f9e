{#- Site-day scoping of the KPI models in incremental runs (DuckDB).

    When a staging model restages changed keys, it compares their staged rows before (kept by the pre-hook) and
    after, and records for the rows whose content changed, in both versions, from which day each site's KPIs may
    have changed: base.touched_site_days (site_id, from_date; created on run start). A scoped model (config
    from site_day_scoped) deletes its rows whose site and anchor day fall in that region and inserts them again
    from its SQL filtered to the region; rows outside it are kept. The region is cleared at the end of a
    successful build (on-run-end), so a failed build leaves it for the next one.

    The footprint of a row is the earliest day any KPI row built from it can carry: the earliest of its own
    dates less one day (a site-local date is at least the UTC date less one day), at its own site(s), or at its
    order's site from the order's dates (order lines, shipments), at its user's site (usage events, training
    completions; a user from its provisioning, deactivation, first usage event and first training), every
    site of its case from the case's first event there (process events). A changed site row touches the whole
    site. Everything later is covered: backlogs, running sums and 7-day windows only look back. Reference
    tables and which entities were delivered change every row: they make the run a full refresh
    (orchestration/transform.py). -#}

{% macro touched_site_days_relation() -%}
    {{ return(api.Relation.create(database=target.database, schema='base', identifier='touched_site_days')) }}
{%- endmacro %}


{#- on-run-start: created before any model runs, since models running side by side insert into it. -#}
{% macro create_touched_site_days() -%}
{%- if incremental_models() %}
create schema if not exists {{ touched_site_days_relation().without_identifier() }};
create table if not exists {{ touched_site_days_relation() }} (site_id {{ dbt.type_string() }}, from_date date)
{%- endif %}
{%- endmacro %}


{#- The earliest of some dates or instants, as a date one day earlier; the beginning of time when all are null. -#}
{% macro footprint_date(columns) -%}
coalesce(
    least({% for column in columns %}cast({{ column }} as date){{ ', ' if not loop.last }}{% endfor %}) - 1,
    cast('1900-01-01' as date)
)
{%- endmacro %}


{#- select site_id, from_date for the rows of relation `touched_rows` of one entity (nothing for entities no
    site KPI reads: items, close tasks and adjustments). -#}
{% macro site_day_footprint(entity_name) -%}
{%- set own_site_dates = {
    'sales_orders': ['created_at', 'requested_ship_date'],
    'picks': ['picked_at'],
    'inventory_counts': ['counted_at'],
    'receipts': ['received_at', 'putaway_at'],
    'purchase_orders': ['created_at', 'approved_at', 'issued_at'],
    'invoices': ['invoiced_at', 'adjusted_at'],
    'exceptions': ['opened_at', 'resolved_at'],
    'helpdesk_tickets': ['opened_at', 'resolved_at'],
} -%}
{%- if entity_name == 'sites' -%}
select site_id, cast('1900-01-01' as date) as from_date from touched_rows
{%- elif entity_name in own_site_dates -%}
select site_id, {{ footprint_date(own_site_dates[entity_name]) }} as from_date from touched_rows
{%- elif entity_name == 'transfers' -%}
select from_site_id as site_id, {{ footprint_date(['requested_at', 'shipped_at', 'received_at']) }} as from_date
from touched_rows
union all
select to_site_id as site_id, {{ footprint_date(['requested_at', 'shipped_at', 'received_at']) }} as from_date
from touched_rows
{%- elif entity_name in ('sales_order_lines', 'shipments') -%}
select
    orders.site_id,
    {{ footprint_date(['orders.created_at', 'orders.requested_ship_date']
        + (['touched_rows.shipped_at'] if entity_name == 'shipments' else [])) }} as from_date
from touched_rows
inner join {{ this.incorporate(path={'identifier': 'stg_erp__sales_orders'}) }} as orders
    on touched_rows.order_id = orders.order_id
{%- elif entity_name == 'process_events' -%}
select case_events.site_id, min({{ footprint_date(['case_events.occurred_at']) }}) as from_date
from (
    select case_id, site_id, occurred_at from {{ this }}
    union all
    select case_id, site_id, occurred_at
    from {{ this.incorporate(path={'schema': 'base', 'identifier': 'base_erp__process_events__replaced'}) }}
) as case_events
where case_events.case_id in (select touched_rows.case_id from touched_rows)
group by case_events.site_id
{%- elif entity_name in ('usage_events', 'training_completions') -%}
select
    users.site_id,
    {{ footprint_date(['touched_rows.occurred_at' if entity_name == 'usage_events' else 'touched_rows.completed_at']) }}
        as from_date
from touched_rows
inner join {{ this.incorporate(path={'identifier': 'stg_erp__users'}) }} as users
    on touched_rows.user_id = users.user_id
{%- elif entity_name == 'users' -%}
select
    site_id,
    {{ footprint_date([
        'provisioned_date',
        'deactivated_date',
        '(select min(events.occurred_at) from ' ~ this.incorporate(path={'identifier': 'stg_erp__usage_events'})
            ~ ' as events where events.user_id = touched_rows.user_id)',
        '(select min(training.completed_at) from '
            ~ this.incorporate(path={'identifier': 'stg_erp__training_completions'})
            ~ ' as training where training.user_id = touched_rows.user_id)',
    ]) }} as from_date
from touched_rows
{%- endif -%}
{%- endmacro %}


{#- The staged rows of the changed keys as they were before the staging model restages them. -#}
{% macro replaced_rows_relation(validation_relation) -%}
    {{ return(validation_relation.incorporate(path={'identifier': validation_relation.identifier ~ '__replaced'})) }}
{%- endmacro %}


{#- Rows of {{ this }} (a staging model) whose key is among the changed keys. -#}
{% macro rows_of_changed_keys(validation_relation, keys) -%}
select * from {{ this }} as staged
where exists (
    select 1 from {{ changed_keys_relation(validation_relation) }} as changes
    where {% for key in keys %}changes._key_{{ key }} = cast(staged.{{ key }} as {{ dbt.type_string() }}){{ ' and ' if not loop.last }}{% endfor %}
)
{%- endmacro %}


{#- Pre-hook of stg_erp__<entity> (before unstage_changed_keys): keep the staged rows about to be replaced (added
    to what a build that stopped halfway kept, until a post-hook has recorded them). -#}
{% macro keep_replaced_rows(entity_name, validation_relation, keys) -%}
{%- if is_incremental() and site_day_footprint(entity_name) | trim %}
{%- set replaced = replaced_rows_relation(validation_relation) -%}
create table if not exists {{ replaced }} as select * from {{ this }} where false;

insert into {{ replaced }}
{{ rows_of_changed_keys(validation_relation, keys) }}
{%- endif %}
{%- endmacro %}


{#- Post-hook of stg_erp__<entity> (before clear_changed_keys): record the footprint of the rows whose content
    changed, in their old version and in their new one (a re-delivered row that is the same touches nothing). -#}
{% macro record_touched_site_days(entity_name, validation_relation, keys) -%}
{%- set footprint = site_day_footprint(entity_name) | trim -%}
{%- if is_incremental() and footprint %}
{%- set columns = contract_entities()[entity_name]['columns'] | map(attribute='name') | list -%}
{%- set replaced = replaced_rows_relation(validation_relation) -%}
{%- set column_list = columns | map('tojson') | join(', ') -%}
insert into {{ touched_site_days_relation() }}
with new_rows as (
    {{ rows_of_changed_keys(validation_relation, keys) }}
),

touched_rows as (
    (select {{ column_list }} from new_rows except select {{ column_list }} from {{ replaced }})
    union all
    (select {{ column_list }} from {{ replaced }} except select {{ column_list }} from new_rows)
),

footprint as (
    {{ footprint }}
)

select site_id, min(from_date) as from_date
from footprint
where site_id is not null
group by site_id;

delete from {{ replaced }}
{%- endif %}
{%- endmacro %}


{#- Whether a row (its site and anchor day: column expressions, unqualified ones resolve to the outer query) is in
    the touched region. A row without an anchor day is always in it. -#}
{% macro in_touched_site_days(site_column, date_column) -%}
exists (
    select 1
    from (
        select site_id as region_site_id, min(from_date) as region_from_date
        from {{ touched_site_days_relation() }}
        group by site_id
    ) as region
    where
        region.region_site_id = {{ site_column }}
        and coalesce({{ date_column }}, cast('9999-12-31' as date)) >= region.region_from_date
)
{%- endmacro %}


{#- Config of a scoped model: incremental where staging is; its pre-hook deletes the rows in the region. The model
    filters its rows with in_touched_site_days when is_incremental(). -#}
{% macro site_day_scoped(site_column, date_column) -%}
{{ config(
    materialized='incremental' if incremental_models() else 'table',
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook=["{{ delete_touched_site_days('" ~ site_column ~ "', '" ~ date_column ~ "') }}"]
        if incremental_models() else [],
) }}
{%- endmacro %}


{% macro delete_touched_site_days(site_column, date_column) -%}
{%- if is_incremental() %}
delete from {{ this }}
where {{ in_touched_site_days(site_column, date_column) }}
{%- endif %}
{%- endmacro %}


{#- on-run-end: a successful build has applied the region everywhere. -#}
{% macro clear_touched_site_days(results) -%}
{%- if incremental_models() and execute
    and results | selectattr('status', 'in', ['error', 'fail', 'runtime error']) | list | length == 0 %}
delete from {{ touched_site_days_relation() }}
{%- endif %}
{%- endmacro %}
