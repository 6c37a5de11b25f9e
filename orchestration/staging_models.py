"""The dbt models of the contract entities, written out as plain SQL files a reader opens.

For every entity of the contract (orchestration/contract.yml) `python -m orchestration.contract` writes:

- ``base/base_erp__<entity>.sql``  every row of the deliveries, typed: per column the delivered text, the value and
  the reason it breaks the contract; the latest version of each key among the current deliveries marked.
- ``stg_erp__<entity>.sql``        the latest valid version of each key, codes harmonised (extracts), or
  ``stg_reference__<table>.sql``   the delivered reference table if any, else the shipped seed.

The SQL calls only the small parse macros (macros/staging/parse_value.sql, engine forms in macros/adapters/) and
the merge clauses of the incremental staging models (macros/staging/incremental.sql).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from orchestration.contract import Column, Entity

SQL_NOTE = "-- Generated from orchestration/contract.yml by `python -m orchestration.contract`; do not edit.\n"
# The type a shipped seed column is read as, per contract type (reference tables).
SEED_TYPES = {
    "text": "{{ dbt.type_string() }}",
    "int": "{{ dbt.type_bigint() }}",
    "decimal": "decimal(38, 10)",
    "bool": "{{ dbt.type_boolean() }}",
    "date": "date",
    "timestamp": "{{ dbt.type_timestamp() }}",
}


def base_model(entity: Entity) -> str:
    return f"base_erp__{entity.name}"


def staging_model(entity: Entity) -> str:
    return f"stg_reference__{entity.name}" if entity.is_reference else f"stg_erp__{entity.name}"


def _list(items: list[str], indent: int) -> str:
    """One item a line, comma-trailing."""
    pad = " " * indent
    return ",\n".join(pad + item for item in items)


def _any_fault(columns: list[Column], indent: int) -> str:
    """An expression true when any of the columns has a fault; false when there are none."""
    if not columns:
        return "false"
    pad = " " * indent
    terms = [f"_fault_{column.name} is not null" for column in columns]
    return "(\n" + "\n".join(pad + "    " + ("or " if i else "") + term for i, term in enumerate(terms)) + f"\n{pad})"


def _keys_list(entity: Entity) -> str:
    return "[" + ", ".join(f"'{key}'" for key in entity.key) + "]"


def _fault_call(column: Column) -> str:
    arguments = [f"'_raw_{column.name}'", f"'_parsed_{column.name}'", f"'{column.type}'"]
    if column.required:
        arguments.append("required=true")
    if column.constraint:
        arguments.append(f"constraint='{column.constraint}'")
    return f"{{{{ fault_reason({', '.join(arguments)}) }}}}"


def render_base_model(entity: Entity) -> str:
    name = entity.name
    keys = entity.key
    parsed = ["_file_name", "_file_hash", "_row_number", "_load_id"]
    for column in entity.columns:
        parsed.append(f"{column.name} as _raw_{column.name}")
        parsed.append(f"{{{{ parse_{column.type}('{column.name}') }}}} as _parsed_{column.name}")
    keyed = ["*"]
    for key in keys:
        keyed.append(
            "coalesce(\n"
            f"            cast(_parsed_{key} as {{{{ dbt.type_string() }}}}),\n"
            "            _file_hash || ':' || cast(_row_number as {{ dbt.type_string() }})\n"
            f"        ) as _key_{key}"
        )
    checked = ["*"] + [f"{_fault_call(column)}\n            as _fault_{column.name}" for column in entity.columns]
    typed = ["_file_name", "_file_hash", "_row_number", "_load_id"]
    typed += [f"_key_{key}" for key in keys]
    for column in entity.columns:
        typed += [
            f"case when _fault_{column.name} is null then _parsed_{column.name} end as {column.name}",
            f"_raw_{column.name}",
            f"_fault_{column.name}",
        ]
    required = [column for column in entity.columns if column.required]
    optional = [column for column in entity.columns if not column.required]
    typed.append(f"{_any_fault(required, 8)} as _is_rejected")
    typed.append(f"{_any_fault(optional, 8)} as _is_flagged")
    key_columns = ", ".join(f"_key_{key}" for key in keys)
    key_match = "\n                and ".join(f"changed_keys._key_{key} = previous._key_{key}" for key in keys)
    return f"""{SQL_NOTE}-- `{name}` as delivered, typed: every row of the deliveries with, per column, the delivered
