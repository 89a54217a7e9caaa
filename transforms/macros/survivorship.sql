{#
    Survivorship rules for dim_customers, read from var('survivorship') and
    checked at compile time, so a mistyped rule fails the build with one
    sentence instead of silently picking values some other way.
#}



{# The validated rule of one attribute group: {rule, sources}. #}
{% macro survivorship_rule(group) -%}
    {%- set rules = var('survivorship', {}) -%}
    {%- set known = ['source_priority', 'most_recent', 'most_frequent'] -%}
    {%- if group not in rules -%}
        {{ exceptions.raise_compiler_error(
            "survivorship has no rule for '" ~ group ~ "': add it to the "
            ~ "survivorship var in transforms/dbt_project.yml or to --vars."
        ) }}
    {%- endif -%}
    {%- set rule = rules[group] -%}
    {%- if rule is not mapping or rule.get('rule') not in known -%}
        {{ exceptions.raise_compiler_error(
            "survivorship rule for '" ~ group ~ "' must be one of "
            ~ known | join(', ') ~ ", not '"
            ~ (rule.get('rule') if rule is mapping else rule) ~ "'."
        ) }}
    {%- endif -%}
    {%- set sources = rule.get('sources', ['shop', 'support', 'email', 'web']) -%}
    {%- for source_name in sources -%}
        {%- if source_name not in ['shop', 'support', 'email', 'web'] -%}
            {{ exceptions.raise_compiler_error(
                "survivorship sources for '" ~ group ~ "' name unknown source '"
                ~ source_name ~ "': use shop, support, email or web."
            ) }}
        {%- endif -%}
    {%- endfor -%}
    {{ return({'rule': rule['rule'], 'sources': sources}) }}
{%- endmacro %}


{# 1 for the first source in the list, 2 for the next, 99 if unlisted. #}
{% macro source_rank(source_column, sources) -%}
    case {{ source_column }}
    {%- for source_name in sources %}
        when '{{ source_name }}' then {{ loop.index }}
    {%- endfor %}
        else 99
    end
{%- endmacro %}


{#
    The order by of the window that ranks a customer's records for one group;
    records without a value sort last whatever the rule.
#}
{% macro survivorship_order(group, has_value) -%}
    {%- set rule = survivorship_rule(group) -%}
    {%- set by_source = source_rank('source', rule['sources']) -%}
    case when {{ has_value }} then 0 else 1 end,
    {%- if rule['rule'] == 'source_priority' %}
    {{ by_source }},
    last_seen_at desc nulls last,
    {%- elif rule['rule'] == 'most_recent' %}
    last_seen_at desc nulls last,
    {{ by_source }},
    {%- else %}
    {{ group }}_frequency desc,
    {{ by_source }},
    last_seen_at desc nulls last,
    {%- endif %}
    record_key
{%- endmacro %}
