{# Only records the identity step mapped; see assert_every_mapped_record_... #}
with

record_to_customer as (

    select * from {{ source('identity', 'record_to_customer') }}

),

identity_records as (

    select * from {{ ref('int_identity_records') }}

),

joined as (

    select
        record_to_customer.customer_id,
        identity_records.*

    from record_to_customer
    inner join identity_records
        on record_to_customer.source = identity_records.source
        and record_to_customer.source_record_id
            = identity_records.source_record_id

)

select * from joined
