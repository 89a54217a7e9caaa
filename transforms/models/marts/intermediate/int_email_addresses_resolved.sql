{#
    Orders and email events carry only an email address. An address can sit
    on records of two customers when identity kept them apart (a shared
    family address, say): it then belongs to the customer of its most
    trusted record - shop, then email, support, web - most recently seen.
#}
with

records as (

    select * from {{ ref('int_identity_records_resolved') }}

),

ranked as (

    select
        email,
        customer_id,
        source as resolved_from_source,
        record_key as resolved_from_record_key,
        count(distinct customer_id) over (partition by email)
            as n_customers_with_email,
        row_number() over (
            partition by email
            order by
                {{ source_rank('source', ['shop', 'email', 'support', 'web']) }},
                last_seen_at desc nulls last,
                record_key
        ) as email_rank

    from records
    where email is not null

),

resolved as (

    select
        email,
        customer_id,
        resolved_from_source,
        resolved_from_record_key,
        n_customers_with_email

    from ranked
    where email_rank = 1

)

select * from resolved
