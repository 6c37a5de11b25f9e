{#- Site-day scoping of the KPI models in incremental runs (DuckDB). int_touched_site_days holds the region: from
    which day each site's KPIs may have changed. A scoped model (int_order_line_fills, int_order_fulfilment,
    int_case_conformance, int_active_users_daily, int_user_transactions_daily, kpi_daily and the drill-down marts
    kpi_detail_order_lines, kpi_detail_orders, kpi_detail_picks, kpi_detail_cases) deletes its rows in the region (pre-hook
    delete_touched_site_days) and inserts them again from its SQL filtered to the region (in_touched_site_days);
    rows outside it are kept. -#}

{#- Whether a row (its site and anchor day: column expressions; unqualified ones resolve to the outer query, the
    region's columns are renamed so that they cannot capture them) is in the region int_touched_site_days holds.
    A row without an anchor day is always in it. -#}
{% macro in_touched_site_days(site_column, date_column) -%}
exists (
    select 1
    from (
        select
            site_id as region_site_id,
            from_date as region_from_date
        from {{ ref('int_touched_site_days') }}
    ) as region
    where
        region.region_site_id = {{ site_column }}
        and coalesce({{ date_column }}, cast('9999-12-31' as date)) >= region.region_from_date
)
{%- endmacro %}


{#- The earliest of some dates or instants, as a date one day earlier (a site-local date is at least the UTC date
    less one day); the beginning of time when all are null. -#}
{% macro footprint_date(columns) -%}
{%- set earliest -%}
    {%- if columns | length == 1 -%}
        cast({{ columns[0] }} as date)
    {%- else -%}
        least({% for column in columns %}cast({{ column }} as date){{ ', ' if not loop.last }}{% endfor %})
    {%- endif -%}
{%- endset -%}
coalesce(
    {{ add_days(earliest, -1) }},
    cast('1900-01-01' as date)
)
{%- endmacro %}


{#- The staged rows of one entity whose content this run changed, in their old version and in their new one:
    among the rows base_erp__<entity> revisited (_changed_in), the latest valid version before the run
    (_was_latest) and after it (_is_latest), where the two differ (a re-delivered row that is the same touches
    nothing). -#}
{% macro staged_rows_changed_in_this_run(entity_name) -%}
{%- set columns = contract_entities()[entity_name]['columns'] | map(attribute='name') | join(', ') -%}
{%- set base = ref('base_erp__' ~ entity_name) -%}
{%- set revisited = base ~ " where _changed_in = '" ~ invocation_id ~ "' and not _is_rejected" -%}
{%- if not site_days_are_scoped() -%}
select {{ columns }} from {{ base }} where false
{%- else -%}
(
    select {{ columns }} from {{ revisited }} and _is_latest
    except
    select {{ columns }} from {{ revisited }} and _was_latest
)
union all
(
    select {{ columns }} from {{ revisited }} and _was_latest
    except
    select {{ columns }} from {{ revisited }} and _is_latest
)
{%- endif %}
{%- endmacro %}


{#- Whether this build scopes the KPI models to the touched site-days: an incremental build on DuckDB. A full build
    (the first, --full-refresh, or one orchestration/transform.py decides) rebuilds every model. -#}
{% macro site_days_are_scoped() -%}
    {{ return(incremental_models() and not flags.FULL_REFRESH) }}
{%- endmacro %}


{#- Pre-hook of a scoped model: its rows in the region leave (the model inserts those it still computes). -#}
{% macro delete_touched_site_days(site_column, date_column) -%}
{%- if is_incremental() %}
delete from {{ this }}
where {{ in_touched_site_days(site_column, date_column) }}
{%- endif %}
{%- endmacro %}
