{#
    Zendesk's incremental export can return the same ticket on several pages:
    the record with the latest updated_at wins. satisfaction_rating is an
    object ({"score": "offered"}, or {"id", "score": "good", "comment"}) or,
    in older exports, a bare string such as "unoffered".
#}
with

source as (

    select * from {{ source('raw', 'support_tickets') }}

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
        {{ blank_to_null('id') }} as ticket_id,
        {{ blank_to_null('external_id') }} as external_id,
        {{ blank_to_null('requester_id') }} as requester_id,
        {{ blank_to_null('submitter_id') }} as submitter_id,
        {{ blank_to_null('assignee_id') }} as assignee_id,
        {{ blank_to_null('organization_id') }} as organization_id,
        {{ blank_to_null('group_id') }} as group_id,
        {{ blank_to_null('brand_id') }} as brand_id,
        {{ blank_to_null('ticket_form_id') }} as ticket_form_id,
        lower({{ blank_to_null('type') }}) as ticket_type,
        {{ blank_to_null('subject') }} as subject,
        {{ blank_to_null('description') }} as description,
        lower({{ blank_to_null('priority') }}) as priority,
        lower({{ blank_to_null('status') }}) as status,
        {{ json_text('via', 'channel') }} as via_channel,
        lower(
            case
                when cast(satisfaction_rating as varchar) like '"%'
                    then {{ json_text('satisfaction_rating', '') }}
                else {{ json_text('satisfaction_rating', 'score') }}
            end
        ) as satisfaction_score,
        {{ json_text('satisfaction_rating', 'comment') }}
            as satisfaction_comment,
        tags,
        custom_fields,
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
