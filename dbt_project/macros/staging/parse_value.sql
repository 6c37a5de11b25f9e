{#- Reading delivered text as the contract's types, and why a value breaks the contract. Each parse returns null
    when the text is not of the type; engine-specific SQL stays inside the dispatched implementations.

    Valid values pay only for their cast: text already in the type's canonical form (2026-01-05,
    2026-01-05T14:42:18-06:00, 42, 15.5, true) is cast directly where the engine has a cheap exact check of that
    form (parse_canonical: DuckDB's glob). Only other text goes through the shape's regular expression, which
    decides exactly as before; a fault's reason is worked out only for values that did not parse. -#}

{% macro parse_text(expression) -%}
    nullif(trim({{ expression }}), '')
{%- endmacro %}

{% macro parse_int(expression) -%}
    case
        {{- parse_canonical(expression, 'int') }}
        when {{ has_shape(expression, 'int') }}
            then cast({{ try_cast_as('trim(' ~ expression ~ ')', 'decimal(38, 0)') }} as bigint)
    end
{%- endmacro %}

{% macro parse_decimal(expression) -%}
    case
        {{- parse_canonical(expression, 'decimal') }}
        when {{ has_shape(expression, 'decimal') }} then {{ try_cast_as('trim(' ~ expression ~ ')', 'decimal(38, 10)') }}
    end
{%- endmacro %}

{% macro parse_bool(expression) -%}
    case
        {{- parse_canonical(expression, 'bool') }}
        when lower(trim({{ expression }})) in ('true', 'yes', '1') then true
        when lower(trim({{ expression }})) in ('false', 'no', '0') then false
    end
{%- endmacro %}

{% macro parse_date(expression) -%}
    case
        {{- parse_canonical(expression, 'date') }}
        when {{ has_shape(expression, 'date') }} then {{ try_cast_as('trim(' ~ expression ~ ')', 'date') }}
    end
{%- endmacro %}

{#- An instant as a UTC timestamp without zone: with Z or an offset it is that instant, without one it is
    already UTC (extracts.yml). -#}
{% macro parse_timestamp(expression) -%}
    {%- set canonical = parse_canonical(expression, 'timestamp') -%}
    {%- if canonical | trim -%}
    case
        {{- canonical }}
        else {{ adapter.dispatch('parse_timestamp', 'observatory')(expression) }}
    end
    {%- else -%}
    {{ adapter.dispatch('parse_timestamp', 'observatory')(expression) }}
    {%- endif -%}
{%- endmacro %}

{#- The exact reading of any text (the canonical forms above are a shortcut to the same result). -#}
{% macro default__parse_timestamp(expression) -%}
    case
        when not {{ has_shape(expression, 'timestamp') }} then null
        when regexp_matches(trim({{ expression }}), '([Zz]|[+-][0-9]{2}(:?[0-9]{2})?)$')
            and regexp_matches(trim({{ expression }}), '[Tt ][0-9]{2}:[0-9]{2}.*([Zz]|[+-][0-9]{2}(:?[0-9]{2})?)$')
            then timezone('UTC', try_cast(regexp_replace(trim({{ expression }}), '[Zz]$', '+00:00') as timestamptz))
        else try_cast(replace(trim({{ expression }}), ',', '.') as timestamp)
    end
{%- endmacro %}

{#- `when <text is in a canonical form of the type> then <its value>` branches, put before a parse's exact reading;
    none where the engine has no check of a form cheaper than the regular expression itself. Each form is a subset
    of the type's shape (has_shape) without surrounding spaces, and its value is the exact reading's expression
    for such text: the result is the same for every text. -#}
{% macro parse_canonical(expression, type) -%}
    {{ return(adapter.dispatch('parse_canonical', 'observatory')(expression, type)) }}
{%- endmacro %}

{#- DuckDB: glob's [0-9] is one ASCII digit, [!0-9] any other character, and glob matches the whole text. An
    integer is canonical when it reads back as itself (digits, an optional minus, no leading zero, within bigint). -#}
{% macro default__parse_canonical(expression, type) -%}
    {%- set date = '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]' -%}
    {%- set time = '[0-9][0-9]:[0-9][0-9]:[0-9][0-9]' -%}
    {%- if type == 'int' %}
        when cast(try_cast({{ expression }} as bigint) as varchar) = {{ expression }}
            then try_cast({{ expression }} as bigint)
    {%- elif type == 'decimal' %}
        when
            ({{ expression }} glob '[0-9]*' or {{ expression }} glob '-[0-9]*')
            and not {{ expression }} glob '?*[!0-9.]*'
            and not {{ expression }} glob '*.*.*'
            then try_cast({{ expression }} as decimal(38, 10))
    {%- elif type == 'bool' %}
        when {{ expression }} = 'true' then true
        when {{ expression }} = 'false' then false
    {%- elif type == 'date' %}
        when {{ expression }} glob '{{ date }}' then try_cast({{ expression }} as date)
    {%- elif type == 'timestamp' %}
        when {{ expression }} glob '{{ date }}T{{ time }}[+-][0-9][0-9]:[0-9][0-9]'
            then timezone('UTC', try_cast({{ expression }} as timestamptz))
        when {{ expression }} glob '{{ date }}T{{ time }}Z'
            then timezone('UTC', try_cast(left({{ expression }}, 19) || '+00:00' as timestamptz))
        when {{ expression }} glob '{{ date }}[T ]{{ time }}' then try_cast({{ expression }} as timestamp)
    {%- endif %}
{%- endmacro %}

{#- True when the text has the type's shape, even if the value is impossible (2026-02-30): tells an
    unreadable value from an impossible date. -#}
{% macro has_shape(expression, type) -%}
    {{ return(adapter.dispatch('has_shape', 'observatory')(expression, type)) }}
{%- endmacro %}

{% macro default__has_shape(expression, type) -%}
    {%- set patterns = {
        'int': '[+-]?[0-9]+(\\.0*)?',
        'decimal': '[+-]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)',
        'bool': '(?i)(true|false|yes|no|1|0)',
        'date': '[0-9]{4}-[0-9]{2}-[0-9]{2}',
        'timestamp': '[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}(:[0-9]{2}([.,][0-9]+)?)?\\s*([Zz]|[+-][0-9]{2}(:?[0-9]{2})?)?',
    } -%}
    {%- if type == 'text' -%} true
    {%- else -%} {{ full_match('trim(' ~ expression ~ ')', patterns[type]) }}
    {%- endif -%}
{%- endmacro %}

{#- True when the whole text matches the regular expression (RE2 syntax; a leading (?i) makes it
    case-insensitive); null when the text is null. -#}
{% macro full_match(expression, pattern) -%}
    {{ return(adapter.dispatch('full_match', 'observatory')(expression, pattern)) }}
{%- endmacro %}

{% macro default__full_match(expression, pattern) -%}
    regexp_full_match({{ expression }}, '{{ pattern }}')
{%- endmacro %}

{#- Cast that yields null instead of failing (dbt.safe_cast is a plain cast on some adapters). -#}
{% macro try_cast_as(expression, type) -%}
    {{ return(adapter.dispatch('try_cast_as', 'observatory')(expression, type)) }}
{%- endmacro %}

{% macro default__try_cast_as(expression, type) -%}
    try_cast({{ expression }} as {{ type }})
{%- endmacro %}


{#- Why one value breaks the contract, as '<reason>: <detail>', or null (text). `raw` is the delivered text,
    `value` its parse_<type>. A value that parsed can break only its range or constraint; only one that did not
    (or was empty) is examined further, to tell missing, unreadable and impossible apart. -#}
{% macro fault_reason(raw, value, type, required=false, constraint=none) -%}
    {%- set missing = "'missing_value: required value is empty'" if required else 'null' -%}
    cast(case
        {%- if type == 'text' %}
        when {{ value }} is null then {{ missing }}
        {%- else %}
        when {{ value }} is null and nullif(trim({{ raw }}), '') is null then {{ missing }}
        when {{ value }} is null and {{ has_shape(raw, type) }}
            then '{{ "impossible_date" if type in ("date", "timestamp") else "invalid_" ~ type }}: ' || {{ raw }}
        when {{ value }} is null then 'invalid_{{ type }}: ' || {{ raw }}
        {%- endif %}
        {%- if type == 'date' %}
        when {{ value }} < cast('1970-01-01' as date) or {{ value }} > cast('2099-12-31' as date)
            then 'implausible_date: ' || {{ raw }}
        {%- elif type == 'timestamp' %}
        when {{ value }} < cast('1970-01-01' as timestamp) or {{ value }} >= cast('2100-01-01' as timestamp)
            then 'implausible_date: ' || {{ raw }}
        {%- endif %}
        {%- if constraint == 'positive' %}
        when {{ value }} <= 0 then 'not_positive: must be > 0, is ' || {{ raw }}
        {%- elif constraint == 'non_negative' %}
        when {{ value }} < 0 then 'negative: must be >= 0, is ' || {{ raw }}
        {%- elif constraint == 'iana_timezone' %}
        when not ({{ is_known_timezone(value) }}) then 'unknown_timezone: ' || {{ raw }}
        {%- elif constraint == 'year_month' %}
        when not {{ full_match(value, '[0-9]{4}-(0[1-9]|1[0-2])') }} then 'invalid_period: ' || {{ raw }}
        {%- elif constraint %}
        {{ exceptions.raise_compiler_error("unknown contract constraint " ~ constraint) }}
        {%- endif %}
    end as {{ dbt.type_string() }})
{%- endmacro %}