-- text (_raw_), the value (null when it breaks the contract) and why it breaks it (_fault_). A fault in a
-- required column rejects the row (_is_rejected), in an optional one it flags it (_is_flagged).
-- _is_latest marks the latest version of each key among the current deliveries: the file that sorts last by
-- name, then the last row. Rows of deliveries no longer current stay, marked not _is_current, until the next
-- full refresh.
-- Incremental on DuckDB: a run parses only the rows of deliveries it has not seen, and decides again every
-- version of each key that gained a version or whose delivery stopped (or started again) being current.
-- Those rows carry this run's invocation id (_changed_in) and whether they were the latest before it
-- (_was_latest): the staging model restages their keys and int_touched_site_days compares the versions.
{{{{
    config(
        materialized='incremental' if incremental_models() else 'table',
        incremental_strategy='delete+insert',
        unique_key=['_file_name', '_file_hash', '_row_number'],
        on_schema_change='fail',
    )
}}}}

with

raw_rows as (
    select * from {{{{ source('erp', '{name}') }}}}
),

deliveries as (
    select * from {{{{ source('erp', '_deliveries') }}}}
),

current_deliveries as (
    select
        file_name,
        file_hash
    from deliveries
    where entity = '{name}' and is_current
),

delivered as (
    select raw_rows.*
    from raw_rows
    inner join current_deliveries
        on
            raw_rows._file_hash = current_deliveries.file_hash
            and raw_rows._file_name = current_deliveries.file_name
    {{% if is_incremental() %}}
        where not exists (
            select 1 from {{{{ this }}}} as validated
            where validated._file_name = raw_rows._file_name and validated._file_hash = raw_rows._file_hash
        )
    {{% endif %}}
),

parsed as (
    select
{_list(parsed, 8)}
    from delivered
),

keyed as (
    select
{_list(keyed, 8)}
    from parsed
),

checked as (
    select
{_list(checked, 8)}
    from keyed
),

typed as (
    select -- noqa: ST06
{_list(typed, 8)}
    from checked
),

{{% if is_incremental() %}}
    previous as (
        select * from {{{{ this }}}}
    ),

    previous_deliveries as (
        select distinct
            _file_name,
            _file_hash,
            _is_current
        from previous
    ),

    -- deliveries that stopped (or started again) being current since this table last saw them
    changed_deliveries as (
        select
            previous_deliveries._file_name,
            previous_deliveries._file_hash
        from previous_deliveries
        left join current_deliveries
            on
                previous_deliveries._file_name = current_deliveries.file_name
                and previous_deliveries._file_hash = current_deliveries.file_hash
        where previous_deliveries._is_current <> (current_deliveries.file_name is not null)
    ),

    changed_keys as (
        select {key_columns} from typed
        union
        select {", ".join(f"previous._key_{key}" for key in keys)}
        from previous
        inner join changed_deliveries
            on
                previous._file_name = changed_deliveries._file_name
                and previous._file_hash = changed_deliveries._file_hash
    ),

    versions as (
        select
            *,
            false as _was_latest
        from typed
        union all
        select
            * exclude (_is_current, _is_latest, _was_latest, _changed_in),
            _is_latest as _was_latest
        from previous
        where exists (
            select 1 from changed_keys
            where
                {key_match}
        )
    ),
{{% else %}}
    versions as (
        select
            *,
            false as _was_latest
        from typed
    ),
{{% endif %}}

currency as (
    select
        versions.*,
        current_deliveries.file_name is not null as _is_current
    from versions
    left join current_deliveries
        on
            versions._file_name = current_deliveries.file_name
            and versions._file_hash = current_deliveries.file_hash
),

final as (
    select
        *,
        _is_current and row_number() over (
            partition by {key_columns}, _is_current
            order by _file_name desc, _row_number desc
        ) = 1 as _is_latest,
        '{{{{ invocation_id }}}}' as _changed_in
    from currency
)

