{#
    Point in time: every input is filtered to before the as-of date, so
    features computed as of an earlier date never see later data. The
    customer ids themselves come from today's identity resolution, and an
    order's refunds are not dated by Shopify, so monetary features use the
    order total (after discounts) rather than net revenue; ticket status at
    the as-of date is inferred from the last update (a ticket solved before
    it is closed then).
#}
{%- set as_of = var('features_as_of_date') -%}
{%- set windows = [30, 90] -%}

with

customers as (

    select * from {{ ref('dim_customers') }}

),

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

interactions as (

    select * from {{ ref('fct_customer_interactions') }}

),

as_of as (

    {%- if as_of %}
    select cast('{{ as_of }}' as timestamp) as as_of_at
    {%- else %}
    select
        {{ dbt.dateadd(
            'day', 1, 'cast(' ~ dbt.date_trunc('day', 'max(occurred_at)') ~ ' as timestamp)'
        ) }} as as_of_at
    from interactions
    {%- endif %}

),

past_orders as (

    select orders.*, as_of.as_of_at
    from orders
    cross join as_of
    where orders.ordered_at < as_of.as_of_at and orders.customer_id is not null

),

order_features as (

    select
        customer_id,
        count(*) as frequency,
        sum(total) as monetary_value,
        avg(total) as average_order_value,
        min(ordered_at) as first_order_at,
        max(ordered_at) as last_order_at,
        sum(
            case
                when ordered_at >= {{ dbt.dateadd('day', -90, 'as_of_at') }}
                    then total else 0
            end
        ) as spend_last_90_days,
        sum(
            case
                when ordered_at >= {{ dbt.dateadd('day', -180, 'as_of_at') }}
                    and ordered_at < {{ dbt.dateadd('day', -90, 'as_of_at') }}
                    then total else 0
            end
        ) as spend_previous_90_days

    from past_orders
    group by customer_id

),

session_features as (

    select
        web_sessions.customer_id,
        {%- for days in windows %}
        sum(
            case
                when web_sessions.started_at
                    >= {{ dbt.dateadd('day', -days, 'as_of.as_of_at') }}
                    then 1 else 0
            end
        ) as web_sessions_last_{{ days }}_days,
        {%- endfor %}
        count(*) as web_sessions_total

    from web_sessions
    cross join as_of
    where
        web_sessions.started_at < as_of.as_of_at
        and web_sessions.customer_id is not null
    group by web_sessions.customer_id

),

{# Product views are counted per event, so a session cut by the as-of date
   counts only its views before it. #}
view_features as (

    select
        web_events.customer_id,
        {%- for days in windows %}
        sum(
            case
                when web_events.event_at
                    >= {{ dbt.dateadd('day', -days, 'as_of.as_of_at') }}
                    then 1 else 0
            end
        ) as product_views_last_{{ days }}_days{{ ',' if not loop.last }}
        {%- endfor %}

    from {{ ref('fct_web_events') }} as web_events
    cross join as_of
    where
        web_events.event_at < as_of.as_of_at
        and web_events.is_product_view
        and web_events.customer_id is not null
    group by web_events.customer_id

),

email_features as (

    select
        email_events.customer_id,
        {%- for days in windows %}
        sum(
            case
                when email_events.event_type = 'open'
                    and email_events.event_at
                        >= {{ dbt.dateadd('day', -days, 'as_of.as_of_at') }}
                    then 1 else 0
            end
        ) as email_opens_last_{{ days }}_days,
        sum(
            case
                when email_events.event_type = 'click'
                    and email_events.event_at
                        >= {{ dbt.dateadd('day', -days, 'as_of.as_of_at') }}
                    then 1 else 0
            end
        ) as email_clicks_last_{{ days }}_days,
        {%- endfor %}
        sum(case when email_events.is_unsubscribe then 1 else 0 end)
            as email_unsubscribes

    from email_events
    cross join as_of
    where
        email_events.event_at < as_of.as_of_at
        and email_events.customer_id is not null
    group by email_events.customer_id

),

ticket_features as (

    select
        support_tickets.customer_id,
        {%- for days in windows %}
        sum(
            case
                when support_tickets.created_at
                    >= {{ dbt.dateadd('day', -days, 'as_of.as_of_at') }}
                    then 1 else 0
            end
        ) as support_tickets_last_{{ days }}_days,
        {%- endfor %}
        count(*) as support_tickets_total,
        sum(
            case
                when support_tickets.is_bad_rating
                    and support_tickets.updated_at < as_of.as_of_at
                    then 1 else 0
            end
        ) as bad_ratings,
        sum(
            case
                when support_tickets.solved_at is null
                    or support_tickets.solved_at >= as_of.as_of_at
                    then 1 else 0
            end
        ) as open_tickets

    from support_tickets
    cross join as_of
    where
        support_tickets.created_at < as_of.as_of_at
        and support_tickets.customer_id is not null
    group by support_tickets.customer_id

),

first_activity as (

    select
        interactions.customer_id,
        min(interactions.occurred_at) as first_seen_at

    from interactions
    cross join as_of
    where interactions.occurred_at < as_of.as_of_at
    group by interactions.customer_id

),

joined as (

    select
        first_activity.customer_id,
        as_of.as_of_at,
        {{ dbt.datediff('order_features.last_order_at', 'as_of.as_of_at', 'day') }}
            as recency_days,
        coalesce(order_features.frequency, 0) as frequency,
        coalesce(order_features.monetary_value, 0) as monetary_value,
        order_features.average_order_value,
        {{ dbt.datediff('first_activity.first_seen_at', 'as_of.as_of_at', 'day') }}
            as tenure_days,
        {{ dbt.datediff('order_features.first_order_at', 'as_of.as_of_at', 'day') }}
            as customer_age_days,
        coalesce(order_features.spend_last_90_days, 0) as spend_last_90_days,
        coalesce(order_features.spend_previous_90_days, 0)
            as spend_previous_90_days,
        coalesce(order_features.spend_last_90_days, 0)
            - coalesce(order_features.spend_previous_90_days, 0)
            as spend_trend_90_days,
        {%- for days in windows %}
        coalesce(session_features.web_sessions_last_{{ days }}_days, 0)
            as web_sessions_last_{{ days }}_days,
        coalesce(view_features.product_views_last_{{ days }}_days, 0)
            as product_views_last_{{ days }}_days,
        coalesce(email_features.email_opens_last_{{ days }}_days, 0)
            as email_opens_last_{{ days }}_days,
        coalesce(email_features.email_clicks_last_{{ days }}_days, 0)
            as email_clicks_last_{{ days }}_days,
        coalesce(ticket_features.support_tickets_last_{{ days }}_days, 0)
            as support_tickets_last_{{ days }}_days,
        {%- endfor %}
        coalesce(email_features.email_unsubscribes, 0) as email_unsubscribes,
        coalesce(ticket_features.support_tickets_total, 0)
            as support_tickets_total,
        coalesce(ticket_features.bad_ratings, 0) as bad_ratings,
        coalesce(ticket_features.open_tickets, 0) as open_tickets

    from first_activity
    cross join as_of
    inner join customers
        on first_activity.customer_id = customers.customer_id
    left join order_features
        on first_activity.customer_id = order_features.customer_id
    left join session_features
        on first_activity.customer_id = session_features.customer_id
    left join view_features
        on first_activity.customer_id = view_features.customer_id
    left join email_features
        on first_activity.customer_id = email_features.customer_id
    left join ticket_features
        on first_activity.customer_id = ticket_features.customer_id

)

select * from joined
