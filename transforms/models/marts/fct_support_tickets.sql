{#
    Zendesk's export has no solved_at: a solved or closed ticket's last
    update stands in for its resolution time, which overstates it when a
    ticket is touched after solving.
#}
with

tickets as (

    select * from {{ ref('stg_support__tickets') }}

),

records as (

    select * from {{ ref('int_identity_records_resolved') }}
    where source = 'support'

),

joined as (

    select
        tickets.ticket_id,
        records.customer_id,
        tickets.requester_id,
        tickets.created_at,
        cast({{ dbt.date_trunc('day', 'tickets.created_at') }} as date)
            as created_date,
        tickets.updated_at,
        tickets.status,
        tickets.priority,
        tickets.ticket_type,
        tickets.via_channel,
        tickets.subject,
        tickets.status in ('solved', 'closed') as is_solved,
        case
            when tickets.status in ('solved', 'closed') then tickets.updated_at
        end as solved_at,
        case
            when tickets.status in ('solved', 'closed')
                then {{ dbt.datediff('tickets.created_at', 'tickets.updated_at', 'minute') }}
                    / 60.0
        end as resolution_hours,
        tickets.satisfaction_score,
        tickets.satisfaction_score in ('good', 'bad') as is_rated,
        tickets.satisfaction_score = 'bad' as is_bad_rating,
        tickets.satisfaction_comment

    from tickets
    left join records
        on tickets.requester_id = records.source_record_id

)

select * from joined
