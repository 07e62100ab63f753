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
        visits,
        loaded_at

    from referrers

)

select * from final
