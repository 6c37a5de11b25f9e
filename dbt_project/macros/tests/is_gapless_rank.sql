{#- The column numbers the rows of each partition 1, 2, ... n without a gap or a repeat (one queue position per
    row). Returns each partition that breaks it. -#}
{% test is_gapless_rank(model, column_name, partition_by=none) %}
select
    {{ partition_by ~ ',' if partition_by }}
    count(*) as row_count,
    count(distinct {{ column_name }}) as distinct_ranks,
    min({{ column_name }}) as lowest_rank,
    max({{ column_name }}) as highest_rank
from {{ model }}
{{ 'group by ' ~ partition_by if partition_by }}
having
    min({{ column_name }}) != 1
    or max({{ column_name }}) != count(*)
    or count(distinct {{ column_name }}) != count(*)
    or count({{ column_name }}) != count(*)
{% endtest %}
