{#
    Incremental like fct_web_events: the visitors whose events that model
    rewrote in this run (processed_at newer than anything here) get all their
    sessions rebuilt.
#}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='visitor_id',
    on_schema_change='fail',
) }}

with

web_events as (

    select * from {{ ref('fct_web_events') }}
    {% if is_incremental() %}
    where visitor_id in (
        select visitor_id from {{ ref('fct_web_events') }}
        where processed_at > (select max(processed_at) from {{ this }})
    )
    {% endif %}

),

numbered as (

    select
        *,
        row_number() over (
            partition by session_id order by event_at, message_id
        ) as event_number,
        row_number() over (
            partition by
                session_id,
                case when page_path is null then 1 else 0 end
            order by event_at, message_id
        ) as path_number

    from web_events

),

aggregated as (

    select
        session_id,
        visitor_id,
        max(customer_id) as customer_id,
        min(event_at) as started_at,
        max(event_at) as ended_at,
        count(*) as n_events,
        sum(case when event_type = 'page' then 1 else 0 end) as n_page_views,
        sum(case when is_product_view then 1 else 0 end) as n_product_views,
        sum(case when is_order_completed then 1 else 0 end)
            as n_orders_completed,
        max(
            case when page_path is not null and path_number = 1 then page_path end
        ) as landing_page_path,
        max(case when event_number = 1 then page_referrer end)
            as referrer,
        max(case when event_number = 1 then utm_source end) as utm_source,
        max(case when event_number = 1 then utm_medium end) as utm_medium,
        max(case when event_number = 1 then utm_campaign end)
            as utm_campaign,
        max(processed_at) as processed_at

    from numbered
    group by session_id, visitor_id

),

described as (

    select
        session_id,
        visitor_id,
        customer_id,
        started_at,
        ended_at,
        cast({{ dbt.date_trunc('day', 'started_at') }} as date)
            as session_date,
        {{ dbt.datediff('started_at', 'ended_at', 'second') }}
            as duration_seconds,
        n_events,
        n_page_views,
        n_product_views,
        landing_page_path,
        referrer,
        utm_source,
        utm_medium,
        utm_campaign,
        n_orders_completed > 0 as is_converted,
        processed_at

    from aggregated

)

select * from described
