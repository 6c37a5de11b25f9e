{#- Incremental models (DuckDB): the validation and staging tables of the contract entities take only what
    changed, and the KPI models under marts.kpi_daily recompute only the site-days it touches. Elsewhere they are
    rebuilt in full from the same SQL: the first build of an incremental model is that full build.
    `observatory run --full-refresh` rebuilds. How a run finds what changed, all through ref:

    - base_erp__<entity> (delete+insert on the row's identity) marks every row it revisits with the run's
      invocation id (_changed_in) and whether it was the latest version before (_was_latest);
    - stg_erp__<entity> (merge on the key) restages those keys; a revisited key left without a valid version
      comes as a removal (merge_with_removals);
    - int_touched_site_days lists from which day each site's KPIs may have changed, and the scoped models
      recompute that region (macros/staging/touched_site_days.sql).

    A run's changes are known only to that run: orchestration/transform.py makes the build after a failed or
    interrupted one a full refresh. -#}

{% macro incremental_models() -%}
    {{ return(target.type == 'duckdb') }}
{%- endmacro %}


{#- merge_clauses for dbt-duckdb's merge strategy, where the model's rows whose `marker` column is null are
    removals: a matching row is deleted; other rows update the row with their key or are inserted. -#}
{% macro merge_with_removals(marker) -%}
    {{ return({
        'when_matched': [
            {'condition': 'DBT_INTERNAL_SOURCE.' ~ marker ~ ' is null', 'action': 'delete'},
            {'action': 'update', 'mode': 'by_name'},
        ],
        'when_not_matched': [
            {'condition': 'DBT_INTERNAL_SOURCE.' ~ marker ~ ' is not null', 'action': 'insert', 'mode': 'by_name'},
        ],
    }) }}
{%- endmacro %}
