{#
    SendGrid batches and retries webhook posts, so an event can arrive more
    than once: the first copy loaded wins (copies are identical).
#}
with

source as (

    select * from {{ source('raw', 'email_events') }}

),

ranked as (

    select
        *,
        row_number() over (
            partition by trim(sg_event_id)
            order by _loaded_at, _source_file, _source_line
        ) as copy_rank

    from source

),

renamed as (

    select
        {{ blank_to_null('sg_event_id') }} as event_id,
        {{ blank_to_null('sg_message_id') }} as message_id,
        {{ blank_to_null('smtp_id') }} as smtp_id,
        lower({{ blank_to_null('email') }}) as email,
        lower({{ blank_to_null('event') }}) as event_type,
        {{ blank_to_null('reason') }} as reason,
        {{ blank_to_null('status') }} as status,
        {{ blank_to_null('response') }} as response,
        {{ dbt.safe_cast(blank_to_null('attempt'), 'integer') }} as attempt,
        {{ blank_to_null('ip') }} as ip,
        {{ blank_to_null('tls') }} as tls,
        lower({{ blank_to_null('type') }}) as bounce_type,
        {{ blank_to_null('bounce_classification') }}
            as bounce_classification,
        {{ blank_to_null('useragent') }} as user_agent,
        {{ text_to_boolean('sg_machine_open') }} as is_machine_open,
        {{ blank_to_null('url') }} as url,
        {{ blank_to_null('asm_group_id') }} as asm_group_id,
        {{ blank_to_null('pool') }} as pool,
        category,
        url_offset,
        _extra as custom_args,
        {{ parse_unix_seconds('"timestamp"') }} as event_at,
        _source_file,
        _source_line,
        _load_id,
        _loaded_at

    from ranked
    where copy_rank = 1

)

select * from renamed
