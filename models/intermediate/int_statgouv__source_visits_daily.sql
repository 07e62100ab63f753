with

sources as (

    select * from {{ ref('stg_statgouv__sources') }}

),

totals as (

    select * from {{ ref('stg_statgouv__totals') }}

),

final as (

    select
        sources.site_host,
        sources.visit_date,
        'statgouv' as publisher,
        sources.source,
        sources.source_label,
        sources.visits,
        cast(sources.visits as double)
        / nullif(totals.visits, 0) as visit_share,
        sources.is_known_label,
        sources.loaded_at

    from sources
    left join totals
        on
            sources.site_host = totals.site_host
            and sources.visit_date = totals.visit_date
            and sources.loaded_at = totals.loaded_at

)

select * from final
