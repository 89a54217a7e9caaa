{#
    A customer belongs to the cohort of the month of their first order and
    is retained in a later month when they order in it. Months after the
    latest order in the warehouse are not reported (they have not happened).
#}
with

orders as (

    select * from {{ ref('fct_orders') }}
    where customer_id is not null

),

ordered_months as (

    select distinct
        customer_id,
        cast({{ dbt.date_trunc('month', 'ordered_at') }} as date)
            as order_month

    from orders

),

cohorts as (

    select
        customer_id,
        min(order_month) as cohort_month

    from ordered_months
    group by customer_id

),

cohort_sizes as (

    select
        cohort_month,
        count(*) as n_cohort_customers

    from cohorts
    group by cohort_month

),

activity as (

    select
        cohorts.cohort_month,
        {{ dbt.datediff('cohorts.cohort_month', 'ordered_months.order_month', 'month') }}
            as months_since_first_order,
        count(distinct ordered_months.customer_id) as n_retained_customers

    from ordered_months
    inner join cohorts
        on ordered_months.customer_id = cohorts.customer_id
    group by 1, 2

),

{# Every cohort gets a row for every elapsed month, zero when nobody came
   back, so averages over cohorts are not biased upwards. #}
elapsed as (

    select distinct months_since_first_order from activity

),

latest as (

    select max(order_month) as latest_month from ordered_months

),

grid as (

    select
        cohort_sizes.cohort_month,
        elapsed.months_since_first_order,
        cohort_sizes.n_cohort_customers

    from cohort_sizes
    cross join elapsed
    cross join latest
    where
        {{ dbt.dateadd('month', 'elapsed.months_since_first_order', 'cohort_sizes.cohort_month') }}
            <= latest.latest_month

),

retained as (

    select
        grid.cohort_month,
        grid.months_since_first_order,
        grid.n_cohort_customers,
        coalesce(activity.n_retained_customers, 0) as n_retained_customers,
        1.0 * coalesce(activity.n_retained_customers, 0)
            / grid.n_cohort_customers as retention_rate

    from grid
    left join activity
        on grid.cohort_month = activity.cohort_month
        and grid.months_since_first_order = activity.months_since_first_order

)

select * from retained
