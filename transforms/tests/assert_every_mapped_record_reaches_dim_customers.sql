{#
    dim_customers inner-joins identity.record_to_customer to
    int_identity_records, so its record counts fall short of the mapping when
    the identity step maps a record that int_identity_records does not hold.
    Written against dim_customers rather than as a relationships test on
    int_identity_records, so that it runs with the marts, after the identity
    step, and not with the intermediate models before it.
#}
with

record_to_customer as (

    select * from {{ source('identity', 'record_to_customer') }}

),

dim_customers as (

    select * from {{ ref('dim_customers') }}

),

counted_mappings as (

    select count(*) as n_mapped_records
    from record_to_customer

),

counted_customer_records as (

    select coalesce(sum(n_source_records), 0) as n_customer_records
    from dim_customers

),

compared as (

    select
        counted_mappings.n_mapped_records,
        counted_customer_records.n_customer_records

    from counted_mappings
    cross join counted_customer_records
    where
        counted_mappings.n_mapped_records
        != counted_customer_records.n_customer_records

)

select * from compared
