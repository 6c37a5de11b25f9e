{#- Apache Spark forms of the dispatched macros (the default__ forms are DuckDB's). The session time zone is UTC
    (profiles.yml), so a Spark timestamp holds the same UTC instant DuckDB's timestamp without zone does. -#}

{#- from_utc_timestamp gives the wall-clock time in the zone of a UTC instant. -#}
{% macro spark__local_date(utc_timestamp, timezone) -%}
    to_date(from_utc_timestamp({{ utc_timestamp }}, {{ timezone }}))
{%- endmacro %}

{% macro spark__local_day_start(local_date, timezone) -%}
    to_utc_timestamp(cast({{ local_date }} as timestamp), {{ timezone }})
{%- endmacro %}

{#- Whole microseconds apart, then hours as a double, like DuckDB's epoch() difference. -#}
{% macro spark__hours_between(start_timestamp, end_timestamp) -%}
    cast(unix_micros({{ end_timestamp }}) - unix_micros({{ start_timestamp }}) as double) / 3600000000.0
{%- endmacro %}

{#- Spark has no table of zone names: the IANA names of the tz database that dbt ships (pytz), inlined. -#}
{% macro spark__is_known_timezone(expression) -%}
    {{ expression }} in (
        {%- for name in modules.pytz.all_timezones -%}
        '{{ name }}'{{ ', ' if not loop.last }}
        {%- endfor -%}
    )
{%- endmacro %}

{#- rlike searches with Java regular expressions (which take (?i) anywhere); anchoring makes it a whole match.
    Spark string literals read backslash escapes, so each backslash of the pattern is doubled. -#}
{% macro spark__full_match(expression, pattern) -%}
    ({{ expression }} rlike '^(?:{{ pattern | replace("\\", "\\\\") }})$')
{%- endmacro %}

{#- No check of a canonical form cheaper than the regular expression: every text takes the exact reading. -#}
{% macro spark__parse_canonical(expression, type) -%}
{%- endmacro %}

{#- Spark's cast reads an offset or Z itself and, without one, the session time zone (UTC): both cases are
    one cast. A decimal comma in the seconds becomes a point, t and z become T and Z, and space before the
    zone goes. -#}
{% macro spark__parse_timestamp(expression) -%}
    case
        when not {{ has_shape(expression, 'timestamp') }} then null
        else try_cast(
            regexp_replace(upper(replace(trim({{ expression }}), ',', '.')), '\\s+([Zz]|[+-][0-9]{2}(:?[0-9]{2})?)$', '$1')
            as timestamp
        )
    end
{%- endmacro %}

{% macro spark__try_cast_as(expression, type) -%}
    try_cast({{ expression }} as {{ type }})
{%- endmacro %}

{% macro spark__expand_date_range(start_date, end_date) -%}
    explode(sequence(cast({{ start_date }} as date), cast({{ end_date }} as date), interval 1 day))
{%- endmacro %}

{#- The ISO year (yearofweek) and ISO week number; date_format has no week-based patterns on Spark 3+. -#}
{% macro spark__iso_week_label(date_expression) -%}
    concat(
        cast(extract(yearofweek from cast({{ date_expression }} as date)) as string),
        '-W',
        lpad(cast(weekofyear(cast({{ date_expression }} as date)) as string), 2, '0')
    )
{%- endmacro %}

{% macro spark__type_double() -%}
    double
{%- endmacro %}

{#- listagg has no order on Spark: sort the (order key, value) pairs, then keep the values. -#}
{% macro spark__ordered_listagg(measure, order_by, delimiter_text) -%}
    array_join(
        transform(
            array_sort(collect_list(struct({{ order_by }} as sort_key, {{ measure }} as sort_value))),
            pair -> pair.sort_value
        ),
        {{ delimiter_text }}
    )
{%- endmacro %}
