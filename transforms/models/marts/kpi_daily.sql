{#
    Days are UTC days with any activity, not a calendar spine: a day without
    a single order, session, email event or ticket has no row (dbt's
    date_spine needs its bounds at compile time). Rates are null on days
    with no denominator. Revenue sums every order, including orders whose
    email no customer owns, so it reconciles with the shop's export.
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

interactions as (

    select * from {{ ref('fct_customer_interactions') }}

),

order_days as (

    select
        order_date as date_day,
        sum(net_revenue) as revenue,
        count(*) as n_orders,
        count(distinct case when customer_order_number = 1 then customer_id end)
            as n_new_customers,
        count(distinct case when customer_order_number > 1 then customer_id end)
            as n_returning_customers

    from orders
    group by order_date

),

session_days as (

    select
        session_date as date_day,
        count(*) as n_sessions,
        sum(case when is_converted then 1 else 0 end) as n_converted_sessions

    from web_sessions
    group by session_date

),

email_days as (

    select
        event_date as date_day,
        sum(case when event_type = 'processed' then 1 else 0 end)
            as n_emails_sent,
        sum(case when event_type = 'delivered' then 1 else 0 end)
            as n_emails_delivered,
        count(distinct case when event_type = 'open' then message_id end)
            as n_emails_opened,
        count(distinct case when event_type = 'click' then message_id end)
            as n_emails_clicked,
        sum(case when is_unsubscribe then 1 else 0 end) as n_unsubscribes

    from email_events
    group by event_date

),

opened_ticket_days as (

    select
        created_date as date_day,
        count(*) as n_tickets_opened

    from support_tickets
    group by created_date

),

solved_ticket_days as (

    select
        cast({{ dbt.date_trunc('day', 'solved_at') }} as date) as date_day,
        count(*) as n_tickets_solved,
        sum(case when satisfaction_score = 'good' then 1 else 0 end)
            as n_good_ratings,
        sum(case when satisfaction_score = 'bad' then 1 else 0 end)
            as n_bad_ratings

    from support_tickets
    where solved_at is not null
    group by 1

),

active_days as (

    select
        occurred_date as date_day,
        count(distinct customer_id) as n_active_customers

    from interactions
    group by occurred_date

),

days as (

    select date_day from order_days
    union
    select date_day from session_days
    union
    select date_day from email_days
    union
    select date_day from opened_ticket_days
    union
    select date_day from solved_ticket_days

),

joined as (

    select
        days.date_day,
        coalesce(order_days.revenue, 0) as revenue,
        coalesce(order_days.n_orders, 0) as n_orders,
        order_days.revenue / nullif(order_days.n_orders, 0)
            as average_order_value,
        coalesce(order_days.n_new_customers, 0) as n_new_customers,
        coalesce(order_days.n_returning_customers, 0)
            as n_returning_customers,
        coalesce(active_days.n_active_customers, 0) as n_active_customers,
        coalesce(session_days.n_sessions, 0) as n_sessions,
        coalesce(session_days.n_converted_sessions, 0)
            as n_converted_sessions,
        1.0 * session_days.n_converted_sessions
            / nullif(session_days.n_sessions, 0) as session_conversion_rate,
        coalesce(email_days.n_emails_sent, 0) as n_emails_sent,
        coalesce(email_days.n_emails_delivered, 0) as n_emails_delivered,
        coalesce(email_days.n_emails_opened, 0) as n_emails_opened,
        coalesce(email_days.n_emails_clicked, 0) as n_emails_clicked,
        coalesce(email_days.n_unsubscribes, 0) as n_unsubscribes,
        1.0 * email_days.n_emails_delivered
            / nullif(email_days.n_emails_sent, 0) as email_delivery_rate,
        1.0 * email_days.n_emails_opened
            / nullif(email_days.n_emails_delivered, 0) as email_open_rate,
        1.0 * email_days.n_emails_clicked
            / nullif(email_days.n_emails_delivered, 0) as email_click_rate,
        1.0 * email_days.n_unsubscribes
            / nullif(email_days.n_emails_delivered, 0)
            as email_unsubscribe_rate,
        coalesce(opened_ticket_days.n_tickets_opened, 0) as n_tickets_opened,
        coalesce(solved_ticket_days.n_tickets_solved, 0) as n_tickets_solved,
        1.0 * solved_ticket_days.n_good_ratings
            / nullif(
                solved_ticket_days.n_good_ratings
                + solved_ticket_days.n_bad_ratings,
                0
            ) as satisfaction_score

    from days
    left join order_days on days.date_day = order_days.date_day
    left join session_days on days.date_day = session_days.date_day
    left join email_days on days.date_day = email_days.date_day
    left join opened_ticket_days
        on days.date_day = opened_ticket_days.date_day
    left join solved_ticket_days
        on days.date_day = solved_ticket_days.date_day
    left join active_days on days.date_day = active_days.date_day

)

select * from joined
