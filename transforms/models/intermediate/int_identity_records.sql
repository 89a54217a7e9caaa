{#
    Every person-bearing source record in one shape, with the fields identity
    resolution compares in canonical form. Source-specific picking happens in
    the *_records CTEs; canonical forms are applied once, to all sources, in
    canonicalised.
#}
with

shop_customers as (

    select * from {{ ref('stg_shop__customers') }}

),

shop_orders as (

    select * from {{ ref('stg_shop__orders') }}

),

support_users as (

    select * from {{ ref('stg_support__users') }}

),

email_audience as (

    select * from {{ ref('stg_email__audience') }}

),

web_events as (

    select * from {{ ref('stg_web__events') }}

),

country_calling_codes as (

    select * from {{ ref('int_country_calling_codes') }}

),

{# The customers export has no dates, so a shop record is seen when its
   email orders. #}
summarised_orders as (

    select
        email,
        min(created_at) as first_order_at,
        max(created_at) as last_order_at

    from shop_orders
    where email is not null
    group by email

),

shop_records as (

    select
        'shop' as source,
        shop_customers.customer_id as source_record_id,
        shop_customers.first_name,
        shop_customers.last_name,
        shop_customers.email,
        coalesce(shop_customers.phone, shop_customers.address_phone) as phone,
        cast(null as varchar) as birth_date_text,
        shop_customers.address1 as address_line,
        shop_customers.zip as postcode,
        shop_customers.city,
        shop_customers.country_code as country,
        shop_customers.customer_id as shop_customer_id,
        cast(null as varchar) as support_user_id,
        cast(null as varchar) as web_anonymous_id,
        cast(null as varchar) as web_user_id,
        summarised_orders.first_order_at as first_seen_at,
        summarised_orders.last_order_at as last_seen_at

    from shop_customers
    left join summarised_orders
        on shop_customers.email = summarised_orders.email

),

{# Zendesk has one name field: the first word is the first name and the
   last word the last name. A name that is an email address is no name. #}
support_records as (

    select
        'support' as source,
        user_id as source_record_id,
        case
            when name not like '%@%'
                then {{ dbt.split_part('trim(name)', "' '", 1) }}
        end as first_name,
        case
            when name not like '%@%' and trim(name) like '% %'
                then reverse(
                    {{ dbt.split_part('reverse(trim(name))', "' '", 1) }}
                )
        end as last_name,
        email,
        phone,
        cast(null as varchar) as birth_date_text,
        cast(null as varchar) as address_line,
        cast(null as varchar) as postcode,
        cast(null as varchar) as city,
        cast(null as varchar) as country,
        cast(null as varchar) as shop_customer_id,
        user_id as support_user_id,
        cast(null as varchar) as web_anonymous_id,
        cast(null as varchar) as web_user_id,
        created_at as first_seen_at,
        updated_at as last_seen_at

    from support_users
    where role = 'end-user'

),

email_records as (

    select
        'email' as source,
        member_id as source_record_id,
        first_name,
        last_name,
        email,
        phone,
        birthday as birth_date_text,
        address1 as address_line,
        postcode,
        city,
        coalesce(country, geo_country_code) as country,
        cast(null as varchar) as shop_customer_id,
        cast(null as varchar) as support_user_id,
        cast(null as varchar) as web_anonymous_id,
        cast(null as varchar) as web_user_id,
        coalesce(
            opted_in_at, confirmed_at, last_changed_at, unsubscribed_at,
            cleaned_at
        ) as first_seen_at,
        coalesce(
            unsubscribed_at, cleaned_at, last_changed_at, confirmed_at,
            opted_in_at
        ) as last_seen_at

    from email_audience

),

ranked_identifies as (

    select
        *,
        row_number() over (
            partition by anonymous_id
            order by event_at desc, message_id desc
        ) as recency_rank

    from web_events
    where event_type = 'identify' and anonymous_id is not null

),

ranked_user_ids as (

    select
        anonymous_id,
        user_id,
        row_number() over (
            partition by anonymous_id
            order by event_at desc, message_id desc
        ) as recency_rank

    from web_events
    where anonymous_id is not null and user_id is not null

),

summarised_anonymous_ids as (

    select
        anonymous_id,
        min(event_at) as first_seen_at,
        max(event_at) as last_seen_at

    from web_events
    where anonymous_id is not null
    group by anonymous_id

),

{# One record per browser (anonymousId), carrying its latest identify
   traits and the latest userId (a shop customer id) it was seen with. #}
web_records as (

    select
        'web' as source,
        summarised_anonymous_ids.anonymous_id as source_record_id,
        coalesce(
            ranked_identifies.traits_first_name,
            case
                when ranked_identifies.traits_name like '% %'
                    then {{ dbt.split_part(
                        'trim(ranked_identifies.traits_name)', "' '", 1
                    ) }}
            end
        ) as first_name,
        coalesce(
            ranked_identifies.traits_last_name,
            case
                when ranked_identifies.traits_name like '% %'
                    then reverse({{ dbt.split_part(
                        'reverse(trim(ranked_identifies.traits_name))', "' '", 1
                    ) }})
            end
        ) as last_name,
        ranked_identifies.traits_email as email,
        ranked_identifies.traits_phone as phone,
        {{ dbt.safe_cast('ranked_identifies.traits_birthday', 'varchar') }}
            as birth_date_text,
        ranked_identifies.traits_street as address_line,
        ranked_identifies.traits_postcode as postcode,
        ranked_identifies.traits_city as city,
        ranked_identifies.traits_country as country,
        ranked_user_ids.user_id as shop_customer_id,
        cast(null as varchar) as support_user_id,
        summarised_anonymous_ids.anonymous_id as web_anonymous_id,
        ranked_user_ids.user_id as web_user_id,
        summarised_anonymous_ids.first_seen_at,
        summarised_anonymous_ids.last_seen_at

    from summarised_anonymous_ids
    left join ranked_identifies
        on summarised_anonymous_ids.anonymous_id
            = ranked_identifies.anonymous_id
        and ranked_identifies.recency_rank = 1
    left join ranked_user_ids
        on summarised_anonymous_ids.anonymous_id = ranked_user_ids.anonymous_id
        and ranked_user_ids.recency_rank = 1

),

unioned as (

    select * from shop_records
    union all
    select * from support_records
    union all
    select * from email_records
    union all
    select * from web_records

),

{# Countries arrive as ISO codes (shop, Mailchimp CC) or written out (web
   traits, Mailchimp address); both are read. #}
joined_countries as (

    select
        unioned.*,
        coalesce(
            country_calling_codes.country_code,
            case when length(trim(unioned.country)) = 2
                then upper(trim(unioned.country)) end
        ) as country_code,
        country_calling_codes.calling_code,
        country_calling_codes.trunk_prefix

    from unioned
    left join country_calling_codes
        on upper(trim(unioned.country)) = country_calling_codes.country_code
        or lower(trim(unioned.country)) = country_calling_codes.country_name

),

{# Street and house number from one address line: "123 Main St" (number
   first) or "Hauptstrasse 12a" (number last). #}
split_addresses as (

    select
        *,
        nullif(
            regexp_extract(trim(address_line), '^([0-9]+[a-zA-Z]?)\s', 1),
            ''
        ) as leading_house_number,
        nullif(
            regexp_extract(trim(address_line), '\s([0-9]+[a-zA-Z]?)$', 1),
            ''
        ) as trailing_house_number

    from joined_countries

),

canonicalised as (

    select
        source,
        source_record_id,
        source || ':' || source_record_id as record_key,
        {{ canonical_text('first_name') }} as first_name,
        {{ canonical_text('last_name') }} as last_name,
        {# The same names with their accents, for display and explanations. #}
        nullif(regexp_replace(lower(trim(first_name)), '\s+', ' ', 'g'), '')
            as first_name_accented,
        nullif(regexp_replace(lower(trim(last_name)), '\s+', ' ', 'g'), '')
            as last_name_accented,
        {{ canonical_email('email') }} as email,
        {{ canonical_phone('phone', 'calling_code', 'trunk_prefix') }}
            as phone,
        {{ dbt.safe_cast('left(trim(birth_date_text), 10)', 'date') }}
            as birth_date,
        case
            when leading_house_number is not null
                then {{ canonical_text(
                    "substr(trim(address_line), length(leading_house_number) + 2)"
                ) }}
            when trailing_house_number is not null
                then {{ canonical_text(
                    "left(trim(address_line), length(trim(address_line))"
                    ~ " - length(trailing_house_number) - 1)"
                ) }}
            else {{ canonical_text('address_line') }}
        end as street,
        lower(coalesce(leading_house_number, trailing_house_number))
            as house_number,
        upper(replace({{ blank_to_null('postcode') }}, ' ', '')) as postcode,
        {{ canonical_text('city') }} as city,
        country_code as country,
        shop_customer_id,
        support_user_id,
        web_anonymous_id,
        web_user_id,
        first_seen_at,
        last_seen_at

    from split_addresses

),

keyed as (

    select
        source,
        source_record_id,
        record_key,
        first_name,
        last_name,
        case when first_name is not null then first_name_accented end
            as first_name_accented,
        case when last_name is not null then last_name_accented end
            as last_name_accented,
        email,
        case
            when email is not null then {{ email_match_key('email') }}
        end as email_match_key,
        phone,
        birth_date,
        street,
        house_number,
        postcode,
        city,
        country,
        shop_customer_id,
        support_user_id,
        web_anonymous_id,
        web_user_id,
        first_seen_at,
        last_seen_at

    from canonicalised

)

select * from keyed
