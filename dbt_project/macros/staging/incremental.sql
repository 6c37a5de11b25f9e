{#- Incremental staging: the base and staging tables of the contract entities take only new deliveries
    where the engine updates tables in place (DuckDB). Elsewhere they are rebuilt in full from the same SQL:
    the first build of an incremental model is that full build. `observatory run --full-refresh` rebuilds. -#}

{% macro incremental_models() -%}
    {{ return(target.type == 'duckdb') }}
{%- endmacro %}


{#- The keys whose versions changed and are not yet restaged: filled by the base model, emptied by the
    staging model once it has restaged them. -#}
{% macro changed_keys_relation(validation_relation) -%}
    {{ return(api.Relation.create(
        database=validation_relation.database,
        schema=validation_relation.schema,
        identifier=validation_relation.identifier ~ '__changes',
    )) }}
{%- endmacro %}


{#- Post-hook of base_erp__<entity> (as text, rendered when it runs): record the keys of the rows just added
    and of the rows whose delivery is no longer current (replaced under the same name, or gone), drop the
    latter, and decide again which version of each of those keys is the latest. -#}
{% macro mark_latest_versions(entity_name, keys) -%}
{%- set changes = changed_keys_relation(this) -%}
{%- set deliveries = source('erp', '_deliveries') -%}
create table if not exists {{ changes }} as
select {% for key in keys %}_key_{{ key }}{{ ', ' if not loop.last }}{% endfor %} from {{ this }} where false;

insert into {{ changes }}
select distinct {% for key in keys %}_key_{{ key }}{{ ', ' if not loop.last }}{% endfor %}
from {{ this }} as validated
where
    validated._is_latest is null
    or not exists (
        select 1 from {{ deliveries }} as deliveries
        where
            deliveries.entity = '{{ entity_name }}' and deliveries.is_current
            and deliveries.file_name = validated._file_name and deliveries.file_hash = validated._file_hash
    );

delete from {{ this }} as validated
where not exists (
    select 1 from {{ deliveries }} as deliveries
    where
        deliveries.entity = '{{ entity_name }}' and deliveries.is_current
        and deliveries.file_name = validated._file_name and deliveries.file_hash = validated._file_hash
);

update {{ this }} as validated
set _is_latest = ranked._is_latest
from (
    select
        _file_name,
        _file_hash,
        _row_number,
        row_number() over (
            partition by {% for key in keys %}_key_{{ key }}{{ ', ' if not loop.last }}{% endfor %}
            order by _file_name desc, _row_number desc
        ) = 1 as _is_latest
    from {{ this }} as versions
    where exists (
        select 1 from {{ changes }} as changes
        where {% for key in keys %}changes._key_{{ key }} = versions._key_{{ key }}{{ ' and ' if not loop.last }}{% endfor %}
    )
) as ranked
where
    validated._file_name = ranked._file_name
    and validated._file_hash = ranked._file_hash
    and validated._row_number = ranked._row_number
{%- endmacro %}


{#- Pre-hook of stg_erp__<entity>: take out the staged rows of every changed key (the model inserts their
    latest valid version again, if they still have one). -#}
{% macro unstage_changed_keys(validation_relation, keys) -%}
{%- if is_incremental() %}
delete from {{ this }} as staged
where exists (
    select 1 from {{ changed_keys_relation(validation_relation) }} as changes
    where {% for key in keys %}changes._key_{{ key }} = cast(staged.{{ key }} as {{ dbt.type_string() }}){{ ' and ' if not loop.last }}{% endfor %}
)
{%- endif %}
{%- endmacro %}


{#- Post-hook of stg_erp__<entity>: the changed keys are restaged. -#}
{% macro clear_changed_keys(validation_relation) -%}
delete from {{ changed_keys_relation(validation_relation) }}
{%- endmacro %}
