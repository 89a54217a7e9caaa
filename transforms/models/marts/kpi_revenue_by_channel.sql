{#
    Each order's net revenue credited twice, once per attribution model:
    first touch, the customer's first web session (ever, up to the order);
    last touch, the latest session that started at or before the order.
    A session without utm tags counts as (direct); an order of a customer
    with no session before it, or of no known customer, as (none).
#}
with

orders as (

    select * from {{ ref('fct_orders') }}

),

web_sessions as (

    select * from {{ ref('fct_web_sessions') }}
    where customer_id is not null

),

touches as (

    select
        orders.order_id,
        web_sessions.session_id,
        coalesce(web_sessions.utm_source, '(direct)') as utm_source,
        coalesce(web_sessions.utm_medium, '(direct)') as utm_medium,
        coalesce(web_sessions.utm_campaign, '(direct)') as utm_campaign,
        row_number() over (
            partition by orders.order_id
            order by web_sessions.started_at, web_sessions.session_id
        ) as first_rank,
        row_number() over (
            partition by orders.order_id
            order by
                web_sessions.started_at desc, web_sessions.session_id desc
        ) as last_rank

    from orders
    inner join web_sessions
        on orders.customer_id = web_sessions.customer_id
        and web_sessions.started_at <= orders.ordered_at

),

models as (

    select 'first_touch' as attribution_model
    union all
    select 'last_touch' as attribution_model

),

attributed as (

    select
        models.attribution_model,
        cast({{ dbt.date_trunc('month', 'orders.ordered_at') }} as date)
            as order_month,
        orders.currency,
        coalesce(touches.utm_source, '(none)') as utm_source,
        coalesce(touches.utm_medium, '(none)') as utm_medium,
        coalesce(touches.utm_campaign, '(none)') as utm_campaign,
        orders.order_id,
        orders.net_revenue

    from orders
    cross join models
    left join touches
        on orders.order_id = touches.order_id
        and (
            (models.attribution_model = 'first_touch' and touches.first_rank = 1)
            or (models.attribution_model = 'last_touch' and touches.last_rank = 1)
        )

),

aggregated as (

    select
        attribution_model,
        order_month,
        currency,
        utm_source,
        utm_medium,
        utm_campaign,
        count(*) as n_orders,
        sum(net_revenue) as revenue

    from attributed
    group by 1, 2, 3, 4, 5, 6

)

select * from aggregated
