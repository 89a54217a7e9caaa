{#
    Shopify writes one row per line item and fills the order-level fields on
    the first row of each order only, so an order is the first row of its
    group. When an order appears in several exports, the latest export wins.
#}
with

source as (

    select * from {{ source('raw', 'shop_orders') }}

),

ranked as (

    select
        *,
        dense_rank() over (
            partition by trim(name)
            order by _loaded_at desc, _source_file desc
        ) as export_rank,
        row_number() over (
            partition by trim(name), _loaded_at, _source_file
            order by _source_line
        ) as line_rank,
        count(*) over (
            partition by trim(name), _loaded_at, _source_file
        ) as n_line_items

    from source

),

renamed as (

    select
        {{ strip_apostrophe('id') }} as order_id,
        {{ blank_to_null('name') }} as order_name,
        lower({{ blank_to_null('email') }}) as email,
        lower({{ blank_to_null('financial_status') }}) as financial_status,
        lower({{ blank_to_null('fulfillment_status') }})
            as fulfillment_status,
        {{ text_to_boolean('accepts_marketing') }} as accepts_marketing,
        upper({{ blank_to_null('currency') }}) as currency,
        {{ dbt.safe_cast(blank_to_null('subtotal'), 'decimal(18, 2)') }}
            as subtotal,
        {{ dbt.safe_cast(blank_to_null('shipping'), 'decimal(18, 2)') }}
            as shipping,
        {{ dbt.safe_cast(blank_to_null('taxes'), 'decimal(18, 2)') }}
            as taxes,
        {{ dbt.safe_cast(blank_to_null('total'), 'decimal(18, 2)') }}
            as total,
        {{ blank_to_null('discount_code') }} as discount_code,
        {{ dbt.safe_cast(blank_to_null('discount_amount'), 'decimal(18, 2)') }}
            as discount_amount,
        {{ dbt.safe_cast(blank_to_null('refunded_amount'), 'decimal(18, 2)') }}
            as refunded_amount,
        {{ dbt.safe_cast(
            blank_to_null('outstanding_balance'), 'decimal(18, 2)'
        ) }} as outstanding_balance,
        {{ blank_to_null('shipping_method') }} as shipping_method,
        {{ blank_to_null('payment_method') }} as payment_method,
        {{ blank_to_null('billing_name') }} as billing_name,
        {{ blank_to_null('billing_address1') }} as billing_address1,
        {{ blank_to_null('billing_address2') }} as billing_address2,
        {{ blank_to_null('billing_city') }} as billing_city,
        {{ strip_apostrophe('billing_zip') }} as billing_zip,
        upper({{ blank_to_null('billing_province') }}) as billing_province,
        upper({{ blank_to_null('billing_country') }}) as billing_country,
        {{ strip_apostrophe('billing_phone') }} as billing_phone,
        {{ blank_to_null('shipping_name') }} as shipping_name,
        {{ blank_to_null('shipping_address1') }} as shipping_address1,
        {{ blank_to_null('shipping_address2') }} as shipping_address2,
        {{ blank_to_null('shipping_city') }} as shipping_city,
        {{ strip_apostrophe('shipping_zip') }} as shipping_zip,
        upper({{ blank_to_null('shipping_province') }}) as shipping_province,
        upper({{ blank_to_null('shipping_country') }}) as shipping_country,
        {{ strip_apostrophe('shipping_phone') }} as shipping_phone,
        {{ strip_apostrophe('phone') }} as phone,
        {{ blank_to_null('notes') }} as notes,
        {{ blank_to_null('tags') }} as tags,
        lower({{ blank_to_null('risk_level') }}) as risk_level,
        {{ blank_to_null('source') }} as order_source,
        {{ blank_to_null('location') }} as location,
        n_line_items,
        {{ parse_shopify_timestamp('created_at') }} as created_at,
        {{ parse_shopify_timestamp('paid_at') }} as paid_at,
        {{ parse_shopify_timestamp('fulfilled_at') }} as fulfilled_at,
        {{ parse_shopify_timestamp('cancelled_at') }} as cancelled_at,
        _source_file,
        _source_line,
        _load_id,
        _loaded_at

    from ranked
    where export_rank = 1 and line_rank = 1

)

select * from renamed
