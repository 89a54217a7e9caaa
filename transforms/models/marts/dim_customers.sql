{#
    The golden record. Attributes survive in groups (name, email, phone,
    birth_date, address), each by the rule var('survivorship') gives it (see
    macros/survivorship.sql), and each group records the source and record
    it came from. The rest - consent, lifecycle, activity per channel,
    counts - is summarised from the customer's records and facts.
#}
{%- set groups = {
    'name': ['first_name', 'last_name'],
    'email': ['email'],
    'phone': ['phone'],
    'birth_date': ['birth_date'],
    'address': ['street', 'house_number', 'postcode', 'city', 'country'],
} -%}
{%- set has_value = {
    'name': 'first_name is not null or last_name is not null',
    'email': 'email is not null',
    'phone': 'phone is not null',
    'birth_date': 'birth_date is not null',
    'address': 'street is not null or postcode is not null or city is not null',
} -%}
{%- set sources = ['shop', 'support', 'email', 'web'] -%}
{%- set channels = ['shop', 'web', 'email', 'support'] -%}

with

records as (

    select * from {{ ref('int_identity_records_resolved') }}

),

shop_customers as (

    select * from {{ ref('stg_shop__customers') }}

),

email_audience as (

    select * from {{ ref('stg_email__audience') }}

),

orders as (

    select * from {{ ref('fct_orders') }}

),

interactions as (

    select * from {{ ref('fct_customer_interactions') }}

),

counted as (

    select
        *,
        {%- for group, columns in groups.items() %}
        count(*) over (
            partition by customer_id, {{ columns | join(', ') }}
        ) as {{ group }}_frequency{{ ',' if not loop.last }}
        {%- endfor %}

    from records

),

ranked as (

    select
        *,
        {%- for group in groups %}
        row_number() over (
            partition by customer_id
            order by {{ survivorship_order(group, has_value[group]) | indent(12) }}
        ) as {{ group }}_rank{{ ',' if not loop.last }}
        {%- endfor %}

    from counted

),

survived as (

    select
        customer_id,
        {%- for group, columns in groups.items() %}
        {%- for column in columns %}
        max(case when {{ group }}_rank = 1 then {{ column }} end)
            as {{ column }},
        {%- endfor %}
        max(
            case
                when {{ group }}_rank = 1 and ({{ has_value[group] }})
                    then source
            end
        ) as {{ group }}_source,
        max(
            case
                when {{ group }}_rank = 1 and ({{ has_value[group] }})
                    then record_key
            end
        ) as {{ group }}_record_key,
        {%- endfor %}
        max(
            case when source = 'shop' then shop_customer_id end
        ) as shop_customer_id,
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

{#
    Consent as the sources state it: Mailchimp's list status of the
    customer's most recently changed audience member wins; without one, the
    shop's marketing flag of the most recently seen shop record. SMS consent
    is known from the shop only.
#}
email_consents as (

    select
        records.customer_id,
        email_audience.list_status = 'subscribed' as is_allowed,
        row_number() over (
            partition by records.customer_id
            order by
                {# The member's latest change of any kind: greatest() skips
                   nulls on DuckDB and Spark alike. #}
                greatest(
                    email_audience.unsubscribed_at,
                    email_audience.cleaned_at,
                    email_audience.last_changed_at,
                    email_audience.confirmed_at,
                    email_audience.opted_in_at
                ) desc nulls last,
                records.record_key
        ) as consent_rank

    from records
    inner join email_audience
        on records.source = 'email'
        and records.source_record_id = email_audience.member_id

),

shop_consents as (

    select
        records.customer_id,
        shop_customers.accepts_email_marketing,
        shop_customers.accepts_sms_marketing,
        row_number() over (
            partition by records.customer_id
            order by records.last_seen_at desc nulls last, records.record_key
        ) as consent_rank

    from records
    inner join shop_customers
        on records.source = 'shop'
        and records.source_record_id = shop_customers.customer_id

),

order_summaries as (

    select
        customer_id,
        count(*) as n_orders,
        sum(net_revenue) as lifetime_net_revenue,
        min(ordered_at) as first_order_at,
        max(ordered_at) as last_order_at

    from orders
    where customer_id is not null
    group by customer_id

),

channel_activity as (

    select
        customer_id,
        {%- for channel in channels %}
        min(case when channel = '{{ channel }}' then occurred_at end)
            as first_seen_{{ channel }}_at,
        max(case when channel = '{{ channel }}' then occurred_at end)
            as last_seen_{{ channel }}_at,
        {%- endfor %}
        count(*) as n_interactions

    from interactions
    group by customer_id

),

{# Lifecycle is judged at the latest activity in the warehouse, not today,
   so a rebuild of old data gives the same stages. #}
reference as (

    select max(occurred_at) as reference_at
    from interactions

),

joined as (

    select
        survived.*,
        coalesce(
            email_consents.is_allowed, shop_consents.accepts_email_marketing
        ) as is_email_marketing_allowed,
        case
            when email_consents.is_allowed is not null then 'email'
            when shop_consents.accepts_email_marketing is not null then 'shop'
        end as email_consent_source,
        shop_consents.accepts_sms_marketing as is_sms_marketing_allowed,
        coalesce(order_summaries.n_orders, 0) as n_orders,
        coalesce(order_summaries.lifetime_net_revenue, 0)
            as lifetime_net_revenue,
        order_summaries.first_order_at,
        order_summaries.last_order_at,
        {%- for channel in channels %}
        channel_activity.first_seen_{{ channel }}_at,
        channel_activity.last_seen_{{ channel }}_at,
        {%- endfor %}
        coalesce(channel_activity.n_interactions, 0) as n_interactions,
        reference.reference_at as lifecycle_reference_at

    from survived
    cross join reference
    left join email_consents
        on survived.customer_id = email_consents.customer_id
        and email_consents.consent_rank = 1
    left join shop_consents
        on survived.customer_id = shop_consents.customer_id
        and shop_consents.consent_rank = 1
    left join order_summaries
        on survived.customer_id = order_summaries.customer_id
    left join channel_activity
        on survived.customer_id = channel_activity.customer_id

),

staged as (

    select
        *,
        email is not null or shop_customer_id is not null as is_known,
        case
            when n_orders = 0 and email is null and shop_customer_id is null
                then 'anonymous_visitor'
            when n_orders = 0 then 'known_lead'
            when {{ dbt.datediff('last_order_at', 'lifecycle_reference_at', 'day') }}
                > {{ var('lapsed_after_days') }}
                then 'lapsed'
            when n_orders = 1 then 'first_time_customer'
            else 'repeat_customer'
        end as lifecycle_stage

    from joined

)

select * from staged
