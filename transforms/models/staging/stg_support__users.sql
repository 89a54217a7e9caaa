{#
    Zendesk's incremental export can return the same user on several pages:
    the record with the latest updated_at wins.
#}
with

source as (

    select * from {{ source('raw', 'support_users') }}

),

ranked as (

    select
        *,
        row_number() over (
            partition by trim(id)
            order by
                {{ parse_iso_timestamp('updated_at') }} desc nulls last,
                _loaded_at desc,
                _source_file desc,
                _source_line desc
        ) as version_rank

    from source

),

renamed as (

    select
        {{ blank_to_null('id') }} as user_id,
        {{ blank_to_null('name') }} as name,
        lower({{ blank_to_null('email') }}) as email,
        {{ blank_to_null('phone') }} as phone,
        lower({{ blank_to_null('role') }}) as role,
        {{ blank_to_null('time_zone') }} as time_zone,
        {{ blank_to_null('iana_time_zone') }} as iana_time_zone,
        {{ blank_to_null('locale') }} as locale,
        {{ blank_to_null('organization_id') }} as organization_id,
        {{ blank_to_null('external_id') }} as external_id,
        {{ text_to_boolean('active') }} as is_active,
        {{ text_to_boolean('verified') }} as is_verified,
        tags,
        user_fields,
        {{ parse_iso_timestamp('created_at') }} as created_at,
        {{ parse_iso_timestamp('updated_at') }} as updated_at,
        _source_file,
        _source_line,
        _load_id,
        _loaded_at

    from ranked
    where version_rank = 1

)

select * from renamed
