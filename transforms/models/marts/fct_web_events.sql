{#
    Incremental by visitor: a run rebuilds every event of each visitor (an
    anonymousId, else a logged-in userId) who has newly loaded events or
    whose customer id the identity step changed, and replaces that visitor's
    rows (delete+insert on visitor_id). Sessions are numbered over the
    visitor's whole history, so a late event that bridges two sessions
    renumbers them exactly as a full refresh would.
#}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='visitor_id',
    on_schema_change='fail',
) }}

with

web_events as (

    select * from {{ ref('stg_web__events') }}

),

records as (

    select * from {{ ref('int_identity_records_resolved') }}

),

visited as (

    select
        web_events.*,
        coalesce(
            web_events.anonymous_id, 'user:' || web_events.user_id
        ) as visitor_id

    from web_events

),

resolved as (

    select
        visited.*,
        coalesce(web_records.customer_id, shop_records.customer_id)
            as customer_id

    from visited
    left join records as web_records
        on web_records.source = 'web'
        and visited.anonymous_id = web_records.source_record_id
    left join records as shop_records
        on shop_records.source = 'shop'
        and visited.user_id = shop_records.source_record_id

),

{% if is_incremental() %}
changed_visitors as (

    select visitor_id
    from resolved
    where _loaded_at > (select max(_loaded_at) from {{ this }})

    union

    select previous.visitor_id
    from {{ this }} as previous
    left join resolved
        on previous.message_id = resolved.message_id
    where
        resolved.message_id is null
        or previous.customer_id is distinct from resolved.customer_id

),

selected as (

    select resolved.*
    from resolved
    where visitor_id in (select visitor_id from changed_visitors)

),
{% else %}
selected as (

    select * from resolved

),
{% endif %}

gapped as (

    select
        *,
        {{ dbt.datediff(
            'lag(event_at) over (partition by visitor_id order by event_at, message_id)',
            'event_at',
            'second',
        ) }} as seconds_since_previous_event

    from selected

),

flagged as (

    select
        *,
        case
            when seconds_since_previous_event is null then 1
            when seconds_since_previous_event
                > {{ var('session_timeout_minutes') }} * 60
                then 1
            else 0
        end as is_session_start

    from gapped

),

sessionized as (

    select
        message_id,
        visitor_id,
        anonymous_id,
        user_id,
        customer_id,
        visitor_id || '-' || cast(
            sum(is_session_start) over (
                partition by visitor_id
                order by event_at, message_id
                rows between unbounded preceding and current row
            ) as {{ api.Column.translate_type('string') }}
        ) as session_id,
        event_type,
        event_name,
        event_at,
        cast({{ dbt.date_trunc('day', 'event_at') }} as date) as event_date,
        page_path,
        page_url,
        page_referrer,
        utm_source,
        utm_medium,
        utm_campaign,
        revenue,
        currency,
        event_type = 'track' and event_name = 'Product Viewed'
            as is_product_view,
        event_type = 'track' and event_name = 'Order Completed'
            as is_order_completed,
        _loaded_at,
        cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f") }}' as timestamp) as processed_at

    from flagged

)

select * from sessionized
