{#
    Segment deduplicates on messageId and so do we: a client retry or a file
    loaded next to the collector's copy can repeat an event; the first copy
    loaded wins. Traits come from identify calls (top-level traits) and are
    read in both camelCase and snake_case.
#}
with

source as (

    select * from {{ source('raw', 'web_events') }}

),

ranked as (

    select
        *,
        row_number() over (
            partition by trim(message_id)
            order by _loaded_at, _source_file, _source_line
        ) as copy_rank

    from source

),

renamed as (

    select
        {{ blank_to_null('message_id') }} as message_id,
        lower({{ blank_to_null('type') }}) as event_type,
        {{ blank_to_null('anonymous_id') }} as anonymous_id,
        {{ strip_apostrophe('user_id') }} as user_id,
        {{ blank_to_null('event') }} as event_name,
        {{ blank_to_null('name') }} as page_name,
        {{ blank_to_null('category') }} as page_category,
        {{ blank_to_null('channel') }} as channel,
        {{ blank_to_null('previous_id') }} as previous_id,
        {{ blank_to_null('group_id') }} as group_id,

        {{ json_text('context', 'ip') }} as ip,
        {{ json_text('context', 'userAgent') }} as user_agent,
        {{ json_text('context', 'locale') }} as locale,
        {{ json_text('context', 'timezone') }} as time_zone,
        coalesce(
            {{ json_text('properties', 'path') }},
            {{ json_text('context', 'page.path') }}
        ) as page_path,
        coalesce(
            {{ json_text('properties', 'url') }},
            {{ json_text('context', 'page.url') }}
        ) as page_url,
        coalesce(
            {{ json_text('properties', 'referrer') }},
            {{ json_text('context', 'page.referrer') }}
        ) as page_referrer,
        coalesce(
            {{ json_text('properties', 'title') }},
            {{ json_text('context', 'page.title') }}
        ) as page_title,
        coalesce(
            {{ json_text('properties', 'search') }},
            {{ json_text('context', 'page.search') }}
        ) as page_search,
        {{ json_text('context', 'campaign.name') }} as utm_campaign,
        {{ json_text('context', 'campaign.source') }} as utm_source,
        {{ json_text('context', 'campaign.medium') }} as utm_medium,
        {{ json_text('context', 'campaign.term') }} as utm_term,
        {{ json_text('context', 'campaign.content') }} as utm_content,

        lower({{ json_text('traits', 'email') }}) as traits_email,
        coalesce(
            {{ json_text('traits', 'firstName') }},
            {{ json_text('traits', 'first_name') }}
        ) as traits_first_name,
        coalesce(
            {{ json_text('traits', 'lastName') }},
            {{ json_text('traits', 'last_name') }}
        ) as traits_last_name,
        {{ json_text('traits', 'name') }} as traits_name,
        {{ json_text('traits', 'phone') }} as traits_phone,
        {{ json_text('traits', 'birthday') }} as traits_birthday,
        {{ json_text('traits', 'address.street') }} as traits_street,
        {{ json_text('traits', 'address.city') }} as traits_city,
        coalesce(
            {{ json_text('traits', 'address.postalCode') }},
            {{ json_text('traits', 'address.postal_code') }}
        ) as traits_postcode,
        {{ json_text('traits', 'address.state') }} as traits_state,
        {{ json_text('traits', 'address.country') }} as traits_country,

        {{ dbt.safe_cast(
            json_text('properties', 'revenue'), 'decimal(18, 2)'
        ) }} as revenue,
        upper({{ json_text('properties', 'currency') }}) as currency,
        context,
        properties,
        traits,

        coalesce(
            {{ parse_iso_timestamp('"timestamp"') }},
            {{ parse_iso_timestamp('received_at') }}
        ) as event_at,
        {{ parse_iso_timestamp('original_timestamp') }} as original_at,
        {{ parse_iso_timestamp('sent_at') }} as sent_at,
        {{ parse_iso_timestamp('received_at') }} as received_at,
        _source_file,
        _source_line,
        _load_id,
        _loaded_at

    from ranked
    where copy_rank = 1

)

select * from renamed
