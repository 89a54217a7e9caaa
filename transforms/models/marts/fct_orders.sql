{#
    Net revenue is what the shop keeps: the order total (after discounts,
    with shipping and taxes) less refunds; a voided order keeps nothing.
#}
with

orders as (

    select * from {{ ref('stg_shop__orders') }}

),

email_addresses as (

    select * from {{ ref('int_email_addresses_resolved') }}

),

joined as (

    select
        orders.order_id,
        orders.order_name,
        email_addresses.customer_id,
        orders.email,
        orders.created_at as ordered_at,
        cast({{ dbt.date_trunc('day', 'orders.created_at') }} as date)
            as order_date,
        orders.currency,
        orders.financial_status,
        orders.fulfillment_status,
        orders.discount_code,
        orders.n_line_items,
        coalesce(orders.subtotal, 0) as subtotal,
        coalesce(orders.discount_amount, 0) as discount_amount,
        coalesce(orders.shipping, 0) as shipping,
        coalesce(orders.taxes, 0) as taxes,
        coalesce(orders.total, 0) as total,
        coalesce(orders.refunded_amount, 0) as refunded_amount,
        case
            when orders.financial_status = 'voided' then 0
            else coalesce(orders.total, 0) - coalesce(orders.refunded_amount, 0)
        end as net_revenue,
        orders.financial_status in ('refunded', 'partially_refunded')
            as is_refunded,
        orders.cancelled_at is not null as is_cancelled,
        orders.paid_at,
        orders.cancelled_at

    from orders
    left join email_addresses
        on orders.email = email_addresses.email

),

sequenced as (

    select
        *,
        case
            when customer_id is not null
                then row_number() over (
                    partition by customer_id order by ordered_at, order_id
                )
        end as customer_order_number

    from joined

)

select * from sequenced