select * from final
"""


def _coded_columns(entity: Entity) -> list[Column]:
    """Columns with canonical codes, in the order the staging model harmonises them."""
    return [column for column in entity.columns if column.values] + [
        column for column in entity.columns if column.values_from and not column.values
    ]


def _canonical_codes_cte(entity: Entity, column: Column) -> str:
    if column.values_from:
        table, field = column.values_from.split(".")
        return (
            f"canonical_{column.name} as (\n    select {field} as code from {{{{ ref('stg_reference__{table}') }}}}\n)"
        )
    rows = "\n    union all\n".join(f"    select '{value}' as code" for value in column.values)
    return f"canonical_{column.name} as (\n{rows}\n)"


def _harmonised_code(entity: Entity, column: Column) -> str:
    name = column.name
    return f"""coalesce(
            (
                select min(canonical_{name}.code) from canonical_{name}
                where canonical_{name}.code = latest.{name}
            ),
            (
                select min(code_lookup.canonical_code)
                from code_lookup
                where
                    code_lookup.domain = '{entity.name}.{name}'
                    and code_lookup.source_key = lower(latest.{name})
                    and code_lookup.canonical_code in (
                        select canonical_{name}.code from canonical_{name}
                    )
            ),
            (
                select min(canonical_{name}.code) from canonical_{name}
                where canonical_{name}.code = lower(latest.{name})
            )
        ) as _canonical_{name}"""


def render_staging_model(entity: Entity) -> str:
    name = entity.name
    base = base_model(entity)
    coded = _coded_columns(entity)
    ctes = [
        f"validated as (\n    select * from {{{{ ref('{base}') }}}}\n)",
        """latest as (
    select * from validated
    where
        _is_latest and not _is_rejected
    {% if is_incremental() %}
        and _changed_in = '{{ invocation_id }}'
    {% endif %}
)""",
    ]
    if coded:
        ctes.append(
            "code_map as (\n    select * from {{ ref('stg_reference__code_map') }}\n)",
        )
        ctes.append(
            """code_lookup as (
    select
        domain,
        lower(trim(source_code)) as source_key,
        min(canonical_code) as canonical_code
    from code_map
    group by domain, lower(trim(source_code))
)"""
        )
        ctes += [_canonical_codes_cte(entity, column) for column in coded]
    if coded:
        harmonised = ["latest.*"] + [_harmonised_code(entity, column) for column in coded]
        ctes.append(f"harmonised as (\n    select\n{_list(harmonised, 8)}\n    from latest\n)")
    final = []
    for column in entity.columns:
        if column in coded:
            final.append(f"coalesce(_canonical_{column.name}, {column.name}) as {column.name}")
            final.append(
                f"coalesce({column.name} is not null and _canonical_{column.name} is null, false)\n"
                f"            as has_unknown_{column.name}"
            )
        else:
            final.append(column.name)
    flags = "".join(
        f"\n            or coalesce({column.name} is not null and _canonical_{column.name} is null, false)"
        for column in coded
    )
    final.append(
        f"(\n            _is_flagged{flags}\n        ) as is_flagged" if flags else "_is_flagged as is_flagged"
    )
    final += [
        "_file_name as source_file_name",
        "_row_number as source_row_number",
        "_load_id as load_id",
        "'{{ invocation_id }}' as staged_in",
    ]
    source = "harmonised" if coded else "latest"
    ctes.append(f"final as (\n    select -- noqa: ST06\n{_list(final, 8)}\n    from {source}\n)")
    body = ",\n\n".join(ctes)
    return f"""{SQL_NOTE}-- `{name}`: the latest version of each key when it is valid, typed, with coded columns
-- harmonised to the canonical codes (the exact code, else code_map, else the canonical code in another
-- case). A code that stays unknown keeps its delivered value and sets has_unknown_<column>: the row is
-- flagged, never dropped.
-- Incremental on DuckDB (merge on the key): a run restages only the keys {base} revisited in
-- this run (_changed_in); those left without a valid latest version come as removals (a key and no source
-- row) and leave (macros/staging/incremental.sql).
{{{{
    config(
        materialized='incremental' if incremental_models() else 'table',
        incremental_strategy='merge',
        unique_key={_keys_list(entity)},
        merge_clauses=merge_with_removals('source_row_number'),
        on_schema_change='fail',
    )
}}}}

with

{body}{{% if is_incremental() %}},

    removed as (
        select distinct {", ".join(f"validated.{key}" for key in entity.key)}
        from validated
        where
            validated._changed_in = '{{{{ invocation_id }}}}'
            and {" and ".join(f"validated.{key} is not null" for key in entity.key)}
            and not exists (
                select 1 from final
                where {" and ".join(f"final.{key} = validated.{key}" for key in entity.key)}
            )
    )
{{% endif %}}

select * from final
{{% if is_incremental() %}}
    union all by name
    select * from removed
{{% endif %}}
"""


def render_reference_model(entity: Entity) -> str:
    name = entity.name
    columns = [column.name for column in entity.columns]
    shipped = [f"cast({column.name} as {SEED_TYPES[column.type]}) as {column.name}" for column in entity.columns]
    return f"""{SQL_NOTE}-- The reference table `{name}`: the delivered one when the extracts delivered any file of
-- it, else the shipped seed.

with

validated as (
    select * from {{{{ ref('{base_model(entity)}') }}}}
),

deliveries as (
    select * from {{{{ source('erp', '_deliveries') }}}}
),

seed as (
    select * from {{{{ ref('{name}') }}}}
),

delivered as (
    select
{_list(columns, 8)}
    from validated
    where _is_latest and not _is_rejected
),

is_delivered as (
    select count(*) > 0 as is_delivered
    from deliveries
    where entity = '{name}' and is_current and status = 'loaded'
),

shipped as (
    select
{_list(shipped, 8)}
    from seed
),

final as (
    select * from delivered
    union all
    select * from shipped
    where not (select is_delivered.is_delivered from is_delivered)
)

select * from final
"""
