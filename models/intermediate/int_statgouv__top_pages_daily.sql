with

pages as (

    select * from {{ ref('stg_statgouv__pages') }}

),

final as (

    select
        site_host,
        visit_date,
        'statgouv' as publisher,
        page_rank,
        page,
        page_views,
        loaded_at

    from pages

)

select * from final
