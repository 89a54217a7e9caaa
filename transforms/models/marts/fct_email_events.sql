{#
    Incremental by address: a run rebuilds the events of every address with
    newly loaded events or whose customer id changed, and replaces that
    address's rows (delete+insert on email_key), so it equals a full
    refresh. An event's customer is the owner of its address (see
    int_email_addresses_resolved).
#}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='email_key',
    on_schema_change='fail',
) }}

with

email_events as (

    select * from {{ ref('stg_email__events') }}

),

email_addresses as (

    select * from {{ ref('int_email_addresses_resolved') }}

),

resolved as (

    select
        email_events.event_id,
        coalesce(email_events.email, '') as email_key,
        email_events.email,
        email_addresses.customer_id,
        email_events.message_id,
        email_events.event_type,
        email_events.event_at,
        cast({{ dbt.date_trunc('day', 'email_events.event_at') }} as date)
            as event_date,
        email_events.url,
        email_events.reason,
        email_events.bounce_type,
        email_events.is_machine_open,
        cast(email_events.category as {{ api.Column.translate_type('string') }})
            as category,
        email_events.event_type in ('unsubscribe', 'group_unsubscribe')
            as is_unsubscribe,
        email_events._loaded_at,
        cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f") }}' as timestamp) as processed_at

    from email_events
    left join email_addresses
        on email_events.email = email_addresses.email

),

{% if is_incremental() %}
changed_addresses as (

    select email_key
    from resolved
    where _loaded_at > (select max(_loaded_at) from {{ this }})

    union

    select previous.email_key
    from {{ this }} as previous
    left join resolved
        on previous.event_id = resolved.event_id
    where
        resolved.event_id is null
        or previous.customer_id is distinct from resolved.customer_id

),

selected as (

    select resolved.*
    from resolved
    where email_key in (select email_key from changed_addresses)

)
{% else %}
selected as (

    select * from resolved

)
{% endif %}

select * from selected
