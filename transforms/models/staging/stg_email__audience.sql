{#
    Mailchimp writes the postal address as one cell whose parts are separated
    by two spaces: address1, [address2,] city, state, zip, country. A member
    exported again by a later load keeps only its latest row.
#}
with

source as (

    select * from {{ source('raw', 'email_audience') }}

),

ranked as (

    select
        *,
        {{ blank_to_null('address') }} as address_text,
        row_number() over (
            partition by trim(leid)
            order by _loaded_at desc, _source_file desc, _source_line desc
        ) as load_rank

    from source

),

counted as (

    select
        *,
        cast(
            (length(address_text) - length(replace(address_text, '  ', '')))
            / 2 + 1
            as integer
        ) as n_address_parts

    from ranked
    where load_rank = 1

),

renamed as (

    select
        {{ blank_to_null('leid') }} as member_id,
        {{ blank_to_null('euid') }} as euid,
        lower({{ blank_to_null('list_status') }}) as list_status,
        lower({{ blank_to_null('email_address') }}) as email,
        {{ blank_to_null('first_name') }} as first_name,
        {{ blank_to_null('last_name') }} as last_name,
        address_text as address,
        {{ blank_to_null(dbt.split_part('address_text', "'  '", 1)) }}
            as address1,
        case
            when n_address_parts >= 6
                then {{ blank_to_null(
                    dbt.split_part('address_text', "'  '", 2)
                ) }}
        end as address2,
        case
            when n_address_parts >= 4
                then {{ blank_to_null(
                    dbt.split_part('address_text', "'  '", 'n_address_parts - 3')
                ) }}
            when n_address_parts = 3
                then {{ blank_to_null(
                    dbt.split_part('address_text', "'  '", 2)
                ) }}
        end as city,
        case
            when n_address_parts >= 5
                then {{ blank_to_null(
                    dbt.split_part('address_text', "'  '", 'n_address_parts - 2')
                ) }}
        end as region,
        case
            when n_address_parts >= 4
                then {{ blank_to_null(
                    dbt.split_part('address_text', "'  '", 'n_address_parts - 1')
                ) }}
        end as postcode,
        case
            when n_address_parts >= 3
                then {{ blank_to_null(
                    dbt.split_part('address_text', "'  '", 'n_address_parts')
                ) }}
        end as country,
        {{ blank_to_null('phone_number') }} as phone,
        {{ blank_to_null('birthday') }} as birthday,
        {{ dbt.safe_cast(blank_to_null('member_rating'), 'integer') }}
            as member_rating,
        {{ blank_to_null('optin_ip') }} as optin_ip,
        {{ blank_to_null('confirm_ip') }} as confirm_ip,
        {{ dbt.safe_cast(blank_to_null('latitude'), 'double') }} as latitude,
        {{ dbt.safe_cast(blank_to_null('longitude'), 'double') }}
            as longitude,
        {{ blank_to_null('gmtoff') }} as gmt_offset,
        {{ blank_to_null('dstoff') }} as dst_offset,
        {{ blank_to_null('timezone') }} as time_zone,
        upper({{ blank_to_null('cc') }}) as geo_country_code,
        {{ blank_to_null('region') }} as geo_region,
        {{ blank_to_null('unsub_campaign_title') }} as unsub_campaign_title,
        {{ blank_to_null('unsub_campaign_id') }} as unsub_campaign_id,
        {{ blank_to_null('unsub_reason') }} as unsub_reason,
        {{ blank_to_null('unsub_reason_other') }} as unsub_reason_other,
        {{ blank_to_null('clean_campaign_title') }} as clean_campaign_title,
        {{ blank_to_null('clean_campaign_id') }} as clean_campaign_id,
        {{ blank_to_null('notes') }} as notes,
        {{ blank_to_null('tags') }} as tags,
        {{ dbt.safe_cast(blank_to_null('optin_time'), 'timestamp') }}
            as opted_in_at,
        {{ dbt.safe_cast(blank_to_null('confirm_time'), 'timestamp') }}
            as confirmed_at,
        {{ dbt.safe_cast(blank_to_null('last_changed'), 'timestamp') }}
            as last_changed_at,
        {{ dbt.safe_cast(blank_to_null('unsub_time'), 'timestamp') }}
            as unsubscribed_at,
        {{ dbt.safe_cast(blank_to_null('clean_time'), 'timestamp') }}
            as cleaned_at,
        _source_file,
        _source_line,
        _load_id,
        _loaded_at

    from counted

)

select * from renamed
