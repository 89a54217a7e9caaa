{#
    A customer is active while their last order is at most
    var('lapsed_after_days') old, and churns the day that window runs out
    without a new order. The churn rate of a month is the share of customers
    active on its first day who churn before its end. Months whose end lies
    after the latest order are left out, as their churn is not yet known.
#}
{%- set window_days = var('lapsed_after_days') -%}

with

orders as (

    select * from {{ ref('fct_orders') }}
    where customer_id is not null

),

sequenced as (

    select
        customer_id,
        ordered_at,
        lead(ordered_at) over (
            partition by customer_id order by ordered_at, order_id
        ) as next_ordered_at

    from orders

),

spells as (

    select
        customer_id,
        ordered_at as active_from,
        {{ dbt.dateadd('day', window_days, 'ordered_at') }} as lapses_at,
        next_ordered_at

    from sequenced

),

{# The spell of one order ends at the next order or when it lapses; only the
   lapse is a churn. #}
churn_spells as (

    select
        customer_id,
        active_from,
        case
            when next_ordered_at is not null and next_ordered_at < lapses_at
                then next_ordered_at
            else lapses_at
        end as active_until,
        next_ordered_at is null or next_ordered_at >= lapses_at as ends_in_churn

    from spells

),

months as (

    select distinct
        cast({{ dbt.date_trunc('month', 'ordered_at') }} as date) as month_start
    from orders

),

latest as (

    select max(ordered_at) as latest_ordered_at from orders

),

bounded_months as (

    select
        months.month_start,
        {{ dbt.dateadd('month', 1, 'months.month_start') }} as month_end

    from months
    cross join latest
    where {{ dbt.dateadd('month', 1, 'months.month_start') }}
        <= latest.latest_ordered_at

),

active_at_start as (

    select
        bounded_months.month_start,
        churn_spells.customer_id,
        churn_spells.ends_in_churn
            and churn_spells.active_until < bounded_months.month_end
            as churned_in_month

    from bounded_months
    inner join churn_spells
        on churn_spells.active_from < bounded_months.month_start
        and churn_spells.active_until >= bounded_months.month_start

),

aggregated as (

    select
        month_start,
        count(distinct customer_id) as n_active_at_start,
        count(distinct case when churned_in_month then customer_id end)
            as n_churned

    from active_at_start
    group by month_start

),

rated as (

    select
        month_start,
        n_active_at_start,
        n_churned,
        1.0 * n_churned / nullif(n_active_at_start, 0) as churn_rate

    from aggregated

)

select * from rated
