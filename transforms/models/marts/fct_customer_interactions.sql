{#
    One timeline over the four channels. Web activity enters as sessions,
    not raw events, and email as every SendGrid event except the internal
    processed and deferred steps; touchpoints of records no customer owns
    are left out.
#}
with

orders as (

    select * from {{ ref('fct_orders') }}

),

web_sessions as (

    select * from {{ ref('fct_web_sessions') }}

),

email_events as (

    select * from {{ ref('fct_email_events') }}

),

support_tickets as (

    select * from {{ ref('fct_support_tickets') }}

),

unioned as (

    select
        'shop:order:' || order_id as interaction_id,
        customer_id,
        'shop' as channel,
        'order' as interaction_type,
        ordered_at as occurred_at,
        order_id as source_id,
        net_revenue as amount

    from orders
    where customer_id is not null

    union all

    select
        'web:session:' || session_id as interaction_id,
        customer_id,
        'web' as channel,
        case when is_converted then 'converted_session' else 'session' end
            as interaction_type,
        started_at as occurred_at,
        session_id as source_id,
        cast(null as decimal(18, 2)) as amount

    from web_sessions
    where customer_id is not null

    union all

    select
        'email:' || event_type || ':' || event_id as interaction_id,
        customer_id,
        'email' as channel,
        'email_' || event_type as interaction_type,
        event_at as occurred_at,
        event_id as source_id,
        cast(null as decimal(18, 2)) as amount

    from email_events
    where
        customer_id is not null
        and event_type not in ('processed', 'deferred')

    union all

    select
        'support:ticket:' || ticket_id as interaction_id,
        customer_id,
        'support' as channel,
        'ticket_opened' as interaction_type,
        created_at as occurred_at,
        ticket_id as source_id,
        cast(null as decimal(18, 2)) as amount

    from support_tickets
    where customer_id is not null

),

sequenced as (

    select
        interaction_id,
        customer_id,
        row_number() over (
            partition by customer_id order by occurred_at, interaction_id
        ) as interaction_number,
        channel,
        interaction_type,
        occurred_at,
        cast({{ dbt.date_trunc('day', 'occurred_at') }} as date)
            as occurred_date,
        source_id,
        amount

    from unioned

)

select * from sequenced
