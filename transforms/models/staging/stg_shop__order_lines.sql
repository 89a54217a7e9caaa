{#
    One row per Shopify line item. Only the latest export of an order is
    kept, and the order id comes from the order's first row, the only one
    that carries it.
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
        ) as line_number,
        first_value({{ strip_apostrophe('id') }}) over (
            partition by trim(name), _loaded_at, _source_file
            order by _source_line
        ) as first_row_order_id

    from source

),

renamed as (

    select
        first_row_order_id || '-' || cast(line_number as varchar)
            as order_line_id,
        first_row_order_id as order_id,
        {{ blank_to_null('name') }} as order_name,
        line_number,
        {{ dbt.safe_cast(blank_to_null('lineitem_quantity'), 'integer') }}
            as quantity,
        {{ blank_to_null('lineitem_name') }} as product_name,
        {{ blank_to_null('lineitem_sku') }} as sku,
        {{ dbt.safe_cast(blank_to_null('lineitem_price'), 'decimal(18, 2)') }}
            as price,
        {{ dbt.safe_cast(
            blank_to_null('lineitem_compare_at_price'), 'decimal(18, 2)'
        ) }} as compare_at_price,
        {{ dbt.safe_cast(
            blank_to_null('lineitem_discount'), 'decimal(18, 2)'
        ) }} as discount,
        {{ text_to_boolean('lineitem_requires_shipping') }}
            as requires_shipping,
        {{ text_to_boolean('lineitem_taxable') }} as is_taxable,
        lower({{ blank_to_null('lineitem_fulfillment_status') }})
            as fulfillment_status,
        {{ blank_to_null('vendor') }} as vendor,
        _source_file,
        _source_line,
        _load_id,
        _loaded_at

    from ranked
    where export_rank = 1

)

select * from renamed
