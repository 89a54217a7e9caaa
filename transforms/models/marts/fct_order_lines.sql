{#
    Shopify gives discounts and refunds per order. They are spread over the
    order's lines in proportion to each line's gross amount, so line net
    revenue adds up to the order's net merchandise revenue, up to the cent
    lost to rounding each line (shipping and taxes stay on fct_orders).
#}
with

order_lines as (

    select * from {{ ref('stg_shop__order_lines') }}

),

orders as (

    select * from {{ ref('fct_orders') }}

),

priced as (

    select
        order_lines.*,
        coalesce(order_lines.quantity, 0) * coalesce(order_lines.price, 0)
            as gross_amount

    from order_lines

),

shared as (

    select
        priced.*,
        case
            when sum(gross_amount) over (partition by order_id) = 0 then 0
            else gross_amount
                / sum(gross_amount) over (partition by order_id)
        end as order_share

    from priced

),

joined as (

    select
        shared.order_line_id,
        shared.order_id,
        orders.customer_id,
        orders.ordered_at,
        orders.order_date,
        orders.currency,
        shared.line_number,
        shared.product_name,
        shared.sku,
        shared.vendor,
        shared.quantity,
        shared.price,
        shared.gross_amount,
        cast(
            round(orders.discount_amount * shared.order_share, 2)
            + coalesce(shared.discount, 0)
            as decimal(18, 2)
        ) as discount_amount,
        cast(
            round(
                case
                    when orders.total = 0 then 0
                    else orders.refunded_amount * (orders.subtotal / orders.total)
                end * shared.order_share,
                2
            ) as decimal(18, 2)
        ) as refunded_amount

    from shared
    inner join orders
        on shared.order_id = orders.order_id

),

netted as (

    select
        *,
        gross_amount - discount_amount - refunded_amount as net_revenue

    from joined

)

select * from netted
