with

referrers as (

    select * from {{ ref('stg_statgouv__referrers') }}

),

final as (

    select
        site_host,
        visit_date,
        'statgouv' as publisher,
        referrer_rank,
        referrer_url,
        visits

    from referrers

)

select * from final
