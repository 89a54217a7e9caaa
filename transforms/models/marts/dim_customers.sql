{#
    Survivorship, kept simple for now: each field takes the first non-null
    value in source order shop, support, email, web, and within a source the
    most recently seen record. The postal address is taken as one block from
    the best record that has one, so city, postcode and country agree.
#}
{%- set surviving_fields = [
    'first_name', 'last_name', 'email', 'phone', 'birth_date',
    'shop_customer_id',
] -%}
{%- set address_fields = [
    'street', 'house_number', 'postcode', 'city', 'country',
] -%}
{%- set sources = ['shop', 'support', 'email', 'web'] -%}

with

record_to_customer as (

    select * from {{ source('identity', 'record_to_customer') }}

),

identity_records as (

    select * from {{ ref('int_identity_records') }}

),

joined as (

    select
        record_to_customer.customer_id,
        identity_records.*,
        case identity_records.source
        {%- for source_name in sources %}
            when '{{ source_name }}' then {{ loop.index }}
        {%- endfor %}
        end as source_priority,
        case
            when identity_records.city is not null
                or identity_records.postcode is not null
                then 0
            else 1
        end as address_missing

    from record_to_customer
    inner join identity_records
        on record_to_customer.source = identity_records.source
        and record_to_customer.source_record_id
            = identity_records.source_record_id

),

ranked as (

    select
        *,
        {%- for field in surviving_fields %}
        first_value({{ field }} ignore nulls) over (
            partition by customer_id
            order by
                source_priority,
                last_seen_at desc nulls last,
                record_key
            rows between unbounded preceding and unbounded following
        ) as best_{{ field }},
        {%- endfor %}
        row_number() over (
            partition by customer_id
            order by
                address_missing,
                source_priority,
                last_seen_at desc nulls last,
                record_key
        ) as address_rank

    from joined

),

aggregated as (

    select
        customer_id,
        {%- for field in surviving_fields %}
        max(best_{{ field }}) as {{ field }},
        {%- endfor %}
        {%- for field in address_fields %}
        max(case when address_rank = 1 then {{ field }} end) as {{ field }},
        {%- endfor %}
        count(*) as n_source_records,
        {%- for source_name in sources %}
        sum(case when source = '{{ source_name }}' then 1 else 0 end)
            as n_{{ source_name }}_records,
        {%- endfor %}
        min(first_seen_at) as first_seen_at,
        max(last_seen_at) as last_seen_at

    from ranked
    group by customer_id

),

flagged as (

    select
        *,
        email is not null or shop_customer_id is not null as is_known

    from aggregated

)

select * from flagged
