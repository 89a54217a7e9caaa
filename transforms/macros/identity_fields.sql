{#
    Canonical forms of the fields identity resolution compares. They live in
    macros so that int_identity_records applies one definition to every
    source. Placeholder lists come from vars in dbt_project.yml.
#}

{# A list of strings as a SQL literal list: ('a', 'b'). #}
{% macro sql_string_list(values) -%}
    (
    {%- for value in values -%}
        '{{ value | replace("'", "''") }}'{{ ", " if not loop.last }}
    {%- endfor -%}
    )
{%- endmacro %}


{#
    Accents folded (Müller -> muller, Straße -> strasse); DuckDB's
    strip_accents by default, which leaves the German sharp s alone.
#}
{% macro fold_accents(expression) -%}
    {{ return(adapter.dispatch('fold_accents', 'cdp')(expression)) }}
{%- endmacro %}

{% macro default__fold_accents(expression) -%}
    replace(strip_accents({{ expression }}), 'ß', 'ss')
{%- endmacro %}


{#
    Free text for matching: trimmed, lower case, accents folded, runs of
    whitespace collapsed; placeholders such as 'null' or 'n/a' become null.
#}
{% macro canonical_text(expression) -%}
    case
        when lower(trim({{ expression }}))
            in {{ sql_string_list(var('placeholder_texts')) }}
            then null
        else nullif(
            regexp_replace(
                lower({{ fold_accents('trim(' ~ expression ~ ')') }}),
                '\s+',
                ' ',
                'g'
            ),
            ''
        )
    end
{%- endmacro %}


{# Trimmed lower-case email; null unless it looks like one, or a placeholder. #}
{% macro canonical_email(expression) -%}
    case
        when lower(trim({{ expression }}))
            in {{ sql_string_list(var('placeholder_emails')) }}
            then null
        when lower(trim({{ expression }})) like '%_@_%.%'
            then lower(trim({{ expression }}))
    end
{%- endmacro %}


{#
    The key two spellings of one mailbox share: the +tag is dropped from the
    local part, and for gmail.com and googlemail.com (which ignore dots) the
    dots are dropped too and the domain becomes gmail.com. Expects a
    canonical email.
#}
{% macro email_match_key(email) -%}
    case
        when {{ dbt.split_part(email, "'@'", 2) }}
            in ('gmail.com', 'googlemail.com')
            then replace(
                {{ dbt.split_part(dbt.split_part(email, "'@'", 1), "'+'", 1) }},
                '.',
                ''
            ) || '@gmail.com'
        else {{ dbt.split_part(dbt.split_part(email, "'@'", 1), "'+'", 1) }}
            || '@' || {{ dbt.split_part(email, "'@'", 2) }}
    end
{%- endmacro %}


{#
    A phone number in E.164 (+14155550134) when a country is known or the
    number says it (+ or 00), else its digits. calling_code and trunk_prefix
    come from int_country_calling_codes. Placeholders (0000000000) and
    numbers too short to be real become null.
#}
{% macro canonical_phone(phone, calling_code, trunk_prefix) -%}
    {%- set digits = "regexp_replace(" ~ phone ~ ", '[^0-9]', '', 'g')" -%}
    case
        when {{ digits }} in {{ sql_string_list(var('placeholder_phones')) }}
            then null
        when length({{ digits }}) < 6 then null
        when ltrim({{ digits }}, '0') = '' then null
        when ltrim(trim({{ phone }}), '''') like '+%' then '+' || {{ digits }}
        when {{ digits }} like '00%' then '+' || substr({{ digits }}, 3)
        when {{ calling_code }} is null then {{ digits }}
        when {{ trunk_prefix }} is not null
            and {{ digits }} like {{ trunk_prefix }} || '%'
            then '+' || {{ calling_code }}
                || substr({{ digits }}, length({{ trunk_prefix }}) + 1)
        when {{ digits }} like {{ calling_code }} || '%'
            and length({{ digits }}) > 10
            then '+' || {{ digits }}
        else '+' || {{ calling_code }} || {{ digits }}
    end
{%- endmacro %}
