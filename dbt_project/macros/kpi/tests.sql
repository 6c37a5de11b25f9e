{#- Generic tests for invariants the project guarantees (severity error); delivered-data checks use dbt's
    own tests with severity warn. -#}

{#- The column is > 0 in every row. -#}
{% test is_positive(model, column_name) %}
select *
from {{ model }}
where not ({{ column_name }} > 0)
{% endtest %}

{#- The column equals numerator / denominator (up to floating-point rounding). -#}
{% test is_quotient(model, column_name, numerator, denominator) %}
select *
from {{ model }}
where
    abs({{ column_name }} - cast({{ numerator }} as {{ type_double() }}) / {{ denominator }})
    > 1e-9 * (case when abs({{ column_name }}) > 1 then abs({{ column_name }}) else 1 end)
{% endtest %}

{#- The column lies within its KPI's [min_value, max_value] of the KPI dictionary (either bound may be
    null: unbounded). Rates are in [0, 1], so their numerator never exceeds their denominator. -#}
{% test is_within_kpi_range(model, column_name, kpi_column='kpi') %}
with

definitions as (
    select * from {{ ref('kpi_definitions') }}
),

checked as (
    select
        checked_model.*,
        definitions.min_value,
        definitions.max_value
    from {{ model }} as checked_model
    inner join definitions on checked_model.{{ kpi_column }} = definitions.kpi
)

select *
from checked
where
    (min_value is not null and {{ column_name }} < min_value)
    or (max_value is not null and {{ column_name }} > max_value)
{% endtest %}

{#- The left column is <= the right column wherever both are set. -#}
{% test is_at_most(model, column_name, other_column) %}
select *
from {{ model }}
where {{ column_name }} > {{ other_column }}
{% endtest %}

{#- The column lies within [min_value, max_value] (either bound optional) wherever it is set. -#}
{% test is_in_range(model, column_name, min_value=none, max_value=none) %}
select *
from {{ model }}
where
    {{ column_name }} is not null
    and (
        {%- if min_value is not none %} {{ column_name }} < {{ min_value }}{% else %} false{% endif %}
        or {%- if max_value is not none %} {{ column_name }} > {{ max_value }}{% else %} false{% endif %}
    )
{% endtest %}
