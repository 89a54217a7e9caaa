with

source as (

    select * from {{ source('raw', 'shop_customers') }}

),

{# A customer exported again by a later load keeps only its latest row. #}
ranked as (

    select
        *,
        row_number() over (
            partition by {{ strip_apostrophe('customer_id') }}
            order by _loaded_at desc, _source_file desc, _source_line desc
        ) as load_rank

    from source

),

renamed as (

    select
        {{ strip_apostrophe('customer_id') }} as customer_id,
        {{ blank_to_null('first_name') }} as first_name,
        {{ blank_to_null('last_name') }} as last_name,
        lower({{ blank_to_null('email') }}) as email,
        {{ text_to_boolean('accepts_email_marketing') }}
            as accepts_email_marketing,
        {{ blank_to_null('default_address_company') }} as company,
        {{ blank_to_null('default_address_address1') }} as address1,
        {{ blank_to_null('default_address_address2') }} as address2,
        {{ blank_to_null('default_address_city') }} as city,
        upper({{ blank_to_null('default_address_province_code') }})
            as province_code,
        upper({{ blank_to_null('default_address_country_code') }})
            as country_code,
        {{ strip_apostrophe('default_address_zip') }} as zip,
        {{ strip_apostrophe('default_address_phone') }} as address_phone,
        {{ strip_apostrophe('phone') }} as phone,
        {{ text_to_boolean('accepts_sms_marketing') }}
            as accepts_sms_marketing,
        {{ dbt.safe_cast(blank_to_null('total_spent'), 'decimal(18, 2)') }}
            as total_spent,
        {{ dbt.safe_cast(blank_to_null('total_orders'), 'integer') }}
            as total_orders,
        {{ blank_to_null('note') }} as note,
        {{ text_to_boolean('tax_exempt') }} as is_tax_exempt,
        {{ blank_to_null('tags') }} as tags,
        _source_file,
        _source_line,
        _load_id,
        _loaded_at

    from ranked
    where load_rank = 1

)

select * from renamed
