{#
    dbt's default safe_cast is a plain cast, which fails the whole model on
    one bad vendor value. DuckDB has try_cast, which yields null instead, the
    behaviour staging wants. Other adapters keep dbt's own implementation.
#}
{% macro duckdb__safe_cast(field, type) -%}
    try_cast({{ field }} as {{ type }})
{%- endmacro %}
