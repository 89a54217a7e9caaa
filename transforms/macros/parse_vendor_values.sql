{#
    Small helpers that turn vendor text into typed values. Each is dispatched
    so that another warehouse (Spark) can bring its own form; the default
    implementations use DuckDB syntax where no portable form exists.
#}

{# Trimmed text, with an empty string as null. #}
{% macro blank_to_null(expression) -%}
    nullif(trim({{ expression }}), '')
{%- endmacro %}


{# Shopify protects ids and zip codes from spreadsheets with a leading '. #}
{% macro strip_apostrophe(expression) -%}
    nullif(trim(ltrim(trim({{ expression }}), '''')), '')
{%- endmacro %}


{# Shopify yes/no flags and JSON true/false flags as a boolean. #}
{% macro text_to_boolean(expression) -%}
    case lower(trim({{ expression }}))
        when 'yes' then true
        when 'true' then true
        when 'no' then false
        when 'false' then false
    end
{%- endmacro %}


{# An ISO 8601 string with a zone (Z or +hh:mm) as a UTC timestamp. #}
{% macro parse_iso_timestamp(expression) -%}
    {{ return(adapter.dispatch('parse_iso_timestamp', 'cdp')(expression)) }}
{%- endmacro %}

{% macro default__parse_iso_timestamp(expression) -%}
    timezone('UTC', try_cast({{ blank_to_null(expression) }} as timestamptz))
{%- endmacro %}


{# Shopify's '2024-01-05 13:45:12 -0600' as a UTC timestamp. #}
{% macro parse_shopify_timestamp(expression) -%}
    {{ return(adapter.dispatch('parse_shopify_timestamp', 'cdp')(expression)) }}
{%- endmacro %}

{% macro default__parse_shopify_timestamp(expression) -%}
    timezone(
        'UTC',
        try_strptime({{ blank_to_null(expression) }}, '%Y-%m-%d %H:%M:%S %z')
    )
{%- endmacro %}


{# Unix seconds (as text) as a UTC timestamp. #}
{% macro parse_unix_seconds(expression) -%}
    {{ dbt.dateadd(
        'second',
        dbt.safe_cast(blank_to_null(expression), 'bigint'),
        "cast('1970-01-01 00:00:00' as timestamp)",
    ) }}
{%- endmacro %}


{#
    A scalar inside a JSON column as trimmed text, empty as null. path is a
    dotted path below the root ('context.page.url'); an empty path reads a
    column that holds a bare JSON string.
#}
{% macro json_text(column, path) -%}
    {{ return(adapter.dispatch('json_text', 'cdp')(column, path)) }}
{%- endmacro %}

{% macro default__json_text(column, path) -%}
    {%- set json_path = '$.' ~ path if path else '$' -%}
    nullif(trim(json_extract_string({{ column }}, '{{ json_path }}')), '')
{%- endmacro %}
