{#
    kpi_daily and kpi_churn_monthly add up order money without converting
    currencies; this warns once a second currency appears in fct_orders, as
    those sums then mix currencies.
#}
{{ config(severity='warn') }}

with

orders as (

    select * from {{ ref('fct_orders') }}

),

currencies as (

    select count(distinct currency) as n_currencies
    from orders
    having count(distinct currency) > 1

)

select * from currencies
